import type { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { waiveImplied } from '../core/checks/waivers.js';
import type { EnvironmentProfile } from '../core/environment.js';
import type { ErrorContext } from '../core/errors.js';
import type { KubeObject } from '../core/kube-object.js';
import { checkKnownKeys, propKeys } from '../core/props.js';
import { DisruptionBudget, type DisruptionProps } from './disruption-budget.js';
import { addTriggerAuthentications, type ResolvedEventScaling } from './event-scaling.js';
import { HorizontalAutoscaler, type ScaleTarget } from './horizontal-autoscaler.js';
import type { AutoscaleProps, ReplicaRange } from './replicas.js';
import { ScaledObject } from './scaled-object.js';
import { resolveBehavior, type ScalingBehavior } from './scaling-behavior.js';
import { VerticalAutoscaler, type ReplicaScaler, type VerticalScalingProps, type VerticalTargetContainer } from './vertical-autoscaler.js';

/** What a replicated workload needs to get its autoscalers and disruption budget. */
export interface ReplicatedProps {
  /** Errors name this construct path. */
  readonly ctx: ErrorContext;
  /** The environment (whether PDBs are emitted). */
  readonly env: EnvironmentProfile;
  /** What the autoscalers scale. */
  readonly target: ScaleTarget;
  /** Metadata of the objects. */
  readonly metadata: k8s.ObjectMeta;
  /** Labels that select the pods. */
  readonly selector: Readonly<Record<string, string>>;
  /** Resolved replica bounds. */
  readonly range: ReplicaRange;
  /** Autoscaling targets, when autoscaled by an HPA. @default - none */
  readonly autoscale?: AutoscaleProps;
  /** Event-driven scaling (a KEDA ScaledObject, which owns the HPA) and the behaviour of its HPA. @default - none */
  readonly events?: { readonly scaling: ResolvedEventScaling; readonly behavior?: ScalingBehavior };
  /** Vertical scaling (a VPA) and the containers of the pods. @default - none */
  readonly vertical?: { readonly scaling: VerticalScalingProps; readonly containers: readonly VerticalTargetContainer[] };
  /** The disruption budget props. @default { maxUnavailable: 1 } */
  readonly disruption?: DisruptionProps;
}

/** The objects {@link addReplicaObjects} made. */
export interface ReplicaObjects {
  /** The HorizontalPodAutoscaler, when autoscaled by one. */
  readonly autoscaler?: KubeObject;
  /** The KEDA ScaledObject, when scaled on events. */
  readonly scaledObject?: KubeObject;
  /** TriggerAuthentications of the ScaledObject's triggers that read Secrets. */
  readonly triggerAuthentications: readonly KubeObject[];
  /** The VerticalPodAutoscaler, when vertically scaled. */
  readonly verticalAutoscaler?: KubeObject;
  /** The PodDisruptionBudget, when more than one replica can run and the environment asks for one. */
  readonly disruptionBudget?: KubeObject;
}

/**
 * Adds a KEDA ScaledObject when scaled on events, else a HorizontalPodAutoscaler when the
 * range is not fixed; a VerticalPodAutoscaler when asked for (checked against the replica
 * autoscaler); and a PodDisruptionBudget when more than one replica can run and the
 * environment asks for budgets (when it does not, `missing-pdb` is waived with that reason:
 * the environment's choice, not a finding).
 */
export function addReplicaObjects(scope: Construct, props: ReplicatedProps): ReplicaObjects {
  checkKnownKeys(props.ctx, '', props, propKeys<ReplicatedProps>()('ctx', 'env', 'target', 'metadata', 'selector', 'range', 'autoscale', 'events', 'vertical', 'disruption'));
  let autoscaler: KubeObject | undefined;
  let scaledObject: KubeObject | undefined;
  let replicaScaler: ReplicaScaler | undefined;
  let triggerAuthentications: KubeObject[] = [];
  if (props.events) {
    const behavior = props.events.behavior === undefined ? undefined : resolveBehavior(props.ctx, 'scaleOn.behavior', props.events.behavior);
    scaledObject = new ScaledObject(scope, 'scaled-object', { target: props.target, scaling: props.events.scaling, behavior, metadata: props.metadata }).object;
    triggerAuthentications = addTriggerAuthentications(scope, props.events.scaling.triggers, props.metadata);
    replicaScaler = { object: scaledObject, field: 'scaleOn' };
  } else if (props.range.min !== props.range.max) {
    autoscaler = new HorizontalAutoscaler(scope, 'autoscaler', {
      target: props.target,
      range: props.range,
      targets: props.autoscale,
      metadata: props.metadata,
      errors: { ctx: props.ctx, field: 'autoscale' },
    }).object;
    replicaScaler = { object: autoscaler, field: 'autoscale' };
  }
  const verticalAutoscaler = props.vertical
    ? new VerticalAutoscaler(scope, 'vertical-autoscaler', {
        target: props.target,
        containers: props.vertical.containers,
        scaling: props.vertical.scaling,
        replicaScaler,
        metadata: props.metadata,
        errors: { ctx: props.ctx, field: 'vpa' },
      }).object
    : undefined;
  const disruptionBudget =
    props.env.podDisruptionBudgets && props.range.max > 1
      ? new DisruptionBudget(scope, 'disruption-budget', {
          selector: props.selector,
          // Scaled to zero there is nothing to disrupt; the budget must hold from one replica up.
          minReplicas: Math.max(1, props.range.min),
          budget: props.disruption,
          metadata: props.metadata,
          errors: { ctx: props.ctx, field: 'disruption', minReplicasFrom: props.events ? 'scaleOn.min' : props.autoscale ? 'autoscale.min' : 'replicas' },
        }).object
      : undefined;
  if (!props.env.podDisruptionBudgets && props.range.max > 1) waiveImplied(scope, 'missing-pdb', `the ${props.env.name} environment runs without PodDisruptionBudgets (podDisruptionBudgets: false)`);
  return { autoscaler, scaledObject, triggerAuthentications, verticalAutoscaler, disruptionBudget };
}
