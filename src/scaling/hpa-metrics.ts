import { k8s } from 'cdk8s-plus-28';
import { quantityAmount } from '../core/checks/autoscalers.js';
import type { ErrorContext } from '../core/errors.js';
import { checkLabels } from '../core/scheduling.js';
import { checkKnownKeys, checkObject } from '../core/props.js';

/** A metric every pod reports, averaged over the pods (served by a metrics adapter, e.g. requests per second from prometheus-adapter). */
export interface PodsMetric {
  /** Discriminator. */
  readonly type: 'pods';
  /** Metric name as the custom metrics API serves it, e.g. `http_requests_per_second`. */
  readonly name: string;
  /** Target average per pod, a number or quantity (`100`, `"500m"`). */
  readonly averageValue: number | string;
  /** Labels that narrow the metric's series. @default - every series of the metric */
  readonly selector?: Readonly<Record<string, string>>;
}

/** A metric from outside the cluster (a cloud queue's depth, a SaaS API) through the external metrics API. */
export interface ExternalMetric {
  /** Discriminator. */
  readonly type: 'external';
  /** Metric name as the external metrics API serves it. */
  readonly name: string;
  /** Target total value (set this or `averageValue`). @default - not set */
  readonly value?: number | string;
  /** Target value per pod (set this or `value`). @default - not set */
  readonly averageValue?: number | string;
  /** Labels that narrow the metric's series. @default - every series of the metric */
  readonly selector?: Readonly<Record<string, string>>;
}

/** A metric an HPA scales on beside CPU and memory utilization. */
export type MetricTarget = PodsMetric | ExternalMetric;

const METRIC_NAME = /^[A-Za-z_:][\w:./-]*$/;

function quantity(ctx: ErrorContext, field: string, value: unknown): k8s.Quantity {
  const amount = quantityAmount(value);
  ctx.check(amount !== undefined && amount > 0, field, value, 'must be a positive number or quantity', 'Use e.g. 100 or "500m"');
  return typeof value === 'number' ? k8s.Quantity.fromNumber(value) : k8s.Quantity.fromString(value as string);
}

/** Checks custom and external metrics and returns the HPA metric specs. */
export function resolveMetrics(ctx: ErrorContext, field: string, metrics: readonly MetricTarget[]): k8s.MetricSpecV2[] {
  ctx.check(Array.isArray(metrics), field, metrics, 'must be a list of { type: "pods" | "external", name, … }');
  return metrics.map((m, i) => {
    const f = `${field}[${i}]`;
    checkObject(ctx, f, m, false);
    ctx.check(m.type === 'pods' || m.type === 'external', `${f}.type`, m.type, 'must be "pods" or "external"', 'Scale on cpu and memory with autoscale.cpu / autoscale.memory');
    checkKnownKeys(ctx, f, m, m.type === 'pods' ? ['type', 'name', 'averageValue', 'selector'] : ['type', 'name', 'value', 'averageValue', 'selector']);
    ctx.check(typeof m.name === 'string' && METRIC_NAME.test(m.name), `${f}.name`, m.name, 'is not a metric name', 'Use the name the metrics adapter serves, e.g. "http_requests_per_second"');
    const selector = m.selector === undefined ? undefined : { matchLabels: checkLabels(ctx, `${f}.selector`, m.selector) };
    const metric: k8s.MetricIdentifierV2 = { name: m.name, ...(selector ? { selector } : {}) };
    if (m.type === 'pods') {
      return { type: 'Pods', pods: { metric, target: { type: 'AverageValue', averageValue: quantity(ctx, `${f}.averageValue`, m.averageValue) } } };
    }
    if ((m.value === undefined) === (m.averageValue === undefined)) {
      throw ctx.error(f, m, 'must set exactly one of value and averageValue', 'value is a total target, averageValue a target per pod');
    }
    const target: k8s.MetricTargetV2 =
      m.value !== undefined ? { type: 'Value', value: quantity(ctx, `${f}.value`, m.value) } : { type: 'AverageValue', averageValue: quantity(ctx, `${f}.averageValue`, m.averageValue) };
    return { type: 'External', external: { metric, target } };
  });
}
