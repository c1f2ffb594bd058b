import type { EnvironmentProfile } from '../core/environment.js';
import { ErrorContext } from '../core/errors.js';
import { checkReplicas } from '../core/pod.js';
import { checkKnownKeys } from '../core/props.js';
import { resolveMetrics, type MetricTarget } from './hpa-metrics.js';
import { resolveBehavior, type ScalingBehavior } from './scaling-behavior.js';

/** Horizontal autoscaling bounds and targets. */
export interface AutoscaleProps {
  /** Fewest replicas. */
  readonly min: number;
  /** Most replicas. */
  readonly max: number;
  /** Target average CPU utilization, percent of the request. @default 80 when no other target is given */
  readonly cpu?: number;
  /** Target average memory utilization, percent of the request. @default - no memory target */
  readonly memory?: number;
  /** Custom (per-pod) and external metrics to scale on, beside or instead of cpu and memory. @default - none */
  readonly metrics?: readonly MetricTarget[];
  /** How fast replicas are added and removed: a preset or custom rules. @default - Kubernetes' default behaviour */
  readonly behavior?: ScalingBehavior;
}

/** The fewest and most replicas a workload runs, after the environment's autoscaling policy. */
export interface ReplicaRange {
  /** Fewest replicas (the fixed count when not autoscaled). */
  readonly min: number;
  /** Most replicas (equal to min when not autoscaled). */
  readonly max: number;
}

/**
 * Resolves `replicas` / `autoscale` props against the environment: a fixed count, the
 * environment's default, or autoscaling bounds raised to its floor and capped at its cap
 * (fixed at its `replicas` where the environment turns autoscaling off).
 */
export function resolveReplicaRange(ctx: ErrorContext, env: EnvironmentProfile, replicas: number | undefined, autoscale: AutoscaleProps | undefined): ReplicaRange {
  if (autoscale !== undefined && replicas !== undefined) {
    throw ctx.error('replicas', replicas, 'cannot be set together with autoscale', 'The autoscaler owns the replica count; remove replicas or autoscale');
  }
  if (replicas !== undefined) {
    const n = checkReplicas(ctx, 'replicas', replicas);
    return { min: n, max: n };
  }
  if (!autoscale) return { min: env.replicas, max: env.replicas };
  ctx.check(typeof autoscale === 'object' && autoscale !== null, 'autoscale', autoscale, 'must be { min, max, cpu?, memory?, metrics?, behavior? }');
  checkKnownKeys(ctx, 'autoscale', autoscale, ['min', 'max', 'cpu', 'memory', 'metrics', 'behavior']);
  const min = checkReplicas(ctx, 'autoscale.min', autoscale.min);
  const max = checkReplicas(ctx, 'autoscale.max', autoscale.max);
  ctx.check(min <= max, 'autoscale.min', min, `is greater than autoscale.max (${max})`, 'Set min <= max');
  ctx.check(min < max, 'autoscale.max', max, `equals autoscale.min (${min}), so nothing would scale`, 'Use replicas for a fixed count');
  for (const metric of ['cpu', 'memory'] as const) {
    const v = autoscale[metric];
    if (v !== undefined) ctx.check(Number.isInteger(v) && v >= 1 && v <= 100, `autoscale.${metric}`, v, 'must be a whole percentage from 1 to 100');
  }
  // Checked in every environment, also where no HPA is emitted.
  if (autoscale.metrics !== undefined) resolveMetrics(ctx, 'autoscale.metrics', autoscale.metrics);
  if (autoscale.behavior !== undefined) resolveBehavior(ctx, 'autoscale.behavior', autoscale.behavior);
  if (!env.autoscaling.enabled) return { min: env.replicas, max: env.replicas };
  const floor = env.autoscaling.minReplicasFloor ?? 1;
  const cap = env.autoscaling.maxReplicasCap ?? Number.MAX_SAFE_INTEGER;
  const lo = Math.max(min, floor);
  return { min: lo, max: Math.max(lo, Math.min(max, cap)) };
}
