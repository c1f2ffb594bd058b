import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { resolveMonitor, type MonitorProps } from './monitor-props.js';

/**
 * A PodMonitor of the Prometheus operator: Prometheus scrapes the pods `selector` picks on
 * the named container ports of `endpoints`. For workloads without a Service (workers), or
 * whose pods more than one Service selects (a ServiceMonitor would scrape each pod twice).
 */
export class PodMonitor extends ApiObject {
  /** The endpoints as written. */
  public readonly endpoints: readonly Record<string, string>[];

  constructor(scope: Construct, id: string, props: MonitorProps) {
    const m = resolveMonitor(scope, id, props);
    super(scope, id, {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: m.name, labels: m.labels },
      spec: { selector: { matchLabels: m.selector }, podMetricsEndpoints: m.endpoints },
    });
    this.endpoints = m.endpoints;
  }
}
