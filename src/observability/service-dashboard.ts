import { createHash } from 'node:crypto';
import { LegendDisplayMode, LegendPlacement, SortOrder, TooltipDisplayMode, VizLegendOptionsBuilder, VizTooltipOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { DashboardBuilder, DatasourceVariableBuilder, RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ErrorContext } from '../core/errors.js';
import { KubeObject } from '../core/kube-object.js';
import { sortLabels } from '../core/labels.js';
import { checkKnownKeys, checkObject, propKeys } from '../core/props.js';
import { Stack } from '../core/stack.js';
import { monitoringOf } from './monitoring-settings.js';
import { checkPromql } from './promql.js';
import { checkSloMetrics, type SloMetrics } from './slo.js';
import { checkAlertTarget, podPattern, type AlertTarget } from './workload-alerts.js';

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

const SERVICE_DASHBOARD_KEYS = propKeys<ServiceDashboardProps>()('target', 'service', 'container', 'metric', 'labels');

/** One time series panel of the dashboard: one or more PromQL queries, each with its legend. */
interface PanelSpec {
  /** Title shown above the panel. */
  readonly title: string;
  /** Grafana unit of the values, e.g. `reqps`, `percentunit`, `s`, `bytes`. */
  readonly unit: string;
  /** Queries, each with its legend. */
  readonly queries: readonly { readonly expr: string; readonly legend: string }[];
}

/** The rows of a service's dashboard, in order, each with its panels. */
function serviceDashboardRows(props: ServiceDashboardProps): { readonly title: string; readonly panels: readonly PanelSpec[] }[] {
  const { target: t, service, container } = props;
  const m = props.metric ?? {};
  const requests = m.requests ?? 'http_requests_total';
  const errors = m.errors ?? 'code=~"5.."';
  const latency = m.latency ?? 'http_request_duration_seconds';
  const sel = `namespace=${JSON.stringify(t.namespace)}, service=${JSON.stringify(service)}`;
  const pods = `namespace=${JSON.stringify(t.namespace)}, pod=~${JSON.stringify(podPattern(t))}, container=${JSON.stringify(container)}`;
  const resource = (r: 'cpu' | 'memory', kind: 'requests' | 'limits') => `sum(kube_pod_container_resource_${kind}{${pods}, resource="${r}"}) / count(kube_pod_container_resource_${kind}{${pods}, resource="${r}"})`;
  const traffic: PanelSpec[] = [
    { title: 'Request rate', unit: 'reqps', queries: [{ expr: `sum by (code) (rate(${requests}{${sel}}[5m]))`, legend: '{{code}}' }] },
    { title: 'Error ratio', unit: 'percentunit', queries: [{ expr: `sum(rate(${requests}{${sel}, ${errors}}[5m])) / sum(rate(${requests}{${sel}}[5m]))`, legend: 'errors' }] },
    {
      title: 'Latency',
      unit: 's',
      queries: [50, 90, 99].map((p) => ({ expr: `histogram_quantile(${p / 100}, sum by (le) (rate(${latency}_bucket{${sel}}[5m])))`, legend: `p${p}` })),
    },
  ];
  const resources: PanelSpec[] = [
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
  return [
    { title: 'Traffic', panels: traffic },
    { title: 'Resources', panels: resources },
  ];
}

/**
 * The dashboard model of `rows`, built with Grafana's foundation SDK: each row expanded with its
 * panels after it, three panels to a line, every query on the Prometheus data source chosen by
 * the `datasource` variable. Panel ids count from 1 in order, so the output is the same every synth.
 * It is the classic dashboard JSON that Grafana's sidecar loads from files (the SDK's
 * `dashboardv2` describes Grafana 12's dashboard API resource instead).
 */
function dashboardModel(title: string, uid: string, rows: ReturnType<typeof serviceDashboardRows>): Dashboard {
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  const dashboard = new DashboardBuilder(title)
    .uid(uid)
    .tags(['keelson'])
    .readonly()
    .time({ from: 'now-6h', to: 'now' })
    .refresh('1m')
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'));
  let id = 0;
  for (const row of rows) {
    dashboard.withRow(new RowBuilder(row.title).id(++id));
    for (const p of row.panels) {
      dashboard.withPanel(
        new TimeseriesPanelBuilder()
          .id(++id)
          .title(p.title)
          .datasource(datasource)
          .unit(p.unit)
          .span(8)
          .height(8)
          .legend(new VizLegendOptionsBuilder().displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom).showLegend(true))
          .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending))
          .targets(p.queries.map((q, j) => new DataqueryBuilder().refId(String.fromCharCode(65 + j)).datasource(datasource).expr(q.expr).legendFormat(q.legend))),
      );
    }
  }
  return dashboard.build();
}

/**
 * A Grafana dashboard of one service, built with Grafana's foundation SDK: a Traffic row
 * (request rate by status code, error ratio, latency percentiles p50, p90, p99) and a Resources
 * row (CPU and memory per pod against requests and limits, container restarts). Shipped as a
 * ConfigMap `<name>-dashboard` with the environment's `monitoring.dashboardLabels`, which
 * Grafana's dashboard sidecar loads.
 */
export class ServiceDashboard extends Construct {
  /** The ConfigMap. */
  public readonly configMap: KubeObject;
  /** The dashboard model (Grafana's dashboard JSON, as the SDK types it). */
  public readonly model: Dashboard;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);
    const ctx = new ErrorContext(this.node.path);
    checkObject(ctx, 'props', props, false);
    checkKnownKeys(ctx, '', props, SERVICE_DASHBOARD_KEYS);
    const t = checkAlertTarget(ctx, 'target', props.target);
    if (props.metric !== undefined) checkSloMetrics(ctx, 'metric', props.metric);
    const monitoring = monitoringOf(Stack.of(this).env);
    // Grafana uids are at most 40 characters: a readable prefix and a hash of namespace and name.
    const hash = createHash('sha256').update(`${t.namespace}/${t.name}`).digest('hex').slice(0, 8);
    const uid = `${t.namespace}-${t.name}`.slice(0, 31).replace(/-+$/, '') + `-${hash}`;
    const rows = serviceDashboardRows(props);
    // Every query is PromQL like a rule's: a metric name or matcher from the props could break it.
    for (const p of rows.flatMap((r) => r.panels)) {
      for (const q of p.queries) {
        const problem = checkPromql(q.expr)[0];
        if (problem) throw ctx.error('metric', props.metric, `makes the ${JSON.stringify(p.title)} query ${q.expr} invalid PromQL at column ${problem.column}: ${problem.message}`, 'Name metrics in requests and latency (e.g. "http_requests_total") and give errors as label matchers (e.g. code=~"5..")');
      }
    }
    this.model = dashboardModel(`${t.namespace} / ${t.name}`, uid, rows);
    this.configMap = KubeObject.create(this, 'config-map', k8s.KubeConfigMap, {
      metadata: { name: `${t.name}-dashboard`, labels: sortLabels({ 'app.kubernetes.io/managed-by': 'keelson', ...props.labels, ...monitoring.dashboardLabels }) },
      data: { [`${t.namespace}-${t.name}.json`]: `${JSON.stringify(this.model, null, 2)}\n` },
    });
  }
}
