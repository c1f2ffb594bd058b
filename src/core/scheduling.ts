import type { k8s } from 'cdk8s-plus-28';
import { parseDuration, type Duration } from './duration.js';
import { ErrorContext } from './errors.js';
import { isDnsLabel, isDnsSubdomain, isLabelValue } from './names.js';
import type { PodScheduling } from './pod.js';
import { checkKnownKeys, propKeys } from './props.js';

/** A taint the pods tolerate. */
export interface TolerationProps {
  /** Taint key, e.g. `nvidia.com/gpu`; leave out with operator `Exists` to tolerate every taint. @default - every key (only with Exists) */
  readonly key?: string;
  /** `Equal` matches the value, `Exists` any value. @default 'Equal' when a value is given, else 'Exists' */
  readonly operator?: 'Equal' | 'Exists';
  /** Taint value, for `Equal`. @default - none */
  readonly value?: string;
  /** Taint effect to tolerate. @default - every effect */
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  /** For `NoExecute`: how long the pod stays on a node after the taint appears. @default - forever */
  readonly tolerationSeconds?: Duration;
}

/** Where and how the pods are scheduled. */
export interface SchedulingProps {
  /** Node labels the pods require, e.g. `{ 'kubernetes.io/arch': 'arm64' }`. @default - any node */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Taints the pods tolerate. @default - none */
  readonly tolerations?: readonly TolerationProps[];
  /** Node and pod affinity as Kubernetes writes it; a spread workload's host anti-affinity is added to it. @default - none */
  readonly affinity?: k8s.Affinity;
  /** Spread replicas over zones and nodes. @default - the environment's `topologySpread`, when more than one replica can run */
  readonly spread?: boolean;
  /** PriorityClass of the pods. @default - the cluster's default priority */
  readonly priorityClassName?: string;
  /** RuntimeClass of the pods, e.g. `nvidia` or `gvisor`. @default - the cluster's default runtime */
  readonly runtimeClassName?: string;
  /** Time the pods get to stop after SIGTERM. @default - 30s plus the environment's preStop drain */
  readonly terminationGracePeriod?: Duration;
  /** Hostname of the pods. @default - the pod name */
  readonly hostname?: string;
  /** Subdomain: with a headless Service of that name, pods get `<hostname>.<subdomain>` DNS names. @default - none */
  readonly subdomain?: string;
}

/** The keys of {@link SchedulingProps}. */
export const SCHEDULING_KEYS = propKeys<SchedulingProps>()('nodeSelector', 'tolerations', 'affinity', 'spread', 'priorityClassName', 'runtimeClassName', 'terminationGracePeriod', 'hostname', 'subdomain');

const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** True when `key` is a valid label key (optional DNS prefix, name of at most 63 characters). */
export function isLabelKey(key: string): boolean {
  if (!QUALIFIED_NAME.test(key)) return false;
  const slash = key.indexOf('/');
  return (slash < 0 ? key : key.slice(slash + 1)).length <= 63 && (slash < 0 || slash <= 253);
}

/** Checks a map of labels (keys and values as the API server accepts them). */
export function checkLabels(ctx: ErrorContext, field: string, labels: unknown): Record<string, string> {
  ctx.check(labels !== null && typeof labels === 'object' && !Array.isArray(labels), field, labels, 'must be a map of label keys to values');
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    ctx.check(isLabelKey(k), field, k, 'is not a valid label key ([prefix/]name, name at most 63 characters)');
    ctx.check(typeof v === 'string' && isLabelValue(v), `${field}.${k}`, v, 'is not a valid label value (at most 63 letters, digits, "-", "_", ".", starting and ending alphanumeric)');
  }
  return { ...(labels as Record<string, string>) };
}

/** Checks a map of annotations (qualified keys, string values, 256 KiB in all). */
export function checkAnnotations(ctx: ErrorContext, field: string, annotations: unknown): Record<string, string> {
  ctx.check(annotations !== null && typeof annotations === 'object' && !Array.isArray(annotations), field, annotations, 'must be a map of annotation keys to values');
  let size = 0;
  for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
    ctx.check(isLabelKey(k), field, k, 'is not a valid annotation key ([prefix/]name, name at most 63 characters)');
    ctx.check(typeof v === 'string', `${field}.${k}`, v, 'must be a string');
    size += k.length + (v as string).length;
  }
  ctx.check(size <= 256 * 1024, field, `${size} bytes`, 'exceeds the 256 KiB the API server allows for annotations');
  return { ...(annotations as Record<string, string>) };
}

/** Checks scheduling props; returns the pod spec fields and the grace period and spread choices. */
export function resolveScheduling(ctx: ErrorContext, props: SchedulingProps): { scheduling: PodScheduling; terminationGracePeriodSeconds?: number; spread?: boolean } {
  const nodeSelector = props.nodeSelector === undefined ? undefined : checkLabels(ctx, 'nodeSelector', props.nodeSelector);
  let tolerations: k8s.Toleration[] | undefined;
  if (props.tolerations !== undefined) {
    ctx.check(Array.isArray(props.tolerations), 'tolerations', props.tolerations, 'must be a list of { key, operator?, value?, effect? }');
    tolerations = props.tolerations.map((t, i) => {
      const f = `tolerations[${i}]`;
      ctx.check(t !== null && typeof t === 'object', f, t, 'must be { key, operator?, value?, effect? }');
      checkKnownKeys(ctx, f, t, propKeys<TolerationProps>()('key', 'operator', 'value', 'effect', 'tolerationSeconds'));
      const operator = t.operator ?? (t.value === undefined ? 'Exists' : 'Equal');
      ctx.check(operator === 'Equal' || operator === 'Exists', `${f}.operator`, t.operator, 'must be "Equal" or "Exists"');
      if (t.key !== undefined) ctx.check(typeof t.key === 'string' && isLabelKey(t.key), `${f}.key`, t.key, 'is not a valid taint key');
      else ctx.check(operator === 'Exists', `${f}.key`, t.key, 'is required with operator "Equal"', 'Name the taint key, or use operator "Exists" to tolerate every taint');
      if (operator === 'Exists') ctx.check(t.value === undefined, `${f}.value`, t.value, 'must be left out with operator "Exists"');
      else ctx.check(typeof t.value === 'string' && isLabelValue(t.value), `${f}.value`, t.value, 'is not a valid taint value');
      if (t.effect !== undefined) ctx.check(['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect), `${f}.effect`, t.effect, 'must be "NoSchedule", "PreferNoSchedule" or "NoExecute"');
      let seconds: number | undefined;
      if (t.tolerationSeconds !== undefined) {
        ctx.check(t.effect === 'NoExecute', `${f}.tolerationSeconds`, t.tolerationSeconds, 'applies only to effect "NoExecute"');
        seconds = parseDuration(ctx, `${f}.tolerationSeconds`, t.tolerationSeconds, 0);
      }
      return { ...(t.key !== undefined ? { key: t.key } : {}), operator, ...(t.value !== undefined ? { value: t.value } : {}), ...(t.effect ? { effect: t.effect } : {}), ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}) };
    });
  }
  if (props.affinity !== undefined) ctx.check(props.affinity !== null && typeof props.affinity === 'object', 'affinity', props.affinity, 'must be an object (nodeAffinity, podAffinity, podAntiAffinity)');
  if (props.affinity !== undefined) checkKnownKeys(ctx, 'affinity', props.affinity, propKeys<k8s.Affinity>()('nodeAffinity', 'podAffinity', 'podAntiAffinity'));
  if (props.spread !== undefined) ctx.check(typeof props.spread === 'boolean', 'spread', props.spread, 'must be true or false');
  if (typeof props.priorityClassName === 'string' && props.priorityClassName.startsWith('system-')) {
    throw ctx.error('priorityClassName', props.priorityClassName, 'is reserved for pods in kube-system (the Priority admission plugin rejects it elsewhere)', 'Create a PriorityClass of your own, e.g. "high-priority"');
  }
  for (const key of ['priorityClassName', 'runtimeClassName'] as const) {
    const v = props[key];
    if (v !== undefined) ctx.check(typeof v === 'string' && isDnsSubdomain(v), key, v, 'is not a valid object name (DNS-1123 subdomain)');
  }
  for (const key of ['hostname', 'subdomain'] as const) {
    const v = props[key];
    if (v !== undefined) ctx.check(typeof v === 'string' && isDnsLabel(v), key, v, 'is not a valid DNS-1123 label');
  }
  const grace = props.terminationGracePeriod === undefined ? undefined : parseDuration(ctx, 'terminationGracePeriod', props.terminationGracePeriod, 0);
  return {
    scheduling: {
      ...(nodeSelector ? { nodeSelector } : {}),
      ...(tolerations ? { tolerations } : {}),
      ...(props.affinity ? { affinity: props.affinity } : {}),
      ...(props.priorityClassName ? { priorityClassName: props.priorityClassName } : {}),
      ...(props.runtimeClassName ? { runtimeClassName: props.runtimeClassName } : {}),
      ...(props.hostname ? { hostname: props.hostname } : {}),
      ...(props.subdomain ? { subdomain: props.subdomain } : {}),
    },
    terminationGracePeriodSeconds: grace,
    spread: props.spread,
  };
}
