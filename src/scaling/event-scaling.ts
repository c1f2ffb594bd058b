import type { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { parseDuration, type Duration } from '../core/duration.js';
import type { EnvironmentProfile } from '../core/environment.js';
import type { ErrorContext } from '../core/errors.js';
import type { KubeObject } from '../core/kube-object.js';
import { checkReplicas } from '../core/pod.js';
import { checkKnownKeys, checkObject } from '../core/props.js';
import { resolveTriggers, type ResolvedTrigger, type ScaleTrigger } from './keda-triggers.js';
import type { ReplicaRange } from './replicas.js';
import type { ScalingBehavior } from './scaling-behavior.js';
import { TriggerAuthentication } from './trigger-authentication.js';

/** Event-driven scaling with KEDA: replicas follow a queue, a lag, a query or a schedule. */
export interface EventScalingProps {
  /** What to scale on; KEDA runs as many replicas as the busiest trigger asks for. */
  readonly triggers: readonly ScaleTrigger[];
  /** Fewest replicas; 0 scales to zero while there is no work, where the environment allows it (`autoscaling.scaleToZero`; elsewhere at least 1). @default 0 */
  readonly min?: number;
  /** Most replicas (capped at the environment's `autoscaling.maxReplicasCap`). */
  readonly max: number;
  /** How often KEDA checks the triggers. @default '30s' */
  readonly pollingInterval?: Duration;
  /** How long after the last activity KEDA scales to zero (ScaledObject only). @default '5m' */
  readonly cooldownPeriod?: Duration;
  /** How fast the HPA KEDA makes adds and removes replicas (ScaledObject only). @default - Kubernetes' default behaviour */
  readonly behavior?: ScalingBehavior;
}

/** The keys of {@link EventScalingProps} a ScaledObject reads; a ScaledJob reads {@link JOB_EVENT_KEYS}. */
export const EVENT_KEYS = ['triggers', 'min', 'max', 'pollingInterval', 'cooldownPeriod', 'behavior'];
/** The keys of {@link EventScalingProps} a ScaledJob reads. */
export const JOB_EVENT_KEYS = ['triggers', 'min', 'max', 'pollingInterval'];

/** Checked event scaling: replica bounds after the environment, polling and cooldown in seconds, triggers. */
export interface ResolvedEventScaling {
  /** Replica (or, for a ScaledJob, parallel Job) bounds; min may be 0. */
  readonly range: ReplicaRange;
  /** Seconds between checks. */
  readonly pollingInterval?: number;
  /** Seconds before scaling to zero. */
  readonly cooldownPeriod?: number;
  /** The triggers and their credentials. */
  readonly triggers: readonly ResolvedTrigger[];
}

/**
 * Checks `scaleOn` props and resolves the bounds against the environment: a minimum of 0
 * only where it allows scaling to zero (else at least 1 and its floor), the maximum capped.
 */
export function resolveEventScaling(ctx: ErrorContext, field: string, env: EnvironmentProfile, props: EventScalingProps, keys: readonly string[], authName: (trigger: string) => string): ResolvedEventScaling {
  checkObject(ctx, field, props, false);
  checkKnownKeys(ctx, field, props, keys);
  const min = checkReplicas(ctx, `${field}.min`, props.min ?? 0, 0);
  const max = checkReplicas(ctx, `${field}.max`, props.max);
  ctx.check(min <= max, `${field}.min`, min, `is greater than ${field}.max (${max})`, 'Set min <= max');
  const toZero = min === 0 && env.autoscaling.scaleToZero === true;
  const lo = toZero ? 0 : Math.max(min, 1, env.autoscaling.minReplicasFloor ?? 1);
  const hi = Math.max(lo, 1, Math.min(max, env.autoscaling.maxReplicasCap ?? Number.MAX_SAFE_INTEGER));
  const pollingInterval = props.pollingInterval === undefined ? undefined : parseDuration(ctx, `${field}.pollingInterval`, props.pollingInterval, 1);
  const cooldownPeriod = props.cooldownPeriod === undefined ? undefined : parseDuration(ctx, `${field}.cooldownPeriod`, props.cooldownPeriod, 0);
  const triggers = resolveTriggers(ctx, `${field}.triggers`, props.triggers, authName);
  return { range: { min: lo, max: hi }, pollingInterval, cooldownPeriod, triggers };
}

/** Adds a TriggerAuthentication for each trigger that reads Secrets (named as its `authenticationRef`). */
export function addTriggerAuthentications(scope: Construct, triggers: readonly ResolvedTrigger[], metadata: k8s.ObjectMeta): KubeObject[] {
  return triggers
    .filter((t) => t.secrets && t.trigger.authenticationRef)
    .map((t) => new TriggerAuthentication(scope, `trigger-auth-${t.trigger.name}`, { secrets: t.secrets!, metadata: { ...metadata, name: t.trigger.authenticationRef!.name } }).object);
}
