import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  BURN_RATE_WINDOWS,
  burnRateThresholds,
  checkPromql,
  CronJob,
  DEFAULT_EXTENSIONS,
  Job,
  KeelsonError,
  KindRegistry,
  Postgres,
  readTree,
  Redis,
  runChecks,
  schedulePeriodSeconds,
  ServiceDashboard,
  StatefulApp,
  WebService,
  Worker,
} from '../src/index.js';
import { checkFolder } from '../src/cli/check.js';
import { findObject, findObjects, podSpecOf, synthObjects } from '../src/testing.js';
import { defineEnvironment, dev, production } from '../presets/index.js';
import { newStack } from './support/app.js';

const root = path.resolve(import.meta.dirname, '..');
const api = { image: 'ecommerce/api:v2.1.0', port: 8080, health: { live: '/health', ready: '/ready' } };

function distObjects(): { file: string; obj: any }[] {
  const out: { file: string; obj: any }[] = [];
  for (const [file, text] of readTree(path.join(root, 'dist'))!) {
    if (file.endsWith('.yaml')) for (const doc of parseAllDocuments(text)) out.push({ file, obj: doc.toJS() });
  }
  return out;
}

/** Every PromQL expression of dist/: rule exprs and dashboard queries. */
function distExpressions(): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const { file, obj } of distObjects()) {
    if (obj.kind === 'PrometheusRule') {
      obj.spec.groups.forEach((g: any) => g.rules.forEach((r: any) => out.push({ where: `${file} ${r.alert ?? r.record}`, expr: r.expr })));
    }
    if (obj.kind === 'ConfigMap' && obj.metadata.labels?.grafana_dashboard) {
      for (const json of Object.values(obj.data as Record<string, string>)) {
        for (const p of JSON.parse(json).panels) for (const t of p.targets ?? []) out.push({ where: `${file} ${p.title}`, expr: t.expr });
      }
    }
  }
  return out;
}

const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(KeelsonError);
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('dist/', () => {
  it('holds only PromQL that Prometheus\' own parser accepts', () => {
    const exprs = distExpressions();
    expect(exprs.length).toBeGreaterThan(100);
    for (const { where, expr } of exprs) {
      let error: number | undefined;
      parser.parse(expr).iterate({ enter: (n) => void (n.type.isError && (error ??= n.from)) });
      expect(error, `${where}: ${expr}`).toBeUndefined();
      expect(checkPromql(expr), `${where}: ${expr}`).toEqual([]);
    }
  });

  it('monitors the shop: api, worker and cache scraped, alerted, api with SLOs and a dashboard', () => {
    const objs = distObjects().filter((o) => o.file.startsWith('shop-production/')).map((o) => o.obj);
    const monitor = findObject(objs as any, 'ServiceMonitor', 'api');
    expect(monitor.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(monitor.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s', scheme: 'http' }]);
    const service = findObject(objs as any, 'Service', 'api');
    expect(Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => service.metadata.labels[k] === v)).toBe(true);
    expect(service.spec.ports.map((p: any) => p.name)).toContain('metrics');
    expect(findObject(objs as any, 'PodMonitor', 'orders-worker').spec.podMetricsEndpoints[0].port).toBe('metrics');
    expect(findObject(objs as any, 'ServiceMonitor', 'cache').spec.endpoints[0].port).toBe('metrics');
    const alerts = (name: string) => findObject(objs as any, 'PrometheusRule', name).spec.groups[0].rules.map((r: any) => r.alert);
    expect(alerts('api-alerts')).toEqual(['ApiPodCrashLooping', 'ApiPodNotReady', 'ApiReplicasMismatch', 'ApiRolloutStuck', 'ApiHpaMaxedOut']);
    expect(alerts('cache-alerts')).toEqual(['CachePodCrashLooping', 'CachePodNotReady', 'CacheReplicasMismatch', 'CacheRolloutStuck', 'CacheVolumeNearlyFull', 'CacheDatabaseDown', 'CacheConnectionsNearLimit', 'CacheMemoryNearLimit']);
    expect(alerts('cleanup-alerts')).toEqual(['CleanupPodCrashLooping', 'CleanupJobFailed', 'CleanupCronJobNotCompleting']);
    const slo = findObject(objs as any, 'PrometheusRule', 'api-slo');
    expect(slo.spec.groups.map((g: any) => g.name)).toEqual(['shop-production.api-availability', 'shop-production.api-latency']);
    const dashboard = findObject(objs as any, 'ConfigMap', 'api-dashboard');
    expect(dashboard.metadata.labels.grafana_dashboard).toBe('1');
    // The api's policy admits Prometheus on the metrics port only, and (production runs on Istio) on the sidecar's merged metrics port.
    const policy = findObject(objs as any, 'NetworkPolicy', 'api');
    const fromMonitoring = policy.spec.ingress.filter((r: any) => r.from.some((f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'monitoring'));
    expect(fromMonitoring.map((r: any) => r.ports)).toEqual([[{ port: 15020, protocol: 'TCP' }, { port: 'metrics', protocol: 'TCP' }]]);
  });

  it('alerts on the orders database exporter: down, connections, replication lag (it has replicas)', () => {
    const objs = distObjects().filter((o) => o.file.startsWith('orders-production/')).map((o) => o.obj);
    const rules = findObject(objs as any, 'PrometheusRule', 'orders-db-alerts').spec.groups[0].rules;
    const byName = Object.fromEntries(rules.map((r: any) => [r.alert, r]));
    expect(byName.OrdersDbDatabaseDown.expr).toBe('pg_up{namespace="orders-production", pod=~"orders-db(-replica)?-[0-9]+"} == 0');
    expect(byName.OrdersDbDatabaseDown.labels.severity).toBe('critical');
    expect(byName.OrdersDbReplicationLag.expr).toMatch(/pg_replication_lag_seconds\{.*\}\) > 30$/);
    expect(byName.OrdersDbConnectionsNearLimit.expr).toMatch(/pg_settings_max_connections.* > 0\.8$/);
    for (const r of rules) expect(Object.keys(r.annotations).sort()).toEqual(['description', 'runbook_url', 'summary']);
    // The ZooKeeper ensemble: two Services select its members, so a PodMonitor scrapes each once.
    expect(findObject(objs as any, 'PodMonitor', 'zookeeper').spec.podMetricsEndpoints[0].port).toBe('metrics');
    expect(findObjects(objs as any, 'ServiceMonitor').map((m) => m.metadata.name)).toEqual(['orders-db']);
    expect(findObject(objs as any, 'PrometheusRule', 'zookeeper-alerts').spec.groups[0].rules.map((r: any) => r.alert)).toContain('ZookeeperVolumeNearlyFull');
  });
});

describe('SLO burn-rate alerts', () => {
  it('uses the windows and factors of the SRE workbook', () => {
    expect(BURN_RATE_WINDOWS).toEqual([
      { long: '1h', short: '5m', factor: 14.4, severity: 'page' },
      { long: '6h', short: '30m', factor: 6, severity: 'page' },
      { long: '1d', short: '2h', factor: 3, severity: 'ticket' },
      { long: '3d', short: '6h', factor: 1, severity: 'ticket' },
    ]);
  });

  it.each([
    [99.9, [0.0144, 0.006, 0.003, 0.001]],
    [99.5, [0.072, 0.03, 0.015, 0.005]],
    [99, [0.144, 0.06, 0.03, 0.01]],
  ])('alerts for %s%% at the workbook thresholds', (availability, thresholds) => {
    expect(burnRateThresholds(availability / 100).map((t) => t.threshold)).toEqual(thresholds);
    const stack = newStack(production);
    new WebService(stack, 'api', { ...api, metrics: { port: 9090 }, slo: { availability } });
    const rule = findObject(synthObjects(stack), 'PrometheusRule', 'api-slo');
    const [group] = rule.spec.groups;
    const records = group.rules.filter((r: any) => r.record);
    expect(records.map((r: any) => r.record)).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d'].map((w) => `slo:sli_error:ratio_rate${w}`));
    expect(records[0].expr).toBe('sum(rate(http_requests_total{namespace="shop", service="api", code=~"5.."}[5m])) / sum(rate(http_requests_total{namespace="shop", service="api"}[5m]))');
    const [fast, slow] = group.rules.filter((r: any) => r.alert);
    const at = (w: string) => `slo:sli_error:ratio_rate${w}{slo="api-availability"}`;
    expect(fast).toMatchObject({ alert: 'ApiAvailabilityFastBurn', labels: { severity: 'critical', slo: 'api-availability' } });
    expect(fast.expr).toBe(`(${at('1h')} > ${thresholds[0]} and ${at('5m')} > ${thresholds[0]}) or (${at('6h')} > ${thresholds[1]} and ${at('30m')} > ${thresholds[1]})`);
    expect(slow).toMatchObject({ alert: 'ApiAvailabilitySlowBurn', labels: { severity: 'warning' } });
    expect(slow.expr).toBe(`(${at('1d')} > ${thresholds[2]} and ${at('2h')} > ${thresholds[2]}) or (${at('3d')} > ${thresholds[3]} and ${at('6h')} > ${thresholds[3]})`);
  });

  it('records latency as the share of requests slower than the threshold, with the metrics the framework exports', () => {
    const stack = newStack(production);
    new WebService(stack, 'api', { ...api, metrics: { port: 9090 }, slo: { latency: { threshold: '300ms', percentile: 99 }, metric: { requests: 'requests_total', latency: 'request_seconds', errors: 'status="error"' } } });
    const [group] = findObject(synthObjects(stack), 'PrometheusRule', 'api-slo').spec.groups;
    expect(group.rules[0].expr).toBe('1 - (sum(rate(request_seconds_bucket{namespace="shop", service="api", le="0.3"}[5m])) / sum(rate(request_seconds_count{namespace="shop", service="api"}[5m])))');
    expect(group.rules.find((r: any) => r.alert === 'ApiLatencyFastBurn').expr).toContain('> 0.144 and');
  });

  it.each([
    [{ availability: 100 }, /slo\.availability 100 must be a percentage below 100/],
    [{ availability: 90 }, /slo\.availability 90 leaves an error budget so large that a 14\.4× burn over 1h would need more than 100% errors/],
    [{}, /slo \{\} sets no objective/],
    [{ availabilty: 99.9 }, /slo\.availabilty 99\.9 is not a known prop of slo\. Did you mean "availability"\?/],
    [{ latency: { threshold: '300 ms', percentile: 99 } }, /slo\.latency\.threshold "300 ms" is not a Prometheus duration/],
    [{ availability: 99.9, metric: { errors: 'code=~5..' } }, /slo\.metric\.errors "code=~5\.\." is not a list of label matchers \(at column \d+: syntax error/],
    [{ availability: 99.9, metric: { requests: 'http-requests' } }, /slo\.metric\.requests "http-requests" is not a metric name/],
  ])('rejects slo %j', (slo, message) => {
    expect(errorOf(() => new WebService(newStack(), 'api', { ...api, metrics: { port: 9090 }, slo: slo as any }))).toMatch(message);
  });

  it('needs metrics', () => {
    expect(errorOf(() => new WebService(newStack(), 'api', { ...api, slo: { availability: 99.9 } }))).toMatch(/shop\/api: slo .* needs metrics/);
  });
});

describe('metrics on workloads', () => {
  it('scrapes the main port when it serves the metrics, without a new port', () => {
    const stack = newStack(production);
    const svc = new WebService(stack, 'api', { ...api, metrics: { port: 8080, path: '/internal/metrics', interval: '15s' } });
    expect(svc.metricsPortName).toBe('http');
    const objects = synthObjects(stack);
    expect(findObject(objects, 'ServiceMonitor', 'api').spec.endpoints).toEqual([{ port: 'http', path: '/internal/metrics', interval: '15s', scheme: 'http' }]);
    expect(podSpecOf(findObject(objects, 'Deployment', 'api'))!.containers[0].ports).toHaveLength(1);
  });

  it('adds a metrics port, a PodMonitor for a Worker and a StatefulApp, and the presets that apply', () => {
    const stack = newStack(production);
    new Worker(stack, 'worker', { image: 'acme/worker:v1', metrics: { port: 9090 }, alerts: { crashLooping: false, podsNotReady: { for: '30m', severity: 'page' } } });
    new StatefulApp(stack, 'zk', { image: 'zookeeper:3.9.2', replicas: 3, ports: [{ name: 'client', containerPort: 2181 }], metrics: { port: 7000 }, storage: { data: { mountPath: '/data', size: '1Gi' } }, alerts: { pvcNearlyFull: { threshold: 0.2 } } });
    const objects = synthObjects(stack);
    expect(podSpecOf(findObject(objects, 'Deployment', 'worker'))!.containers[0].ports).toEqual([{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }]);
    expect(findObject(objects, 'PodMonitor', 'worker').spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/instance': 'worker', 'app.kubernetes.io/name': 'worker' });
    const worker = findObject(objects, 'PrometheusRule', 'worker-alerts').spec.groups[0].rules;
    expect(worker.map((r: any) => r.alert)).toEqual(['WorkerPodNotReady', 'WorkerReplicasMismatch', 'WorkerRolloutStuck']);
    expect(worker[0]).toMatchObject({ for: '30m', labels: { severity: 'critical' } });
    expect(worker[0].annotations.description).toContain('Pending, Unknown or Failed');
    expect(findObjects(objects, 'PodMonitor').map((m) => m.metadata.name)).toEqual(['worker', 'zk']);
    const zk = findObject(objects, 'PrometheusRule', 'zk-alerts').spec.groups[0].rules;
    expect(zk.find((r: any) => r.alert === 'ZkVolumeNearlyFull').expr).toBe(
      'kubelet_volume_stats_available_bytes{namespace="shop", persistentvolumeclaim=~"(data)-zk-[0-9]+"} / kubelet_volume_stats_capacity_bytes{namespace="shop", persistentvolumeclaim=~"(data)-zk-[0-9]+"} < 0.2',
    );
    expect(zk.find((r: any) => r.alert === 'ZkReplicasMismatch').expr).toContain('kube_statefulset_status_replicas_ready{namespace="shop", statefulset="zk"}');
  });

  it('removes all alerts with alerts: false, and the dashboard with dashboard: false', () => {
    const stack = newStack(production);
    new WebService(stack, 'api', { ...api, metrics: { port: 9090 }, alerts: false, dashboard: false });
    const objects = synthObjects(stack);
    expect(findObjects(objects, 'PrometheusRule')).toEqual([]);
    expect(findObjects(objects, 'ConfigMap')).toEqual([]);
    expect(findObjects(objects, 'ServiceMonitor')).toHaveLength(1);
  });

  it('gives Jobs and CronJobs their alerts when asked, with a schedule-aware threshold', () => {
    const stack = newStack(production);
    new Job(stack, 'migrate', { image: 'acme/tools:v1', command: ['migrate'], alerts: {} });
    new CronJob(stack, 'report', { image: 'acme/tools:v1', schedule: '0 * * * *', command: ['report'], alerts: { jobFailed: { severity: 'page' } } });
    const objects = synthObjects(stack);
    expect(findObject(objects, 'PrometheusRule', 'migrate-alerts').spec.groups[0].rules.map((r: any) => r.alert)).toEqual(['MigratePodCrashLooping', 'MigrateJobFailed']);
    const report = findObject(objects, 'PrometheusRule', 'report-alerts').spec.groups[0].rules;
    expect(report.find((r: any) => r.alert === 'ReportJobFailed')).toMatchObject({ expr: 'kube_job_failed{namespace="shop", job_name=~"report-[0-9]+"} > 0', labels: { severity: 'critical' } });
    expect(report.find((r: any) => r.alert === 'ReportCronJobNotCompleting').expr).toBe('time() - kube_cronjob_status_last_successful_time{namespace="shop", cronjob="report"} > 7200');
    expect([schedulePeriodSeconds('@daily'), schedulePeriodSeconds('0 3 * * *'), schedulePeriodSeconds('0 3 * * 1'), schedulePeriodSeconds('0 3 1 * *'), schedulePeriodSeconds('*/5 * * * *')]).toEqual([86400, 86400, 604800, 2678400, 3600]);
  });

  it('ships a Grafana dashboard as valid JSON with the panels people look at', () => {
    const stack = newStack(defineEnvironment(dev, { name: 'dev-grafana', monitoring: { dashboardLabels: { grafana_dashboard: 'shop' } } }));
    new WebService(stack, 'api', { ...api, metrics: { port: 9090 } });
    const cm = findObject(synthObjects(stack), 'ConfigMap', 'api-dashboard');
    expect(cm.metadata.labels.grafana_dashboard).toBe('shop');
    expect(cm.metadata.labels['app.kubernetes.io/name']).toBe('api');
    const model = JSON.parse(cm.data['shop-api.json']);
    expect(model).toMatchObject({ uid: 'shop-api-737a40b9', title: 'shop / api', editable: false, tags: ['keelson'] });
    expect(model.templating.list).toEqual([expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' })]);
    // Two expanded rows (their panels follow them, as Grafana expects of an open row), three panels to a line.
    expect(model.panels.map((p: any) => [p.type, p.title])).toEqual([
      ['row', 'Traffic'],
      ['timeseries', 'Request rate'],
      ['timeseries', 'Error ratio'],
      ['timeseries', 'Latency'],
      ['row', 'Resources'],
      ['timeseries', 'CPU per pod against requests and limits'],
      ['timeseries', 'Memory per pod against requests and limits'],
      ['timeseries', 'Container restarts (1h)'],
    ]);
    expect(model.panels.filter((p: any) => p.type === 'row').every((r: any) => r.collapsed === false && r.panels.length === 0)).toBe(true);
    expect(model.panels.map((p: any) => p.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(model.panels.map((p: any) => [p.gridPos.x, p.gridPos.y])).toEqual([[0, 0], [0, 1], [8, 1], [16, 1], [0, 9], [0, 10], [8, 10], [16, 10]]);
    const series = model.panels.filter((p: any) => p.type === 'timeseries');
    expect(series.map((p: any) => p.fieldConfig.defaults.unit)).toEqual(['reqps', 'percentunit', 's', 'short', 'bytes', 'short']);
    expect(series[2].targets.map((t: any) => [t.refId, t.legendFormat])).toEqual([['A', 'p50'], ['B', 'p90'], ['C', 'p99']]);
    expect(series[0].targets[0].expr).toBe('sum by (code) (rate(http_requests_total{namespace="shop", service="api"}[5m]))');
    expect(series[5].targets[0].expr).toBe('sum by (pod) (increase(kube_pod_container_status_restarts_total{namespace="shop", pod=~"api-[a-z0-9]+-[a-z0-9]+"}[1h]))');
    for (const p of series) {
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      for (const t of p.targets) {
        expect(t.datasource).toEqual(p.datasource);
        expect(checkPromql(t.expr), `${p.title}: ${t.expr}`).toEqual([]);
      }
    }
    // The same app gives the same dashboard, byte for byte.
    const again = newStack(defineEnvironment(dev, { name: 'dev-grafana', monitoring: { dashboardLabels: { grafana_dashboard: 'shop' } } }));
    new WebService(again, 'api', { ...api, metrics: { port: 9090 } });
    expect(findObject(synthObjects(again), 'ConfigMap', 'api-dashboard').data).toEqual(cm.data);
  });

  it('queries the metrics an SLO names in the dashboard', () => {
    const stack = newStack(dev);
    new WebService(stack, 'api', { ...api, metrics: { port: 9090 }, slo: { availability: 99.9, metric: { requests: 'requests_total', latency: 'request_seconds', errors: 'status="error"' } } });
    const model = JSON.parse(findObject(synthObjects(stack), 'ConfigMap', 'api-dashboard').data['shop-api.json']);
    const exprs = model.panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr));
    expect(exprs).toContain('sum(rate(requests_total{namespace="shop", service="api", status="error"}[5m])) / sum(rate(requests_total{namespace="shop", service="api"}[5m]))');
    expect(exprs).toContain('histogram_quantile(0.99, sum by (le) (rate(request_seconds_bucket{namespace="shop", service="api"}[5m])))');
    expect(exprs.every((e: string) => checkPromql(e).length === 0)).toBe(true);
  });

  it('rejects a metric name that would make the dashboard queries invalid PromQL before building them', () => {
    const stack = newStack(dev);
    const target = { kind: 'Deployment', name: 'api', namespace: 'shop' } as const;
    expect(errorOf(() => new ServiceDashboard(stack, 'dashboard', { target, service: 'api', container: 'api', metric: { requests: 'http-requests' } }))).toBe(
      'shop/dashboard: metric.requests "http-requests" is not a metric name. e.g. "http_requests_total"',
    );
    expect(errorOf(() => new ServiceDashboard(stack, 'errors', { target, service: 'api', container: 'api', metric: { errors: 'code=~"5..' } }))).toMatch(/^shop\/errors: metric\.errors "code=~\\"5\.\." is not a list of label matchers \(at column \d+: /);
    expect(errorOf(() => new ServiceDashboard(stack, 'typo', { target, service: 'api', container: 'api', metrics: {} } as any))).toBe('shop/typo: metrics {} is not a known prop. Did you mean "metric"?');
  });

  it.each([
    [{ metrics: { port: 99999 } }, /shop\/api: metrics\.port 99999 is not a valid port/],
    [{ metrics: { port: 'admin' } }, /shop\/api: metrics\.port "admin" is not a port of shop\/api \(ports: http\)/],
    [{ metrics: { port: 9090, interval: '30 seconds' } }, /metrics\.interval "30 seconds" is not a Prometheus duration/],
    [{ metrics: { port: 9090, path: 'metrics' } }, /metrics\.path "metrics" must be a path starting with "\/"/],
    [{ metrics: { prot: 9090 } }, /metrics\.prot 9090 is not a known prop of metrics\. Did you mean "port"\?/],
    [{ metrics: { port: 9090 }, alerts: { crashLoop: false } }, /alerts\.crashLoop false is not a known prop of alerts\. Did you mean "crashLooping"\?/],
    [{ metrics: { port: 9090 }, alerts: { podsNotReady: { for: '15 min' } } }, /alerts\.podsNotReady\.for "15 min" is not a Prometheus duration/],
    [{ metrics: { port: 9090 }, alerts: { crashLooping: { threshold: 2 } } }, /alerts\.crashLooping\.threshold 2 does not apply: crashLooping has no threshold/],
    [{ metrics: { port: 9090 }, alerts: { podsNotReady: { severity: 'high' } } }, /alerts\.podsNotReady\.severity "high" must be "page", "ticket" or "info"/],
    [{ dashboard: true }, /dashboard true needs metrics/],
  ])('rejects %j', (props, message) => {
    expect(errorOf(() => new WebService(newStack(), 'api', { ...api, ...(props as any) }))).toMatch(message);
  });

  it('rejects a bad database alert tuning', () => {
    expect(errorOf(() => new Postgres(newStack(), 'db', { credentials: { secret: 'db' }, metrics: true, replicas: { count: 1 }, alerts: { replicationLag: { threshold: -1 } } }))).toMatch(/shop\/db: alerts\.replicationLag\.threshold -1 must be a positive number/);
    // Without replicas there is no replication to lag.
    expect(errorOf(() => new Postgres(newStack(), 'db', { credentials: { secret: 'db' }, metrics: true, alerts: { replicationLag: false } }))).toMatch(/alerts\.replicationLag false is not a known prop of alerts/);
    expect(errorOf(() => new Redis(newStack(), 'cache', { credentials: { secret: 'c' }, metrics: true, alerts: { memoryNearLimit: { threshold: 90 } } }))).toMatch(/alerts\.memoryNearLimit\.threshold 90 is the fraction used, below 1/);
  });

  it('checks the environment\'s monitoring settings', () => {
    const env = defineEnvironment(production, { name: 'bad', monitoring: { scrapeInterval: '30 s' } });
    expect(errorOf(() => new WebService(newStack(env), 'api', { ...api, metrics: { port: 9090 } }))).toMatch(/environment bad: monitoring\.scrapeInterval "30 s" is not a Prometheus duration/);
  });
});

describe('checks of hand-written monitoring objects', () => {
  const kinds = KindRegistry.builtIns(undefined, DEFAULT_EXTENSIONS.flatMap((e) => e.kinds ?? []));
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'shop', labels: { app: 'api' } }, spec: { selector: { app: 'api' }, ports: [{ name: 'http', port: 80 }] } };
  const deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'shop' },
    spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'a:1', ports: [{ name: 'http', containerPort: 8080 }] }] } } },
  };
  const monitor = (kind: string, spec: object) => ({ apiVersion: 'monitoring.coreos.com/v1', kind, metadata: { name: 'm', namespace: 'shop' }, spec });
  const findings = (obj: object) => runChecks([service, deployment, obj].map((json, i) => ({ json: json as any, path: `f.yaml#${i}` })), { kinds }).filter((f) => f.path === 'f.yaml#2' && f.severity === 'error');

  it('reports a ServiceMonitor whose selector matches no Service, or whose port the Service lacks', () => {
    expect(findings(monitor('ServiceMonitor', { selector: { matchLabels: { app: 'web' } }, endpoints: [{ port: 'http' }] }))).toMatchObject([{ rule: 'monitor-selector-dangling', field: 'spec.selector' }]);
    expect(findings(monitor('ServiceMonitor', { selector: { matchLabels: { app: 'api' } }, endpoints: [{ port: 'metrics' }] }))).toMatchObject([
      { rule: 'monitor-port-missing', field: 'spec.endpoints[0].port', message: '"metrics" is not a port name of the selected Services (ports: http)' },
    ]);
    expect(findings(monitor('ServiceMonitor', { selector: { matchLabels: { app: 'api' } }, endpoints: [{ port: 'http' }] }))).toEqual([]);
    // Targets in other namespaces are not in the set: not checked.
    expect(findings(monitor('ServiceMonitor', { namespaceSelector: { any: true }, selector: { matchLabels: { app: 'web' } }, endpoints: [{ port: 'x' }] }))).toEqual([]);
  });

  it('reports a PodMonitor whose selector matches no pods, or names a container port they lack', () => {
    expect(findings(monitor('PodMonitor', { selector: { matchLabels: { app: 'web' } }, podMetricsEndpoints: [{ port: 'http' }] }))).toMatchObject([{ rule: 'monitor-selector-dangling' }]);
    expect(findings(monitor('PodMonitor', { selector: { matchLabels: { app: 'api' } }, podMetricsEndpoints: [{ port: 'metrics' }] }))).toMatchObject([{ rule: 'monitor-port-missing', field: 'spec.podMetricsEndpoints[0].port' }]);
  });

  it('checks the PromQL, durations and severities of a hand-written PrometheusRule', () => {
    const rule = monitor('PrometheusRule', {
      groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'rate(x) > 1', labels: { severity: 'warning' } }, { alert: 'B', expr: 'up == 0', for: '20 minutes' }, { alert: 'B', expr: 'up == 0', labels: { severity: 'x' } }] }],
    });
    const found = findings(rule).filter((f) => f.rule !== 'schema-invalid').map((f) => `${f.rule} ${f.field}: ${f.message}`);
    expect(found.sort()).toEqual([
      'alert-severity-missing spec.groups[0].rules[1].labels.severity: of alert "B" is missing',
      'promql-invalid spec.groups[0].rules[0].expr: of alert "A" is not valid PromQL at line 1, column 6: rate() needs a range vector as argument 1, got an instant vector "x"',
      'rule-duration-invalid spec.groups[0].rules[1].for: of alert "B" is not a Prometheus duration',
      'rule-group-duplicate-alert spec.groups[0].rules[2].alert: is also the alert of spec.groups[0].rules[1] in group "g"',
    ]);
  });

  it('runs in keelson check on a folder of YAML', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-rules-'));
    try {
      fs.writeFileSync(path.join(dir, 'rules.yaml'), [
        'apiVersion: monitoring.coreos.com/v1',
        'kind: PrometheusRule',
        'metadata: { name: r, namespace: shop }',
        'spec:',
        '  groups:',
        '    - name: g',
        '      rules:',
        '        - alert: Slow',
        '          expr: histogram_quantile(0.99, rate(http_request_duration_seconds_bucket[5m]) > 1',
        '          labels: { severity: warning }',
        '',
      ].join('\n'));
      const report = await checkFolder(dir);
      expect(report.findings.filter((f) => f.severity === 'error').map((f) => `${f.rule} ${f.path} ${f.field}: ${f.message}`)).toEqual([
        'promql-invalid rules.yaml#0 spec.groups[0].rules[0].expr: of alert "Slow" is not valid PromQL at line 1, column 76: syntax error: the expression ends early, ")" is missing',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
