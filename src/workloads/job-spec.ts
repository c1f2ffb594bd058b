import type { AlertPresetsProps } from '../observability/workload-alerts.js';
import type { k8s } from 'cdk8s-plus-28';
import { parseDuration, type Duration } from '../core/duration.js';
import { ErrorContext } from '../core/errors.js';
import type { WorkloadProps } from '../core/pod-workload.js';

/** How a Job's pods run to completion: counts, retries, deadlines, clean-up. */
export interface JobRunProps extends WorkloadProps {
  /**
   * Alerts from kube-state-metrics: a failed Job (and for a CronJob, no completed run for
   * twice its schedule's period, plus crash-looping pods); `{}` turns them on, an entry tunes
   * (`{ jobFailed: { severity: 'page' } }`) or removes (`false`) one.
   * @default - no alerts
   */
  readonly alerts?: AlertPresetsProps;
  /** Successful pods the Job needs. @default 1 */
  readonly completions?: number;
  /** Pods that run at once. @default - completions, at most 1 without completions */
  readonly parallelism?: number;
  /** `Indexed` gives each pod an index (`JOB_COMPLETION_INDEX`, hostname `<job>-<index>`) for sharded work. @default 'NonIndexed' */
  readonly completionMode?: 'NonIndexed' | 'Indexed';
  /** Retries before the Job fails. @default 3 */
  readonly backoffLimit?: number;
  /** Longest the Job may run before it is stopped and failed. @default - no deadline */
  readonly activeDeadline?: Duration;
  /** Delete the finished Job (and its pods) this long after it ends. Leave unset when Argo CD syncs the Job, or it recreates it. @default - kept */
  readonly ttlAfterFinished?: Duration;
  /** `Never` starts a new pod for every retry (logs of failed attempts stay); `OnFailure` restarts the container in place. @default 'Never' */
  readonly restartPolicy?: 'Never' | 'OnFailure';
}

/** The keys of {@link JobRunProps} beyond the workload's. */
export const JOB_RUN_KEYS = ['alerts', 'completions', 'parallelism', 'completionMode', 'backoffLimit', 'activeDeadline', 'ttlAfterFinished', 'restartPolicy'];

/** Checks the run props and returns the Job spec fields (without the template) and the pod restart policy. */
export function resolveJobRun(ctx: ErrorContext, props: JobRunProps): { spec: Omit<k8s.JobSpec, 'template'>; restartPolicy: 'Never' | 'OnFailure'; maxPods: number } {
  const count = (field: 'completions' | 'parallelism' | 'backoffLimit', min: number) => {
    const v = props[field];
    if (v !== undefined) ctx.check(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= 100000, field, v, `must be a whole number from ${min} to 100000`);
    return v;
  };
  const completions = count('completions', 1);
  const parallelism = count('parallelism', 0);
  const backoffLimit = count('backoffLimit', 0) ?? 3;
  const mode = props.completionMode ?? 'NonIndexed';
  ctx.check(mode === 'NonIndexed' || mode === 'Indexed', 'completionMode', mode, 'must be "NonIndexed" or "Indexed"');
  if (mode === 'Indexed') ctx.check(completions !== undefined, 'completionMode', mode, 'needs completions (the number of indexes)', 'Set completions, e.g. 10 for indexes 0-9');
  if (parallelism !== undefined && completions !== undefined) {
    ctx.check(parallelism <= completions, 'parallelism', parallelism, `exceeds completions (${completions}): the extra pods would never run`, 'Lower parallelism to at most completions');
  }
  const restartPolicy = props.restartPolicy ?? 'Never';
  ctx.check(restartPolicy === 'Never' || restartPolicy === 'OnFailure', 'restartPolicy', restartPolicy, 'must be "Never" or "OnFailure" (Job pods run to completion)');
  const deadline = props.activeDeadline === undefined ? undefined : parseDuration(ctx, 'activeDeadline', props.activeDeadline, 1);
  const ttl = props.ttlAfterFinished === undefined ? undefined : parseDuration(ctx, 'ttlAfterFinished', props.ttlAfterFinished, 0);
  return {
    spec: {
      ...(completions !== undefined ? { completions } : {}),
      ...(parallelism !== undefined ? { parallelism } : {}),
      ...(mode === 'Indexed' ? { completionMode: mode } : {}),
      backoffLimit,
      ...(deadline !== undefined ? { activeDeadlineSeconds: deadline } : {}),
      ...(ttl !== undefined ? { ttlSecondsAfterFinished: ttl } : {}),
    },
    restartPolicy,
    maxPods: parallelism ?? Math.min(completions ?? 1, 1),
  };
}
