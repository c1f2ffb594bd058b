import type { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import type { EnvironmentProfile } from '../core/environment.js';
import type { ErrorContext } from '../core/errors.js';
import type { KubeObject } from '../core/kube-object.js';
import { checkKnownKeys, propKeys } from '../core/props.js';
import { DisruptionBudget, type DisruptionProps } from './disruption-budget.js';
import { HorizontalAutoscaler, type ScaleTarget } from './horizontal-autoscaler.js';
import type { AutoscaleProps, ReplicaRange } from './replicas.js';

/** What a replicated workload needs to get its autoscaler and disruption budget. */
export interface ReplicatedProps {
  /** Errors name this construct path. */
  readonly ctx: ErrorContext;
  /** The environment (whether PDBs are emitted). */
  readonly env: EnvironmentProfile;
  /** What the autoscaler scales. */
  readonly target: ScaleTarget;
  /** Metadata of the objects. */
  readonly metadata: k8s.ObjectMeta;
  /** Labels that select the pods. */
  readonly selector: Readonly<Record<string, string>>;
  /** Resolved replica bounds. */
  readonly range: ReplicaRange;
  /** Autoscaling targets, when autoscaled. */
  readonly autoscale?: AutoscaleProps;
  /** The disruption budget props. */
  readonly disruption?: DisruptionProps;
}

/**
 * Adds a HorizontalPodAutoscaler when the range is not fixed, and a PodDisruptionBudget
 * when more than one replica can run and the environment asks for budgets.
 */
export function addReplicaObjects(scope: Construct, props: ReplicatedProps): { autoscaler?: KubeObject; disruptionBudget?: KubeObject } {
  checkKnownKeys(props.ctx, '', props, propKeys<ReplicatedProps>()('ctx', 'env', 'target', 'metadata', 'selector', 'range', 'autoscale', 'disruption'));
  const autoscaled = props.range.min !== props.range.max;
  const autoscaler = autoscaled
    ? new HorizontalAutoscaler(scope, 'autoscaler', { target: props.target, range: props.range, targets: props.autoscale && { cpu: props.autoscale.cpu, memory: props.autoscale.memory }, metadata: props.metadata }).object
    : undefined;
  const disruptionBudget =
    props.env.podDisruptionBudgets && props.range.max > 1
      ? new DisruptionBudget(scope, 'disruption-budget', {
          selector: props.selector,
          minReplicas: props.range.min,
          budget: props.disruption,
          metadata: props.metadata,
          errors: { ctx: props.ctx, field: 'disruption' },
        }).object
      : undefined;
  return { autoscaler, disruptionBudget };
}
