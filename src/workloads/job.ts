import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { KubeObject } from '../core/kube-object.js';
import { PodWorkload } from '../core/pod-workload.js';
import { propKeys } from '../core/props.js';
import { addTriggerAuthentications, JOB_EVENT_KEYS, resolveEventScaling, type EventScalingProps } from '../scaling/event-scaling.js';
import { ScaledJob } from '../scaling/scaled-job.js';
import { checkAlertPresets, WorkloadAlerts } from '../observability/workload-alerts.js';
import { JOB_RUN_KEYS, resolveJobRun, type JobRunProps } from './job-spec.js';

/** Props of a {@link Job}. */
export interface JobProps extends JobRunProps {
  /**
   * Start Jobs as events arrive with a KEDA ScaledJob instead of running once: one Job per
   * batch of work, up to `max` at once (`min`, `max`, `pollingInterval` and `triggers` apply).
   * @default - one Job that runs once
   */
  readonly scaleOn?: Pick<EventScalingProps, 'triggers' | 'min' | 'max' | 'pollingInterval'>;
}

/**
 * A batch Job that runs to completion once (a migration, a backfill, an import), with
 * retries, a deadline and optional Indexed completions for sharded work; or, with
 * `scaleOn`, a KEDA ScaledJob that starts such Jobs as events arrive.
 */
export class Job extends PodWorkload {
  /** The Job, or the KEDA ScaledJob (kind `ScaledJob`) that starts Jobs from the same spec when `scaleOn` is set. */
  public readonly job: KubeObject;
  /** The KEDA TriggerAuthentications of triggers that read Secrets. */
  public readonly triggerAuthentications: readonly KubeObject[];
  /** The alerts, when `alerts` is set. */
  public readonly alerts?: WorkloadAlerts;

  constructor(scope: Construct, id: string, props: JobProps) {
    super(scope, id, props, { component: 'job', longRunning: false, keys: propKeys<JobProps>()(...JOB_RUN_KEYS, 'scaleOn'), serviceName: false });
    const run = resolveJobRun(this.ctx, props);
    const env = this.stack.env;
    const events = props.scaleOn === undefined ? undefined : resolveEventScaling(this.ctx, 'scaleOn', env, props.scaleOn, JOB_EVENT_KEYS, (trigger) => `${this.name}-${trigger}`);
    if (events) {
      const template = this.podTemplate({ maxReplicas: run.maxPods * events.range.max, restartPolicy: run.restartPolicy });
      this.job = new ScaledJob(this, 'scaled-job', { job: { ...run.spec, template }, scaling: events, metadata: this.metadata }).object;
      this.adoptPodTemplate(this.job, ['spec', 'jobTargetRef', 'template']);
      this.triggerAuthentications = addTriggerAuthentications(this, events.triggers, this.metadata);
    } else {
      this.job = KubeObject.create(this, 'job', k8s.KubeJob, {
        metadata: this.metadata,
        spec: { ...run.spec, template: this.podTemplate({ maxReplicas: run.maxPods, restartPolicy: run.restartPolicy }) },
      });
      this.adoptPodTemplate(this.job, ['spec', 'template']);
      this.triggerAuthentications = [];
    }
    const presets = props.alerts === undefined ? false : checkAlertPresets(this.ctx, 'alerts', props.alerts);
    if (presets !== false) this.alerts = new WorkloadAlerts(this, 'alerts', { target: { kind: 'Job', name: this.name, namespace: this.namespace }, presets, labels: this.metadata.labels });
    this.finishPodTemplates();
  }
}
