import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ErrorContext } from '../core/errors.js';
import { KubeObject } from '../core/kube-object.js';
import { checkKnownKeys, checkObject, propKeys } from '../core/props.js';
import { resolveMetrics } from './hpa-metrics.js';
import type { AutoscaleProps, ReplicaRange } from './replicas.js';
import { resolveBehavior } from './scaling-behavior.js';
import { compactNode } from '../core/compact-node.js';

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
  /** Utilization targets, custom and external metrics, and behaviour. @default - 80 % CPU */
  readonly targets?: Pick<AutoscaleProps, 'cpu' | 'memory' | 'metrics' | 'behavior'>;
  /** Metadata of the HorizontalPodAutoscaler. */
  readonly metadata: k8s.ObjectMeta;
  /** Errors name this path and field prefix. @default - the construct's path, `autoscale` */
  readonly errors?: { readonly ctx: ErrorContext; readonly field: string };
}

/** A HorizontalPodAutoscaler (autoscaling/v2) for any scalable workload: cpu and memory utilization, custom and external metrics, scaling behaviour. */
export class HorizontalAutoscaler extends Construct {
  /** The HorizontalPodAutoscaler. */
  public readonly object: KubeObject;

  constructor(scope: Construct, id: string, props: HorizontalAutoscalerProps) {
    super(scope, id);
    compactNode(this);
    const ctx = props?.errors?.ctx ?? new ErrorContext(this.node.path);
    // Workloads pass props they built from checked `autoscale` props; direct callers' props are checked here.
    if (!props?.errors) checkProps(ctx, props);
    const field = props.errors?.field ?? 'autoscale';
    const t = props.targets;
    const metrics: k8s.MetricSpecV2[] = [];
    const cpu = t?.cpu ?? (t?.memory === undefined && !t?.metrics?.length ? 80 : undefined);
    if (cpu !== undefined) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } } });
    if (t?.memory !== undefined) metrics.push({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: t.memory } } });
    if (t?.metrics !== undefined) metrics.push(...resolveMetrics(ctx, `${field}.metrics`, t.metrics));
    const behavior = t?.behavior === undefined ? undefined : resolveBehavior(ctx, `${field}.behavior`, t.behavior);
    this.object = KubeObject.create(this, 'resource', k8s.KubeHorizontalPodAutoscalerV2, {
      metadata: props.metadata,
      spec: {
        scaleTargetRef: { apiVersion: props.target.apiVersion, kind: props.target.kind, name: props.target.name },
        minReplicas: props.range.min,
        maxReplicas: props.range.max,
        metrics,
        ...(behavior ? { behavior } : {}),
      },
    });
  }
}

const TARGET_KEYS = propKeys<NonNullable<HorizontalAutoscalerProps['targets']>>()('cpu', 'memory', 'metrics', 'behavior');

/** Closed props, a range an HPA can scale in, and utilization targets as percentages. */
function checkProps(ctx: ErrorContext, props: HorizontalAutoscalerProps): void {
  checkObject(ctx, 'props', props, false);
  checkKnownKeys(ctx, '', props, propKeys<HorizontalAutoscalerProps>()('target', 'range', 'targets', 'metadata', 'errors'));
  checkObject(ctx, 'target', props.target, false);
  checkKnownKeys(ctx, 'target', props.target, propKeys<ScaleTarget>()('apiVersion', 'kind', 'name'));
  checkObject(ctx, 'range', props.range, false);
  checkKnownKeys(ctx, 'range', props.range, propKeys<ReplicaRange>()('min', 'max'));
  const { min, max } = props.range;
  ctx.check(Number.isInteger(min) && min >= 1, 'range.min', min, 'must be a whole number from 1');
  ctx.check(Number.isInteger(max) && max > min, 'range.max', max, `must be a whole number greater than range.min (${min})`, 'An autoscaler with min = max scales nothing');
  if (props.targets === undefined) return;
  checkObject(ctx, 'targets', props.targets);
  checkKnownKeys(ctx, 'targets', props.targets, TARGET_KEYS);
  for (const metric of ['cpu', 'memory'] as const) {
    const v = props.targets[metric];
    if (v !== undefined) ctx.check(Number.isInteger(v) && v >= 1 && v <= 100, `targets.${metric}`, v, 'must be a whole percentage from 1 to 100');
  }
}
