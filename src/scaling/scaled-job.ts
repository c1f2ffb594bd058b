import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { KubeObject } from '../core/kube-object.js';
import { KedaScaledJobKind } from '../imports/keda.sh.js';
import type { ResolvedEventScaling } from './event-scaling.js';

/** Props of a {@link ScaledJob}. */
export interface ScaledJobProps {
  /** The spec of each Job KEDA starts (its pod template included). */
  readonly job: k8s.JobSpec;
  /** Checked bounds (parallel Jobs), polling and triggers (from `resolveEventScaling`). */
  readonly scaling: ResolvedEventScaling;
  /** Metadata of the ScaledJob. */
  readonly metadata: k8s.ObjectMeta;
}

/**
 * A KEDA ScaledJob (keda.sh/v1alpha1): instead of one long-running consumer, KEDA starts a
 * Job per batch of events (up to `max` at once), each processing work and exiting.
 */
export class ScaledJob extends Construct {
  /** The ScaledJob. */
  public readonly object: KubeObject;

  constructor(scope: Construct, id: string, props: ScaledJobProps) {
    super(scope, id);
    const s = props.scaling;
    this.object = KubeObject.create(this, 'resource', KedaScaledJobKind, {
      metadata: props.metadata,
      spec: {
        jobTargetRef: k8s.toJson_JobSpec(props.job) as any,
        minReplicaCount: s.range.min,
        maxReplicaCount: s.range.max,
        ...(s.pollingInterval === undefined ? {} : { pollingInterval: s.pollingInterval }),
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 5,
        triggers: s.triggers.map((t) => ({ ...t.trigger, metadata: { ...t.trigger.metadata } })),
      },
    });
  }
}
