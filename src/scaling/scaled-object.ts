import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { KubeObject } from '../core/kube-object.js';
import { KedaScaledObjectKind } from '../imports/keda.sh.js';
import type { ResolvedEventScaling } from './event-scaling.js';
import type { ScaleTarget } from './horizontal-autoscaler.js';

/** Props of a {@link ScaledObject}. */
export interface ScaledObjectProps {
  /** What to scale (a Deployment, StatefulSet or another kind with /scale). */
  readonly target: ScaleTarget;
  /** Checked bounds, timings and triggers (from `resolveEventScaling`). */
  readonly scaling: ResolvedEventScaling;
  /** Behaviour of the HPA KEDA makes. @default - Kubernetes' default */
  readonly behavior?: k8s.HorizontalPodAutoscalerBehaviorV2;
  /** Metadata of the ScaledObject. */
  readonly metadata: k8s.ObjectMeta;
}

/**
 * A KEDA ScaledObject (keda.sh/v1alpha1): KEDA makes and owns an HPA for the target and
 * scales it on the triggers, down to zero replicas when the minimum is 0.
 */
export class ScaledObject extends Construct {
  /** The ScaledObject. */
  public readonly object: KubeObject;

  constructor(scope: Construct, id: string, props: ScaledObjectProps) {
    super(scope, id);
    const s = props.scaling;
    this.object = KubeObject.create(this, 'resource', KedaScaledObjectKind, {
      metadata: props.metadata,
      spec: {
        scaleTargetRef: { apiVersion: props.target.apiVersion, kind: props.target.kind, name: props.target.name },
        minReplicaCount: s.range.min,
        maxReplicaCount: s.range.max,
        ...(s.pollingInterval === undefined ? {} : { pollingInterval: s.pollingInterval }),
        ...(s.cooldownPeriod === undefined ? {} : { cooldownPeriod: s.cooldownPeriod }),
        ...(props.behavior ? { advanced: { horizontalPodAutoscalerConfig: { behavior: k8s.toJson_HorizontalPodAutoscalerBehaviorV2(props.behavior) as any } } } : {}),
        triggers: s.triggers.map((t) => ({ ...t.trigger, metadata: { ...t.trigger.metadata } })),
      },
    });
  }
}
