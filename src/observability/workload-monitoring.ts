import { ErrorContext } from '../core/errors.js';
import { checkPort, resolvePort, type PortProps } from '../core/ports.js';
import { checkKnownKeys } from '../core/props.js';
import type { Workload } from '../core/workload.js';
import { PodMonitor } from './pod-monitor.js';
import { resolveScrapeEndpoint, type ScrapeEndpointProps } from './scrape-endpoint.js';
import { ServiceMonitor } from './service-monitor.js';
import { monitoringOf } from './monitoring-settings.js';
import { checkAlertPresets, WorkloadAlerts, type AlertPresetsProps, type AlertTarget, type ExtraAlert } from './workload-alerts.js';

/** Where Prometheus scrapes a workload. */
export interface MetricsProps {
  /**
   * The port serving metrics: a container port number (a port the main container already
   * declares, or a new one named `metrics`) or the name of a port of any container.
   */
  readonly port: number | string;
  /** HTTP path of the metrics. @default '/metrics' */
  readonly path?: string;
  /** Scrape interval, e.g. `15s`. @default - the environment's `monitoring.scrapeInterval` */
  readonly interval?: string;
}

/** The `metrics` prop after the ports are known. */
export interface PreparedMetrics {
  /** The main container's ports, with the metrics port added when it is new. */
  readonly ports: readonly PortProps[] | undefined;
  /** Name of the port to scrape. */
  readonly portName: string;
}

/**
 * Checks `metrics` before the workload resolves its containers: a port number the main
 * container does not declare yet becomes a `metrics` port (served for monitoring only).
 */
export function prepareMetrics(ctx: ErrorContext, metrics: MetricsProps | undefined, ports: readonly PortProps[] | undefined): PreparedMetrics | undefined {
  if (metrics === undefined) return undefined;
  ctx.check(metrics !== null && typeof metrics === 'object' && !Array.isArray(metrics), 'metrics', metrics, 'must be { port, path?, interval? }', 'e.g. { port: 9090 }');
  checkKnownKeys(ctx, 'metrics', metrics, ['port', 'path', 'interval']);
  if (typeof metrics.port === 'string') return { ports, portName: metrics.port };
  const port = checkPort(ctx, 'metrics.port', metrics.port);
  const list = Array.isArray(ports) ? ports : [];
  const i = list.findIndex((p) => p?.containerPort === port);
  if (i >= 0) return { ports, portName: resolvePort(ctx, `ports[${i}]`, list[i]!).name };
  return { ports: [...list, { containerPort: port, metrics: true }], portName: 'metrics' };
}

/** What {@link addWorkloadMonitoring} builds for a workload. */
export interface WorkloadMonitoringOptions {
  /** `service`: a ServiceMonitor on the workload's Services; `pod`: a PodMonitor on its pods. */
  readonly through: 'service' | 'pod';
  /** The port to scrape, with path and interval. */
  readonly metrics: MetricsProps;
  /** The port's name. */
  readonly portName: string;
  /** What the alert presets watch. */
  readonly target: AlertTarget;
  /** The `alerts` prop. @default - every preset that applies */
  readonly alerts?: false | AlertPresetsProps;
  /** Alerts of the workload's own metrics (a database exporter's), by tuning key. @default - none */
  readonly extraAlerts?: Readonly<Record<string, ExtraAlert>>;
  /** Labels on the monitor and the rule (the workload's standard labels). */
  readonly labels: Readonly<Record<string, string>>;
}

/** The objects {@link addWorkloadMonitoring} made. */
export interface WorkloadMonitoring {
  /** The ServiceMonitor or PodMonitor. */
  readonly monitor: ServiceMonitor | PodMonitor;
  /** The preset (and extra) alerts, unless `alerts` is false. */
  readonly alerts?: WorkloadAlerts;
}

/**
 * Makes a workload monitored: a ServiceMonitor (or PodMonitor) as a direct child of the
 * workload, so its NetworkPolicy admits the monitoring namespace on the metrics port only,
 * and the alert presets in a PrometheusRule unless `alerts` is false.
 */
export function addWorkloadMonitoring(workload: Workload, options: WorkloadMonitoringOptions): WorkloadMonitoring {
  const ctx = new ErrorContext(workload.node.path);
  const m = options.metrics;
  if (!workload.ports.some((p) => p.name === options.portName)) {
    throw ctx.error('metrics.port', m.port, `is not a port of ${workload.node.path} (ports: ${workload.ports.map((p) => p.name).join(', ') || 'none'})`, 'Use a port number, or the name of a declared port');
  }
  const endpoint: ScrapeEndpointProps = { port: options.portName, ...(m.path !== undefined ? { path: m.path } : {}), ...(m.interval !== undefined ? { interval: m.interval } : {}) };
  // Checked here too, so that errors name the workload's `metrics` prop rather than the monitor's endpoint.
  resolveScrapeEndpoint(ctx, 'metrics', endpoint, monitoringOf(workload.stack.env).scrapeInterval);
  const monitorProps = { name: workload.name, selector: workload.selector, endpoints: [endpoint], labels: options.labels };
  const monitor = options.through === 'service' ? new ServiceMonitor(workload, 'service-monitor', monitorProps) : new PodMonitor(workload, 'pod-monitor', monitorProps);
  const presets = options.alerts === undefined ? {} : checkAlertPresets(ctx, 'alerts', options.alerts, options.extraAlerts);
  const alerts = presets === false ? undefined : new WorkloadAlerts(workload, 'alerts', { target: options.target, presets, extra: options.extraAlerts, labels: options.labels });
  return { monitor, ...(alerts ? { alerts } : {}) };
}
