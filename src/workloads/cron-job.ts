import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { checkAlertPresets, WorkloadAlerts } from '../observability/workload-alerts.js';
import { schedulePeriodSeconds } from '../observability/schedule-period.js';
import { parseCronSchedule } from '../core/cron.js';
import { parseDuration, type Duration } from '../core/duration.js';
import { KubeObject } from '../core/kube-object.js';
import { PodWorkload } from '../core/pod-workload.js';
import { propKeys } from '../core/props.js';
import { JOB_RUN_KEYS, resolveJobRun, type JobRunProps } from './job-spec.js';

/** Props of a {@link CronJob}. */
export interface CronJobProps extends JobRunProps {
  /** When to run, as a cron expression (`"0 3 * * *"`) or a macro (`"@daily"`). */
  readonly schedule: string;
  /** IANA time zone of the schedule, e.g. `Europe/Berlin`. @default - the controller's (UTC on most clusters) */
  readonly timeZone?: string;
  /** What to do when a run is due while the last one still runs. @default 'Forbid' */
  readonly concurrencyPolicy?: 'Forbid' | 'Allow' | 'Replace';
  /** A missed run still starts if it can within this time; later, it is skipped. @default '5m' */
  readonly startingDeadline?: Duration;
  /** Finished successful Jobs to keep. @default 3 */
  readonly successfulJobsHistory?: number;
  /** Finished failed Jobs to keep. @default 1 */
  readonly failedJobsHistory?: number;
  /** Stop scheduling new runs. @default false */
  readonly suspend?: boolean;
}

/** A Job on a schedule: a nightly cleanup, a report, a sync. */
export class CronJob extends PodWorkload {
  /** The CronJob. */
  public readonly cronJob: KubeObject;
  /** The alerts, when `alerts` is set. */
  public readonly alerts?: WorkloadAlerts;

  constructor(scope: Construct, id: string, props: CronJobProps) {
    super(scope, id, props, {
      component: 'cronjob',
      longRunning: false,
      keys: propKeys<CronJobProps>()(...JOB_RUN_KEYS, 'schedule', 'timeZone', 'concurrencyPolicy', 'startingDeadline', 'successfulJobsHistory', 'failedJobsHistory', 'suspend'),
      serviceName: false,
      // The CronJob controller appends an 11-character suffix to Job names, which must stay within 63.
      maxNameLength: 52,
    });
    const ctx = this.ctx;
    const schedule = parseCronSchedule(ctx, 'schedule', props.schedule, 'timeZone', props.timeZone);
    const concurrency = props.concurrencyPolicy ?? 'Forbid';
    ctx.check(['Forbid', 'Allow', 'Replace'].includes(concurrency), 'concurrencyPolicy', concurrency, 'must be "Forbid", "Allow" or "Replace"');
    const history = (field: 'successfulJobsHistory' | 'failedJobsHistory', fallback: number) => {
      const v = props[field] ?? fallback;
      ctx.check(Number.isInteger(v) && v >= 0 && v <= 100, field, v, 'must be a whole number from 0 to 100');
      return v;
    };
    if (props.suspend !== undefined) ctx.check(typeof props.suspend === 'boolean', 'suspend', props.suspend, 'must be true or false');
    const run = resolveJobRun(ctx, props);
    this.cronJob = KubeObject.create(this, 'cron-job', k8s.KubeCronJob, {
      metadata: this.metadata,
      spec: {
        schedule: schedule.expression,
        ...(schedule.timeZone ? { timeZone: schedule.timeZone } : {}),
        concurrencyPolicy: concurrency,
        startingDeadlineSeconds: parseDuration(ctx, 'startingDeadline', props.startingDeadline ?? '5m', 10),
        successfulJobsHistoryLimit: history('successfulJobsHistory', 3),
        failedJobsHistoryLimit: history('failedJobsHistory', 1),
        ...(props.suspend ? { suspend: true } : {}),
        jobTemplate: {
          metadata: { labels: this.metadata.labels },
          spec: { ...run.spec, template: this.podTemplate({ maxReplicas: run.maxPods, restartPolicy: run.restartPolicy }) },
        },
      },
    });
    this.adoptPodTemplate(this.cronJob, ['spec', 'jobTemplate', 'spec', 'template']);
    const presets = props.alerts === undefined ? false : checkAlertPresets(ctx, 'alerts', props.alerts);
    if (presets !== false) {
      this.alerts = new WorkloadAlerts(this, 'alerts', {
        target: { kind: 'CronJob', name: this.name, namespace: this.namespace, schedulePeriodSeconds: schedulePeriodSeconds(schedule.expression) },
        presets,
        labels: this.metadata.labels,
      });
    }
    this.finishPodTemplates();
  }
}
