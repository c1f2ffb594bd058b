import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ErrorContext } from '../core/errors.js';
import { KubeObject } from '../core/kube-object.js';
import { checkKnownKeys, checkObject, propKeys } from '../core/props.js';
import { compactNode } from '../core/compact-node.js';

/** How many pods a voluntary disruption (node drain) may take down at once. */
export interface DisruptionProps {
  /** Pods that may be unavailable at once (number or percentage). @default 1 */
  readonly maxUnavailable?: number | string;
  /** Pods that must stay available (instead of maxUnavailable). @default - not set */
  readonly minAvailable?: number | string;
}

/** Props of a {@link DisruptionBudget}. */
export interface DisruptionBudgetProps {
  /** Labels that select the pods. */
  readonly selector: Readonly<Record<string, string>>;
  /** The fewest replicas the pods run with (a budget that blocks every eviction at that count is an error). */
  readonly minReplicas: number;
  /** The budget. @default { maxUnavailable: 1 } */
  readonly budget?: DisruptionProps;
  /** Metadata of the PodDisruptionBudget. */
  readonly metadata: k8s.ObjectMeta;
  /**
   * Errors name this path and field prefix, and the setting `minReplicas` comes from (e.g. `autoscale.min`).
   * @default - the construct's path, `disruption`, no setting
   */
  readonly errors?: { readonly ctx: ErrorContext; readonly field: string; readonly minReplicasFrom?: string };
}

const PERCENT = /^(\d{1,3})%$/;

/**
 * A PodDisruptionBudget (policy/v1) for any set of pods. Refuses a budget that would block
 * every voluntary eviction (node drains would hang), and lets drains evict pods that are not
 * ready (`unhealthyPodEvictionPolicy: AlwaysAllow`), so a crash-looping pod never blocks one.
 */
export class DisruptionBudget extends Construct {
  /** The PodDisruptionBudget. */
  public readonly object: KubeObject;

  constructor(scope: Construct, id: string, props: DisruptionBudgetProps) {
    super(scope, id);
    compactNode(this);
    const ctx = props?.errors?.ctx ?? new ErrorContext(this.node.path);
    checkObject(ctx, 'props', props, false);
    checkKnownKeys(ctx, '', props, propKeys<DisruptionBudgetProps>()('selector', 'minReplicas', 'budget', 'metadata', 'errors'));
    const field = props.errors?.field ?? 'disruption';
    const d = props.budget;
    if (d !== undefined) {
      ctx.check(d !== null && typeof d === 'object', field, d, 'must be { maxUnavailable } or { minAvailable }');
      checkKnownKeys(ctx, field, d, propKeys<DisruptionProps>()('maxUnavailable', 'minAvailable'));
    }
    if (d?.minAvailable !== undefined && d.maxUnavailable !== undefined) {
      throw ctx.error(`${field}.minAvailable`, d.minAvailable, `is set together with ${field}.maxUnavailable (${JSON.stringify(d.maxUnavailable)})`, 'A PodDisruptionBudget takes one of them; keep one');
    }
    const min = props.minReplicas;
    const budget = (f: string, v: number | string, blocks: (n: number, percent: boolean) => boolean): k8s.IntOrString => {
      const match = typeof v === 'string' ? PERCENT.exec(v) : null;
      if (typeof v === 'number') ctx.check(Number.isInteger(v) && v >= 0, f, v, 'must be a whole number >= 0 or a percentage like "25%"');
      else ctx.check(match !== null && Number(match[1]) <= 100, f, v, 'must be a whole number >= 0 or a percentage like "25%"');
      const n = typeof v === 'number' ? v : Number(match![1]);
      if (blocks(n, typeof v === 'string')) {
        const from = props.errors?.minReplicasFrom ? ` (${props.errors.minReplicasFrom})` : '';
        throw ctx.error(f, v, `blocks every voluntary eviction with ${min} replica${min === 1 ? '' : 's'}${from}`, 'Node drains would hang; allow at least one pod to be evicted (e.g. maxUnavailable: 1)');
      }
      return typeof v === 'number' ? k8s.IntOrString.fromNumber(v) : k8s.IntOrString.fromString(v);
    };
    const selector = { matchLabels: props.selector };
    const spec: k8s.PodDisruptionBudgetSpec =
      d?.minAvailable !== undefined
        ? { minAvailable: budget(`${field}.minAvailable`, d.minAvailable, (n, pct) => (pct ? Math.ceil((n / 100) * min) >= min : n >= min)), selector, unhealthyPodEvictionPolicy: 'AlwaysAllow' }
        : { maxUnavailable: budget(`${field}.maxUnavailable`, d?.maxUnavailable ?? 1, (n) => n < 1), selector, unhealthyPodEvictionPolicy: 'AlwaysAllow' };
    this.object = KubeObject.create(this, 'resource', k8s.KubePodDisruptionBudget, { metadata: props.metadata, spec });
  }
}
