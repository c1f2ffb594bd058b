import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { KubeObject } from '../core/kube-object.js';
import { PodWorkload } from '../core/pod-workload.js';
import { propKeys } from '../core/props.js';
import { JOB_RUN_KEYS, resolveJobRun, type JobRunProps } from './job-spec.js';

/** Props of a {@link Job}. */
export interface JobProps extends JobRunProps {}

/**
 * A batch Job that runs to completion once (a migration, a backfill, an import), with
 * retries, a deadline and optional Indexed completions for sharded work.
 */
export class Job extends PodWorkload {
  /** The Job. */
  public readonly job: KubeObject;

  constructor(scope: Construct, id: string, props: JobProps) {
    super(scope, id, props, { component: 'job', longRunning: false, keys: propKeys<JobProps>()(...JOB_RUN_KEYS), serviceName: false });
    const run = resolveJobRun(this.ctx, props);
    this.job = KubeObject.create(this, 'job', k8s.KubeJob, {
      metadata: this.metadata,
      spec: { ...run.spec, template: this.podTemplate({ maxReplicas: run.maxPods, restartPolicy: run.restartPolicy }) },
    });
    this.adoptPodTemplate(this.job, ['spec', 'template']);
  }
}
