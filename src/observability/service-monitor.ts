import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { resolveMonitor, type MonitorProps } from './monitor-props.js';

/**
 * A ServiceMonitor of the Prometheus operator: Prometheus scrapes every pod behind the
 * Services that `selector` picks, on the named Service ports of `endpoints`. Made as a
 * child of a workload (as the workloads' `metrics` prop does), the workload's NetworkPolicy
 * admits the monitoring namespace on exactly those ports.
 */
export class ServiceMonitor extends ApiObject {
  /** The endpoints as written. */
  public readonly endpoints: readonly Record<string, string>[];

  constructor(scope: Construct, id: string, props: MonitorProps) {
    const m = resolveMonitor(scope, id, props);
    super(scope, id, {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: m.name, labels: m.labels },
      spec: { selector: { matchLabels: m.selector }, endpoints: m.endpoints },
    });
    this.endpoints = m.endpoints;
  }
}
