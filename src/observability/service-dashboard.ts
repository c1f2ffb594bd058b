import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { KubeObject } from '../core/kube-object.js';
import { sortLabels } from '../core/labels.js';
import { Stack } from '../core/stack.js';
import { monitoringOf } from './monitoring-settings.js';
import type { SloMetrics } from './slo.js';
import { podPattern, type AlertTarget } from './workload-alerts.js';

/** Props of a {@link ServiceDashboard}. */
export interface ServiceDashboardProps {
  /** The Deployment (or StatefulSet) whose pods serve. */
  readonly target: AlertTarget;
  /** `metadata.name` of the Service (its metrics carry `service=<this>`). */
  readonly service: string;
  /** Name of the main container, for CPU and memory. */
  readonly container: string;
  /** The request and latency metrics. @default - the client libraries' conventional names */
  readonly metric?: SloMetrics;
  /** Labels on the ConfigMap besides the environment's `monitoring.dashboardLabels` (e.g. the service's standard labels). @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/** One panel of the dashboard: a time series of one or more PromQL queries. */
export interface DashboardPanel {
  /** Title shown above the panel. */
  readonly title: string;
  /** Grafana unit of the values, e.g. `reqps`, `percentunit`, `s`, `bytes`. */
  readonly unit: string;
  /** Queries, each with its legend. */
  readonly queries: readonly { readonly expr: string; readonly legend: string }[];
}

/** The panels of a service's dashboard, in order (the queries are checked PromQL in the tests). */
export function serviceDashboardPanels(props: ServiceDashboardProps): DashboardPanel[] {
  const { target: t, service, container } = props;
  const m = props.metric ?? {};
  const requests = m.requests ?? 'http_requests_total';
  const errors = m.errors ?? 'code=~"5.."';
  const latency = m.latency ?? 'http_request_duration_seconds';
  const sel = `namespace=${JSON.stringify(t.namespace)}, service=${JSON.stringify(service)}`;
  const pods = `namespace=${JSON.stringify(t.namespace)}, pod=~${JSON.stringify(podPattern(t))}, container=${JSON.stringify(container)}`;
  const resource = (r: 'cpu' | 'memory', kind: 'requests' | 'limits') => `sum(kube_pod_container_resource_${kind}{${pods}, resource="${r}"}) / count(kube_pod_container_resource_${kind}{${pods}, resource="${r}"})`;
  return [
    { title: 'Request rate', unit: 'reqps', queries: [{ expr: `sum by (code) (rate(${requests}{${sel}}[5m]))`, legend: '{{code}}' }] },
    { title: 'Error ratio', unit: 'percentunit', queries: [{ expr: `sum(rate(${requests}{${sel}, ${errors}}[5m])) / sum(rate(${requests}{${sel}}[5m]))`, legend: 'errors' }] },
    {
      title: 'Latency',
      unit: 's',
      queries: [50, 90, 99].map((p) => ({ expr: `histogram_quantile(${p / 100}, sum by (le) (rate(${latency}_bucket{${sel}}[5m])))`, legend: `p${p}` })),
    },
    {
      title: 'CPU per pod against requests and limits',
      unit: 'short',
      queries: [
        { expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${pods}}[5m]))`, legend: '{{pod}}' },
        { expr: resource('cpu', 'requests'), legend: 'request' },
        { expr: resource('cpu', 'limits'), legend: 'limit' },
      ],
    },
    {
      title: 'Memory per pod against requests and limits',
      unit: 'bytes',
      queries: [
        { expr: `sum by (pod) (container_memory_working_set_bytes{${pods}})`, legend: '{{pod}}' },
        { expr: resource('memory', 'requests'), legend: 'request' },
        { expr: resource('memory', 'limits'), legend: 'limit' },
      ],
    },
    {
      title: 'Container restarts (1h)',
      unit: 'short',
      queries: [{ expr: `sum by (pod) (increase(kube_pod_container_status_restarts_total{namespace=${JSON.stringify(t.namespace)}, pod=~${JSON.stringify(podPattern(t))}}[1h]))`, legend: '{{pod}}' }],
    },
  ];
}

/** A Grafana dashboard model (schema version 39) of `panels`: two panels per row, a Prometheus data source variable. */
export function dashboardModel(title: string, uid: string, panels: readonly DashboardPanel[]): Record<string, unknown> {
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  return {
    uid,
    title,
    tags: ['keelson'],
    editable: false,
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    timezone: 'browser',
    templating: { list: [{ name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0 }] },
    panels: panels.map((p, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: p.title,
      datasource,
      gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
      targets: p.queries.map((q, j) => ({ refId: String.fromCharCode(65 + j), datasource, expr: q.expr, legendFormat: q.legend })),
    })),
  };
}

/**
 * A Grafana dashboard of one service: request rate by status code, error ratio, latency
 * percentiles (p50, p90, p99), CPU and memory per pod against requests and limits, and
 * container restarts. Shipped as a ConfigMap `<name>-dashboard` with the environment's
 * `monitoring.dashboardLabels`, which Grafana's dashboard sidecar loads.
 */
export class ServiceDashboard extends Construct {
  /** The ConfigMap. */
  public readonly configMap: KubeObject;
  /** The dashboard model. */
  public readonly model: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);
    const t = props.target;
    const monitoring = monitoringOf(Stack.of(this).env);
    // Grafana uids are at most 40 characters: a readable prefix and a hash of namespace and name.
    const hash = createHash('sha256').update(`${t.namespace}/${t.name}`).digest('hex').slice(0, 8);
    const uid = `${t.namespace}-${t.name}`.slice(0, 31).replace(/-+$/, '') + `-${hash}`;
    this.model = dashboardModel(`${t.namespace} / ${t.name}`, uid, serviceDashboardPanels(props));
    this.configMap = KubeObject.create(this, 'config-map', k8s.KubeConfigMap, {
      metadata: { name: `${t.name}-dashboard`, labels: sortLabels({ 'app.kubernetes.io/managed-by': 'keelson', ...props.labels, ...monitoring.dashboardLabels }) },
      data: { [`${t.namespace}-${t.name}.json`]: `${JSON.stringify(this.model, null, 2)}\n` },
    });
  }
}
