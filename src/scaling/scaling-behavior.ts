import { k8s } from 'cdk8s-plus-28';
import { parseDuration, type Duration } from '../core/duration.js';
import type { ErrorContext } from '../core/errors.js';
import { checkKnownKeys, checkObject } from '../core/props.js';

/** One limit on how fast replicas change: at most `value` pods (or percent of the current count) per `period`. */
export interface ScalingPolicy {
  /** `Pods`: a number of pods; `Percent`: a percentage of the current replicas. */
  readonly type: 'Pods' | 'Percent';
  /** How many pods, or what percentage, may be added or removed per period. */
  readonly value: number;
  /** The window the limit holds for (1 second to 30 minutes). */
  readonly period: Duration;
}

/** How one direction of scaling (up or down) behaves. */
export interface ScalingRules {
  /** The autoscaler acts on the highest (scaling down) or lowest (scaling up) recommendation of this window. @default - 0 up, 5m down */
  readonly stabilizationWindow?: Duration;
  /** Limits on the rate of change. @default - Kubernetes' own (up: 100 % or 4 pods per 15 s; down: 100 % per 15 s) */
  readonly policies?: readonly ScalingPolicy[];
  /** Which policy wins when several allow different changes; `Disabled` turns this direction off. @default 'Max' */
  readonly select?: 'Max' | 'Min' | 'Disabled';
}

/** Custom scale-up and scale-down rules. */
export interface CustomScalingBehavior {
  /** Scaling up. @default - Kubernetes' default */
  readonly scaleUp?: ScalingRules;
  /** Scaling down. @default - Kubernetes' default */
  readonly scaleDown?: ScalingRules;
}

/**
 * How fast an autoscaler adds and removes replicas. Presets:
 * - `fast-up-slow-down`: double (or add 4 pods) every 15 s with no stabilization; remove at
 *   most 10 % a minute after 10 minutes of lower load. For request-driven services.
 * - `steady`: add 2 pods a minute after a minute of higher load; remove 1 pod every 5 minutes
 *   after 15 minutes of lower load. For workloads whose pods are expensive to start.
 */
export type ScalingBehavior = 'fast-up-slow-down' | 'steady' | CustomScalingBehavior;

/** The preset behaviours, as the HPA fields they set. */
export const BEHAVIOR_PRESETS: Readonly<Record<'fast-up-slow-down' | 'steady', k8s.HorizontalPodAutoscalerBehaviorV2>> = {
  'fast-up-slow-down': {
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }] },
    scaleDown: { stabilizationWindowSeconds: 600, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] },
  },
  steady: {
    scaleUp: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] },
    scaleDown: { stabilizationWindowSeconds: 900, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }] },
  },
};

function resolveRules(ctx: ErrorContext, field: string, rules: ScalingRules): k8s.HpaScalingRulesV2 {
  checkObject(ctx, field, rules, false);
  checkKnownKeys(ctx, field, rules, ['stabilizationWindow', 'policies', 'select']);
  const window = rules.stabilizationWindow === undefined ? undefined : parseDuration(ctx, `${field}.stabilizationWindow`, rules.stabilizationWindow);
  if (window !== undefined) ctx.check(window <= 3600, `${field}.stabilizationWindow`, rules.stabilizationWindow, 'must be at most 1h');
  const select = rules.select;
  if (select !== undefined) ctx.check(['Max', 'Min', 'Disabled'].includes(select), `${field}.select`, select, 'must be "Max", "Min" or "Disabled"');
  let policies: k8s.HpaScalingPolicyV2[] | undefined;
  if (rules.policies !== undefined) {
    ctx.check(Array.isArray(rules.policies) && rules.policies.length > 0, `${field}.policies`, rules.policies, 'must be a non-empty list of { type, value, period }');
    policies = rules.policies.map((p, i) => {
      const f = `${field}.policies[${i}]`;
      checkObject(ctx, f, p, false);
      checkKnownKeys(ctx, f, p, ['type', 'value', 'period']);
      ctx.check(p.type === 'Pods' || p.type === 'Percent', `${f}.type`, p.type, 'must be "Pods" or "Percent"');
      ctx.check(Number.isInteger(p.value) && p.value >= 1, `${f}.value`, p.value, 'must be a whole number >= 1');
      const period = parseDuration(ctx, `${f}.period`, p.period, 1);
      ctx.check(period <= 1800, `${f}.period`, p.period, 'must be at most 30m');
      return { type: p.type, value: p.value, periodSeconds: period };
    });
  }
  return { ...(window === undefined ? {} : { stabilizationWindowSeconds: window }), ...(select ? { selectPolicy: select } : {}), ...(policies ? { policies } : {}) };
}

/** Checks a {@link ScalingBehavior} and returns the HPA `behavior` it sets. */
export function resolveBehavior(ctx: ErrorContext, field: string, behavior: ScalingBehavior): k8s.HorizontalPodAutoscalerBehaviorV2 {
  if (typeof behavior === 'string') {
    const preset = BEHAVIOR_PRESETS[behavior as keyof typeof BEHAVIOR_PRESETS];
    if (!preset) throw ctx.error(field, behavior, 'is not a scaling behaviour preset', `Use ${Object.keys(BEHAVIOR_PRESETS).map((k) => `"${k}"`).join(' or ')}, or { scaleUp, scaleDown }`);
    return preset;
  }
  checkObject(ctx, field, behavior, false);
  checkKnownKeys(ctx, field, behavior, ['scaleUp', 'scaleDown']);
  return {
    ...(behavior.scaleUp === undefined ? {} : { scaleUp: resolveRules(ctx, `${field}.scaleUp`, behavior.scaleUp) }),
    ...(behavior.scaleDown === undefined ? {} : { scaleDown: resolveRules(ctx, `${field}.scaleDown`, behavior.scaleDown) }),
  };
}
