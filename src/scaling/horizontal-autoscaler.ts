import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { KubeObject } from '../core/kube-object.js';
import type { AutoscaleProps, ReplicaRange } from './replicas.js';

/** The object an autoscaler scales: any kind with a `/scale` subresource. */
export interface ScaleTarget {
  /** apiVersion of the target, e.g. `apps/v1`. */
  readonly apiVersion: string;
  /** Kind of the target, e.g. `Deployment`, `StatefulSet`, or a custom resource with /scale. */
  readonly kind: string;
  /** `metadata.name` of the target. */
  readonly name: string;
}

/** Props of a {@link HorizontalAutoscaler}. */
export interface HorizontalAutoscalerProps {
  /** What to scale. */
  readonly target: ScaleTarget;
  /** Replica bounds (already resolved against the environment, e.g. by `resolveReplicaRange`). */
  readonly range: ReplicaRange;
  /** Utilization targets. @default - 80 % CPU */
  readonly targets?: Pick<AutoscaleProps, 'cpu' | 'memory'>;
  /** Metadata of the HorizontalPodAutoscaler. */
  readonly metadata: k8s.ObjectMeta;
}

/** A HorizontalPodAutoscaler (autoscaling/v2) for any scalable workload. */
export class HorizontalAutoscaler extends Construct {
  /** The HorizontalPodAutoscaler. */
  public readonly object: KubeObject;

  constructor(scope: Construct, id: string, props: HorizontalAutoscalerProps) {
    super(scope, id);
    const metrics: k8s.MetricSpecV2[] = [];
    const cpu = props.targets?.cpu ?? (props.targets?.memory === undefined ? 80 : undefined);
    if (cpu !== undefined) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } } });
    if (props.targets?.memory !== undefined) metrics.push({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: props.targets.memory } } });
    this.object = KubeObject.create(this, 'resource', k8s.KubeHorizontalPodAutoscalerV2, {
      metadata: props.metadata,
      spec: {
        scaleTargetRef: { apiVersion: props.target.apiVersion, kind: props.target.kind, name: props.target.name },
        minReplicas: props.range.min,
        maxReplicas: props.range.max,
        metrics,
      },
    });
  }
}
