import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, ApiObject } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { dev, production, staging } from '../presets/index.js';
import {
  addStandardLabels,
  AppSecret,
  ArgoCdApps,
  BlueGreenService,
  ClusterQueue,
  CronJob,
  defineEnvironment,
  DisruptionBudget,
  ExportedValue,
  ExternalSecret,
  HorizontalAutoscaler,
  InferenceGroup,
  Job,
  KeelsonError,
  LocalQueue,
  Mesh,
  ModelServer,
  MongoDb,
  MySql,
  Peer,
  Postgres,
  PrometheusRule,
  propKeys,
  Redis,
  registerKind,
  ResourceFlavor,
  RolloutService,
  runChecks,
  ServiceDashboard,
  ServiceLevelObjectives,
  ServiceMonitor,
  Stack,
  StatefulApp,
  synth,
  Team,
  TeamNamespace,
  TrainingJob,
  VLLM,
  WebService,
  Worker,
  WorkloadAlerts,
  type WebServiceProps,
} from '../src/index.js';
import { newStack } from './support/app.js';

const ROOT = path.resolve(__dirname, '..');

/**
 * Every exported interface of the public API is either a prop object (something a caller
 * passes in), which must have its keys listed with `propKeys<Name>()` so that the compiler
 * keeps the runtime unknown-key check in step with it, or is listed here with why it is not.
 * Type aliases count as prop objects when their name ends in Props, Options or Profile.
 */
const NOT_PROPS: Record<string, string> = {
  // Results: returned or exposed by Keelson, never given to it.
  ResolvedContainer: 'result', ResolvedPort: 'result', ResolvedSecurity: 'result', ResolvedVolumes: 'result', GeneratedConfigMap: 'result',
  ContainerProbes: 'result', CronSchedule: 'result', ImageRef: 'result', Quantity: 'result', WorkloadPort: 'result',
  SynthResult: 'result', StackManifest: 'result', StackFindings: 'result', ManifestObject: 'result', Connection: 'result', ConsumedValue: 'result',
  ValueSource: 'result', FoundSelection: 'result', FoundReference: 'result', PodTemplate: 'result', DatabaseMembers: 'result', CredentialRefs: 'result',
  Route: 'result', RoutePort: 'result', WorkloadRoutes: 'result', Finding: 'result', SchemaProblem: 'result', LoadedManifests: 'result',
  Waiver: 'result (built by waive())', CheckedObject: 'result (built by synth or loadManifestFolder)',
  // Builder inputs: filled in by Keelson's own constructs (or a construct author's code), typed, never from user props.
  ContainerContext: 'builder', ProbeTarget: 'builder', NamedPort: 'builder', ContainerSpec: 'builder', PodTemplateSpec: 'builder', PodScheduling: 'builder',
  WorkloadIdentity: 'builder', EngineContext: 'builder', EngineContainer: 'builder', InitContainerSpec: 'builder', Engine: 'builder', ExporterSpec: 'builder',
  SynthExtension: 'builder', ConnectivityReportInput: 'builder', KubeType: 'builder (a class)',
  ReplicaObjects: 'result', ResolvedTrigger: 'result', ResolvedEventScaling: 'result', KedaTrigger: 'result (a trigger as rendered)',
  ReplicaScaler: 'builder', VerticalTargetContainer: 'builder',
  PromqlProblem: 'result', TemplateProblem: 'result', RuleProblem: 'result', ResolvedMonitoring: 'result', PreparedMetrics: 'result', WorkloadMonitoring: 'result',
  BurnRateWindow: 'result (the constant BURN_RATE_WINDOWS)', BurnRateThreshold: 'result',
  QuotaPreset: 'result (the constant QUOTA_PRESETS, exposed as TeamNamespace.preset)', ArgoCdTarget: 'result', Dependency: 'result',
  ResolvedGpu: 'result', EngineArgs: 'builder (given to a ModelServerEngine by ModelServer)',
  MeshService: 'builder (a WebService)', ExtraRoutes: 'builder (added to the connection graph by an area above the network)',
  DeploymentWorkloadOptions: 'builder', WorkloadMonitoringOptions: 'builder', ExporterTarget: 'builder (given to an engine by Database)',
};

/** Modules `src/index.ts` exports, following `export ... from` re-exports. */
function publicModules(): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^export (?:\*|type \{[^}]*\}|\{[^}]*\}) from '(\.[^']+)\.js'/gm)) visit(path.resolve(path.dirname(file), `${m[1]}.ts`));
  };
  visit(path.join(ROOT, 'src/index.ts'));
  return [...seen];
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

describe('every prop object of the public API is closed', () => {
  const covered = new Set<string>();
  for (const file of [...sourceFiles(path.join(ROOT, 'src')), ...sourceFiles(path.join(ROOT, 'presets'))]) {
    // `propKeys<Name>()`, `propKeys<Name<K>>()` and `propKeys<Omit<Name, IndexKeys>>()` list the keys of Name.
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/propKeys<(?:Omit<)?(\w+)(?:<[^<>]*>)?[>,]/g)) covered.add(m[1]!);
  }
  const exported: { name: string; file: string }[] = [];
  for (const file of publicModules()) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/^export (?:interface (\w+)|type (\w+(?:Props|Options|Profile))\b)/gm)) {
      exported.push({ name: (m[1] ?? m[2])!, file: path.relative(ROOT, file) });
    }
  }

  it('finds the public interfaces', () => {
    expect(exported.length).toBeGreaterThan(80);
    expect(exported.map((e) => e.name)).toEqual(expect.arrayContaining(['WebServiceProps', 'ContainerProps', 'EnvironmentProfile', 'PostgresProps', 'RedisProps', 'SynthOptions']));
  });

  it('lists the keys of each prop object with propKeys (or says why it is not one)', () => {
    const open = exported.filter((e) => !covered.has(e.name) && !(e.name in NOT_PROPS)).map((e) => `${e.name} (${e.file})`);
    expect(open, 'prop objects without a propKeys<Name>() list: add one and check the object with checkKnownKeys').toEqual([]);
  });

  it('has no stale exemptions', () => {
    const names = new Set(exported.map((e) => e.name));
    expect(Object.keys(NOT_PROPS).filter((n) => !names.has(n) || covered.has(n))).toEqual([]);
  });
});

describe('propKeys is checked by the compiler', () => {
  interface Sample {
    readonly a: number;
    readonly b?: string;
  }
  it('accepts the exact keys, also spread from a base list', () => {
    const base = propKeys<Pick<Sample, 'a'>>()('a');
    expect(propKeys<Sample>()(...base, 'b')).toEqual(['a', 'b']);
  });
  it('rejects a missing or an unknown key at compile time', () => {
    // @ts-expect-error -- "b" is missing
    propKeys<Sample>()('a');
    // @ts-expect-error -- "c" is not a key of Sample
    propKeys<Sample>()('a', 'b', 'c');
    expect(true).toBe(true);
  });
});

const ok: WebServiceProps = { image: 'acme/api:v1.0.0', port: 8080 };
const creds = { credentials: { secret: 'db-credentials' } };
const external = { store: 'vault', remoteKey: 'prod/db' };
const model = { model: 'mistralai/Mistral-7B-Instruct-v0.3', gpu: { count: 1 } };
const training = { image: 'acme/train:v1.2.3', command: ['torchrun', 'train.py'], gpu: { count: 4 } };
const meshed = () => new WebService(new Stack(new App(), 'shop', { env: production, mesh: Mesh.istio() }), 'api', ok);
const alertTarget = { kind: 'Deployment', name: 'api', namespace: 'shop' };

/** One misspelt key at each level of each prop object, passed to the construct that reads it. */
const cases: { object: string; run: () => unknown; path: string; field: string; value: unknown; near?: string }[] = [
  { object: 'WebServiceProps', run: () => new WebService(newStack(), 'api', { ...ok, replcias: 2 } as never), path: 'shop/api', field: 'replcias', value: 2, near: 'replicas' },
  { object: 'NamedContainerProps', run: () => new WebService(newStack(), 'api', { ...ok, sidecars: [{ name: 'log', image: 'acme/log:v1', imgae: 'x' }] } as never), path: 'shop/api', field: 'sidecars[0].imgae', value: 'x', near: 'image' },
  { object: 'PortProps', run: () => new WebService(newStack(), 'api', { ...ok, ports: [{ containerPrt: 9000 }] } as never), path: 'shop/api', field: 'ports[0].containerPrt', value: 9000, near: 'containerPort' },
  { object: 'HealthChecks', run: () => new WebService(newStack(), 'api', { ...ok, health: { reddy: '/ready' } } as never), path: 'shop/api', field: 'health.reddy', value: '/ready', near: 'ready' },
  { object: 'HttpProbe', run: () => new WebService(newStack(), 'api', { ...ok, health: { live: { http: '/h', perod: 5 } } } as never), path: 'shop/api', field: 'health.live.perod', value: 5, near: 'period' },
  { object: 'TcpProbe', run: () => new WebService(newStack(), 'api', { ...ok, health: { live: { tcp: true, timeot: 2 } } } as never), path: 'shop/api', field: 'health.live.timeot', value: 2, near: 'timeout' },
  { object: 'GrpcProbe', run: () => new WebService(newStack(), 'api', { ...ok, protocol: 'grpc', health: { live: { grpc: true, prot: 8080 } } } as never), path: 'shop/api', field: 'health.live.prot', value: 8080, near: 'port' },
  { object: 'ExecProbe', run: () => new Worker(newStack(), 'w', { image: 'acme/w:v1', health: { live: { exec: ['true'], initialDelai: 5 } } } as never), path: 'shop/w', field: 'health.live.initialDelai', value: 5, near: 'initialDelay' },
  { object: 'ResourceProps', run: () => new WebService(newStack(), 'api', { ...ok, resources: { requets: {} } } as never), path: 'shop/api', field: 'resources.requets', value: {}, near: 'requests' },
  { object: 'ResourceAmounts', run: () => new WebService(newStack(), 'api', { ...ok, resources: { limits: { memroy: '1Gi' } } } as never), path: 'shop/api', field: 'resources.limits.memroy', value: '1Gi', near: 'memory' },
  { object: 'SecurityProps', run: () => new WebService(newStack(), 'api', { ...ok, security: { runAsUsr: 1000 } } as never), path: 'shop/api', field: 'security.runAsUsr', value: 1000, near: 'runAsUser' },
  { object: 'MountProps', run: () => new WebService(newStack(), 'api', { ...ok, volumes: { data: { emptyDir: {} } }, mounts: [{ path: '/data', volume: 'data', readonly: true }] } as never), path: 'shop/api', field: 'mounts[0].readonly', value: true, near: 'readOnly' },
  { object: 'VolumeProps', run: () => new WebService(newStack(), 'api', { ...ok, volumes: { data: { emptydir: {} } } } as never), path: 'shop/api', field: 'volumes.data.emptydir', value: {}, near: 'emptyDir' },
  { object: 'EmptyDirProps', run: () => new WebService(newStack(), 'api', { ...ok, volumes: { data: { emptyDir: { sizelimit: '1Gi' } } } } as never), path: 'shop/api', field: 'volumes.data.emptyDir.sizelimit', value: '1Gi', near: 'sizeLimit' },
  { object: 'ServiceAccountTokenProps', run: () => new WebService(newStack(), 'api', { ...ok, volumes: { token: { serviceAccountToken: { audiance: 'vault' } } } } as never), path: 'shop/api', field: 'volumes.token.serviceAccountToken.audiance', value: 'vault', near: 'audience' },
  { object: 'TolerationProps', run: () => new WebService(newStack(), 'api', { ...ok, tolerations: [{ key: 'gpu', efect: 'NoSchedule' }] } as never), path: 'shop/api', field: 'tolerations[0].efect', value: 'NoSchedule', near: 'effect' },
  { object: 'affinity', run: () => new WebService(newStack(), 'api', { ...ok, affinity: { nodeAfinity: {} } } as never), path: 'shop/api', field: 'affinity.nodeAfinity', value: {}, near: 'nodeAffinity' },
  { object: 'AutoscaleProps', run: () => new WebService(newStack(), 'api', { ...ok, autoscale: { min: 2, max: 5, cpuu: 70 } } as never), path: 'shop/api', field: 'autoscale.cpuu', value: 70, near: 'cpu' },
  { object: 'DisruptionProps', run: () => new WebService(newStack(), 'api', { ...ok, disruption: { maxUnavaliable: 1 } } as never), path: 'shop/api', field: 'disruption.maxUnavaliable', value: 1, near: 'maxUnavailable' },
  { object: 'IngressProps', run: () => new WebService(newStack(), 'api', { ...ok, ingress: { host: 'shop.example.com', classname: 'nginx' } } as never), path: 'shop/api', field: 'ingress.classname', value: 'nginx', near: 'className' },
  { object: 'IngressProps.tls', run: () => new WebService(newStack(), 'api', { ...ok, ingress: { host: 'shop.example.com', tls: { isuer: 'le' } } } as never), path: 'shop/api', field: 'ingress.tls.isuer', value: 'le', near: 'issuer' },
  { object: 'ServiceProps', run: () => new WebService(newStack(), 'api', { ...ok, service: { tpye: 'NodePort' } } as never), path: 'shop/api', field: 'service.tpye', value: 'NodePort', near: 'type' },
  { object: 'WorkerProps', run: () => new Worker(newStack(), 'w', { image: 'acme/w:v1', comand: ['run'] } as never), path: 'shop/w', field: 'comand', value: ['run'], near: 'command' },
  { object: 'JobProps', run: () => new Job(newStack(), 'j', { image: 'acme/j:v1', backofLimit: 2 } as never), path: 'shop/j', field: 'backofLimit', value: 2, near: 'backoffLimit' },
  { object: 'CronJobProps', run: () => new CronJob(newStack(), 'c', { image: 'acme/c:v1', schedule: '0 3 * * *', timezone: 'UTC' } as never), path: 'shop/c', field: 'timezone', value: 'UTC', near: 'timeZone' },
  { object: 'StatefulAppProps', run: () => new StatefulApp(newStack(), 's', { image: 'acme/s:v1', podManagment: 'Parallel' } as never), path: 'shop/s', field: 'podManagment', value: 'Parallel', near: 'podManagement' },
  { object: 'StatefulVolumeProps', run: () => new StatefulApp(newStack(), 's', { image: 'acme/s:v1', storage: { data: { mountpath: '/data', size: '1Gi' } } } as never), path: 'shop/s', field: 'storage.data.mountpath', value: '/data', near: 'mountPath' },
  { object: 'StackProps', run: () => new Stack(new App(), 'shop', { env: production, namespce: 'x' } as never), path: 'shop', field: 'namespce', value: 'x', near: 'namespace' },
  { object: 'EnvironmentProfile', run: () => new Stack(new App(), 'shop', { env: { ...production, replica: 2 } } as never), path: 'shop', field: 'env.replica', value: 2, near: 'replicas' },
  { object: 'AutoscalingPolicy', run: () => new Stack(new App(), 'shop', { env: { ...production, autoscaling: { enabled: true, maxReplicaCap: 4 } } } as never), path: 'shop', field: 'env.autoscaling.maxReplicaCap', value: 4, near: 'maxReplicasCap' },
  { object: 'NetworkPolicySettings', run: () => new Stack(new App(), 'shop', { env: { ...production, networkPolicies: { ...production.networkPolicies, defaultdeny: true } } } as never), path: 'shop', field: 'env.networkPolicies.defaultdeny', value: true, near: 'defaultDeny' },
  { object: 'EnvironmentOverrides', run: () => defineEnvironment(staging, { name: 'eu', replica: 2 } as never), path: 'defineEnvironment("eu")', field: 'replica', value: 2, near: 'replicas' },
  { object: 'EnvironmentOverrides.autoscaling', run: () => defineEnvironment(staging, { name: 'eu', autoscaling: { enable: false } } as never), path: 'defineEnvironment("eu")', field: 'autoscaling.enable', value: false, near: 'enabled' },
  { object: 'PostgresProps', run: () => new Postgres(newStack(), 'db', { ...creds, storag: '5Gi' } as never), path: 'shop/db', field: 'storag', value: '5Gi', near: 'storage' },
  { object: 'MySqlProps', run: () => new MySql(newStack(), 'db', { ...creds, databse: 'orders' } as never), path: 'shop/db', field: 'databse', value: 'orders', near: 'database' },
  { object: 'RedisProps', run: () => new Redis(newStack(), 'cache', { ...creds, metric: true } as never), path: 'shop/cache', field: 'metric', value: true, near: 'metrics' },
  { object: 'MongoDbProps', run: () => new MongoDb(newStack(), 'docs', { ...creds, versoin: '7.0' } as never), path: 'shop/docs', field: 'versoin', value: '7.0', near: 'version' },
  { object: 'SecretCredentials', run: () => new Postgres(newStack(), 'db', { credentials: { secret: 'db', key: { password: 'pw' } } } as never), path: 'shop/db', field: 'credentials.key', value: { password: 'pw' }, near: 'keys' },
  { object: 'ExternalSecretCredentials', run: () => new Postgres(newStack(), 'db', { credentials: { externalSecret: external, secretName: 'x' } } as never), path: 'shop/db', field: 'credentials.secretName', value: 'x' },
  { object: 'ExternalSecretCredentials.externalSecret', run: () => new Postgres(newStack(), 'db', { credentials: { externalSecret: { ...external, refreshIntervall: '1h' } } } as never), path: 'shop/db', field: 'credentials.externalSecret.refreshIntervall', value: '1h', near: 'refreshInterval' },
  { object: 'ReadReplicaProps', run: () => new Postgres(newStack(), 'db', { ...creds, replicas: { cout: 2 } } as never), path: 'shop/db', field: 'replicas.cout', value: 2, near: 'count' },
  { object: 'BackupProps', run: () => new Postgres(newStack(), 'db', { ...creds, backup: { retian: 3 } } as never), path: 'shop/db', field: 'backup.retian', value: 3, near: 'retain' },
  { object: 'SecretKeyRef', run: () => new WebService(newStack(), 'api', { ...ok, env: { JWT: { secret: 'jwt', key: 'k', optinal: true } } } as never), path: 'shop/api', field: 'env.JWT.optinal', value: true, near: 'optional' },
  { object: 'ConfigMapKeyRef', run: () => new WebService(newStack(), 'api', { ...ok, env: { MODE: { configMap: 'cfg', kye: 'mode' } } } as never), path: 'shop/api', field: 'env.MODE.kye', value: 'mode', near: 'key' },
  { object: 'PodFieldRef', run: () => new WebService(newStack(), 'api', { ...ok, env: { IP: { field: 'status.podIP', fieldPath: 'x' } } } as never), path: 'shop/api', field: 'env.IP.fieldPath', value: 'x' },
  { object: 'ResourceFieldRef', run: () => new WebService(newStack(), 'api', { ...ok, env: { CPUS: { resource: 'limits.cpu', divsor: '1' } } } as never), path: 'shop/api', field: 'env.CPUS.divsor', value: '1', near: 'divisor' },
  { object: 'ConnectionOptions', run: () => new WebService(newStack(), 'api', ok).allowTo(Peer.cidr('10.0.0.0/8'), { prot: 443 } as never), path: 'shop/api', field: 'allowTo.prot', value: 443, near: 'port' },
  { object: 'CidrPeerOptions', run: () => Peer.cidr('10.0.0.0/8', { excpet: ['10.1.0.0/16'] } as never), path: 'Peer.cidr("10.0.0.0/8")', field: 'options.excpet', value: ['10.1.0.0/16'], near: 'except' },
  { object: 'ExportOptions', run: () => ExportedValue.of(['x'], undefined, { prot: 80 } as never), path: 'ExportedValue.of', field: 'options.prot', value: 80, near: 'port' },
  { object: 'SynthOptions', run: () => synth(new App(), { outDir: '/tmp/never' } as never), path: 'synth', field: 'options.outDir', value: '/tmp/never', near: 'outdir' },
  { object: 'CheckOptions', run: () => runChecks([], { waiver: [] } as never), path: 'runChecks', field: 'options.waiver', value: [], near: 'waivers' },
  { object: 'StandardLabelOptions', run: () => addStandardLabels(new ApiObject(newStack(), 'cm', { apiVersion: 'v1', kind: 'ConfigMap' }), { compnent: 'cache' } as never), path: 'shop/cm', field: 'options.compnent', value: 'cache', near: 'component' },
  {
    object: 'HorizontalAutoscalerProps',
    run: () => new HorizontalAutoscaler(newStack(), 'hpa', { target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, range: { min: 1, max: 3 }, metadata: {}, targts: {} } as never),
    path: 'shop/hpa', field: 'targts', value: {}, near: 'targets',
  },
  {
    object: 'ScaleTarget',
    run: () => new HorizontalAutoscaler(newStack(), 'hpa', { target: { apiVersion: 'apps/v1', kinde: 'Deployment', name: 'api' }, range: { min: 1, max: 3 }, metadata: {} } as never),
    path: 'shop/hpa', field: 'target.kinde', value: 'Deployment', near: 'kind',
  },
  { object: 'DisruptionBudgetProps', run: () => new DisruptionBudget(newStack(), 'pdb', { selector: { app: 'x' }, minReplica: 2, metadata: {} } as never), path: 'shop/pdb', field: 'minReplica', value: 2, near: 'minReplicas' },
  {
    object: 'ExternalSecretRemoteRef',
    run: () => new ExternalSecret(newStack(), 'es', { spec: { secretStoreRef: { name: 'vault' }, data: [{ secretKey: 'a', remoteRef: { key: 'k', propery: 'p' } }] } } as never),
    path: 'shop/es', field: 'spec.data[0].remoteRef.propery', value: 'p', near: 'property',
  },
  { object: 'ExternalSecretSpec', run: () => new ExternalSecret(newStack(), 'es', { spec: { secretStoreRef: { name: 'vault' }, refreshIntreval: '1h' } } as never), path: 'shop/es', field: 'spec.refreshIntreval', value: '1h', near: 'refreshInterval' },
  {
    object: 'PodSelection',
    run: () => registerKind(new App(), { group: 'example.com', kind: 'Widget', versions: ['v1'], selects: { field: 'spec.selector', form: 'labels', of: 'own-pods', rul: 'x' } } as never),
    path: '(app)', field: 'registerKind.selects.rul', value: 'x', near: 'rule',
  },
  // Observability.
  { object: 'MonitoringSettings', run: () => new Stack(new App(), 'shop', { env: { ...production, monitoring: { scrapeIntervall: '1m' } } } as never), path: 'shop', field: 'env.monitoring.scrapeIntervall', value: '1m', near: 'scrapeInterval' },
  { object: 'MetricsProps', run: () => new WebService(newStack(), 'api', { ...ok, metrics: { port: 9090, intervall: '15s' } } as never), path: 'shop/api', field: 'metrics.intervall', value: '15s', near: 'interval' },
  { object: 'AlertPresetsProps', run: () => new WebService(newStack(), 'api', { ...ok, metrics: { port: 9090 }, alerts: { crashLoping: false } } as never), path: 'shop/api', field: 'alerts.crashLoping', value: false, near: 'crashLooping' },
  { object: 'AlertTuning', run: () => new WebService(newStack(), 'api', { ...ok, metrics: { port: 9090 }, alerts: { podsNotReady: { sevrity: 'page' } } } as never), path: 'shop/api', field: 'alerts.podsNotReady.sevrity', value: 'page', near: 'severity' },
  { object: 'DatabaseAlertsProps', run: () => new Postgres(newStack(), 'db', { ...creds, metrics: true, alerts: { databseDown: false } } as never), path: 'shop/db', field: 'alerts.databseDown', value: false, near: 'databaseDown' },
  { object: 'SloProps', run: () => new WebService(newStack(), 'api', { ...ok, metrics: { port: 9090 }, slo: { availabilty: 99.9 } } as never), path: 'shop/api', field: 'slo.availabilty', value: 99.9, near: 'availability' },
  { object: 'LatencyObjective', run: () => new WebService(newStack(), 'api', { ...ok, metrics: { port: 9090 }, slo: { latency: { threshold: '300ms', percentil: 99 } } } as never), path: 'shop/api', field: 'slo.latency.percentil', value: 99, near: 'percentile' },
  { object: 'SloMetrics', run: () => new WebService(newStack(), 'api', { ...ok, metrics: { port: 9090 }, slo: { availability: 99.9, metric: { request: 'rpc_total' } } } as never), path: 'shop/api', field: 'slo.metric.request', value: 'rpc_total', near: 'requests' },
  { object: 'PrometheusRuleProps', run: () => new PrometheusRule(newStack(), 'r', { group: [] } as never), path: 'shop/r', field: 'group', value: [], near: 'groups' },
  { object: 'RuleGroupProps', run: () => new PrometheusRule(newStack(), 'r', { groups: [{ name: 'g', intervall: '1m', rules: [] }] } as never), path: 'shop/r', field: 'groups[0].intervall', value: '1m', near: 'interval' },
  {
    object: 'AlertRuleProps',
    run: () => new PrometheusRule(newStack(), 'r', { groups: [{ name: 'g', rules: [{ alert: 'Up', expr: 'up == 0', severity: 'page', sumary: 'down' }] }] } as never),
    path: 'shop/r', field: 'groups[0].rules[0].sumary', value: 'down', near: 'summary',
  },
  { object: 'RecordingRuleProps', run: () => new PrometheusRule(newStack(), 'r', { groups: [{ name: 'g', rules: [{ record: 'job:up:sum', expr: 'sum(up)', label: {} }] }] } as never), path: 'shop/r', field: 'groups[0].rules[0].label', value: {}, near: 'labels' },
  { object: 'MonitorProps', run: () => new ServiceMonitor(newStack(), 'sm', { selector: { app: 'api' }, endpoints: [{ port: 'metrics' }], label: {} } as never), path: 'shop/sm', field: 'label', value: {}, near: 'labels' },
  { object: 'ScrapeEndpointProps', run: () => new ServiceMonitor(newStack(), 'sm', { selector: { app: 'api' }, endpoints: [{ port: 'metrics', pth: '/m' }] } as never), path: 'shop/sm', field: 'endpoints[0].pth', value: '/m', near: 'path' },
  { object: 'WorkloadAlertsProps', run: () => new WorkloadAlerts(newStack(), 'wa', { target: alertTarget, preset: {} } as never), path: 'shop/wa', field: 'preset', value: {}, near: 'presets' },
  { object: 'AlertTarget', run: () => new WorkloadAlerts(newStack(), 'wa', { target: { ...alertTarget, namepsace: 'shop' } } as never), path: 'shop/wa', field: 'target.namepsace', value: 'shop', near: 'namespace' },
  {
    object: 'ExtraAlert',
    run: () => new WorkloadAlerts(newStack(), 'wa', { target: alertTarget, extra: { lag: { treshold: 30, build: () => ({ alert: 'Lag', expr: 'up == 0', severity: 'ticket' }) } } } as never),
    path: 'shop/wa', field: 'extra.lag.treshold', value: 30, near: 'threshold',
  },
  {
    object: 'ServiceLevelObjectivesProps',
    run: () => new ServiceLevelObjectives(newStack(), 'slo', { slo: { availability: 99.9 }, service: 'api', namespace: 'shop', name: 'api-slo', label: {} } as never),
    path: 'shop/slo', field: 'label', value: {}, near: 'labels',
  },
  { object: 'ServiceDashboardProps', run: () => new ServiceDashboard(newStack(), 'd', { target: alertTarget, service: 'api', contaner: 'api' } as never), path: 'shop/d', field: 'contaner', value: 'api', near: 'container' },
  // Platform.
  { object: 'TeamNamespaceProps', run: () => new TeamNamespace(newStack(), 'ns', { team: 'shop', qouta: 'small' } as never), path: 'shop/ns', field: 'qouta', value: 'small', near: 'quota' },
  { object: 'TeamGroups', run: () => new TeamNamespace(newStack(), 'ns', { team: 'shop', groups: { viewer: ['devs'] } } as never), path: 'shop/ns', field: 'groups.viewer', value: ['devs'], near: 'view' },
  { object: 'TeamProps', run: () => new Team(newStack(), 'shop', { namespace: {} } as never), path: 'shop/shop', field: 'namespace', value: {}, near: 'namespaces' },
  { object: 'TeamNamespaceOptions', run: () => new Team(newStack(), 'shop', { namespaces: { 'shop-dev': { deplyer: false } } } as never), path: 'shop/shop', field: 'namespaces.shop-dev.deplyer', value: false, near: 'deployer' },
  { object: 'ArgoCdAppsProps', run: () => new ArgoCdApps(newStack(), 'argo', { repo: 'https://git.example.com/acme/deploy.git', revison: 'main' } as never), path: 'shop/argo', field: 'revison', value: 'main', near: 'revision' },
  { object: 'BlueGreenServiceProps', run: () => new BlueGreenService(newStack(), 'api', { ...ok, rollout: { strategy: 'blue-green', active: 'blue' }, replcias: 2 } as never), path: 'shop/api', field: 'replcias', value: 2, near: 'replicas' },
  { object: 'BlueGreenRollout', run: () => new BlueGreenService(newStack(), 'api', { ...ok, rollout: { strategy: 'blue-green', activ: 'blue' } } as never), path: 'shop/api', field: 'rollout.activ', value: 'blue', near: 'active' },
  { object: 'RolloutServiceProps', run: () => new RolloutService(newStack(), 'api', { ...ok, rolout: { strategy: 'blue-green' } } as never), path: 'shop/api', field: 'rolout', value: { strategy: 'blue-green' }, near: 'rollout' },
  { object: 'RolloutBlueGreen', run: () => new RolloutService(newStack(), 'api', { ...ok, rollout: { strategy: 'blue-green', autoPromot: true } } as never), path: 'shop/api', field: 'rollout.autoPromot', value: true, near: 'autoPromote' },
  { object: 'RolloutCanary', run: () => new RolloutService(newStack(), 'api', { ...ok, rollout: { strategy: 'canary', step: [] } } as never), path: 'shop/api', field: 'rollout.step', value: [], near: 'steps' },
  { object: 'CanaryStep', run: () => new RolloutService(newStack(), 'api', { ...ok, rollout: { strategy: 'canary', steps: [{ wieght: 20 }] } } as never), path: 'shop/api', field: 'rollout.steps[0].wieght', value: 20, near: 'weight' },
  { object: 'AppSecretProps', run: () => new AppSecret(newStack(), 's', { seald: {} } as never), path: 'shop/s', field: 'seald', value: {}, near: 'sealed' },
  { object: 'ExternalSecretSource', run: () => new AppSecret(newStack(), 's', { externalSecret: { store: 'vault', key: {} } } as never), path: 'shop/s', field: 'externalSecret.key', value: {}, near: 'keys' },
  { object: 'RemoteKey', run: () => new AppSecret(newStack(), 's', { externalSecret: { store: 'vault', keys: { token: { remoteKey: 'k', propety: 'p' } } } } as never), path: 'shop/s', field: 'externalSecret.keys.token.propety', value: 'p', near: 'property' },
  { object: 'SealedSecretSource', run: () => new AppSecret(newStack(), 's', { sealed: { encryptedDta: {} } } as never), path: 'shop/s', field: 'sealed.encryptedDta', value: {}, near: 'encryptedData' },
  // GPUs and ml.
  { object: 'GpuProps', run: () => new Job(newStack(), 'j', { image: 'acme/j:v1', gpu: { count: 1, prodcut: 'NVIDIA-L4' } } as never), path: 'shop/j', field: 'gpu.prodcut', value: 'NVIDIA-L4', near: 'product' },
  { object: 'GpuClusterProfile', run: () => defineEnvironment(production, { name: 'gke', gpu: { gpusPerNod: 4 } } as never), path: 'defineEnvironment("gke")', field: 'gpu.gpusPerNod', value: 4, near: 'gpusPerNode' },
  {
    object: 'GpuClusterProfile.timeSlicing',
    run: () => new Stack(new App(), 'shop', { env: { ...production, gpu: { timeSlicing: { replicas: 4, renameByDefualt: true } } } } as never),
    path: 'shop', field: 'env.gpu.timeSlicing.renameByDefualt', value: true, near: 'renameByDefault',
  },
  { object: 'ResourceFlavorProps', run: () => new ResourceFlavor(newStack(), 'a100', { nodeLabel: {} } as never), path: 'shop/a100', field: 'nodeLabel', value: {}, near: 'nodeLabels' },
  { object: 'ClusterQueueProps', run: () => new ClusterQueue(newStack(), 'cq', { quotas: [{ flavor: 'a100', gpus: 8 }], cohrt: 'ml' } as never), path: 'shop/cq', field: 'cohrt', value: 'ml', near: 'cohort' },
  { object: 'FlavorQuota', run: () => new ClusterQueue(newStack(), 'cq', { quotas: [{ flavor: 'a100', gpuz: 8 }] } as never), path: 'shop/cq', field: 'quotas[0].gpuz', value: 8, near: 'gpus' },
  { object: 'LocalQueueProps', run: () => new LocalQueue(newStack(), 'lq', { clusterQueu: 'gpus' } as never), path: 'shop/lq', field: 'clusterQueu', value: 'gpus', near: 'clusterQueue' },
  { object: 'TrainingJobProps', run: () => new TrainingJob(newStack(), 'train', { ...training, node: 2 } as never), path: 'shop/train', field: 'node', value: 2, near: 'nodes' },
  { object: 'NcclProps', run: () => new TrainingJob(newStack(), 'train', { ...training, nccl: { debgu: 'INFO' } } as never), path: 'shop/train', field: 'nccl.debgu', value: 'INFO', near: 'debug' },
  { object: 'CheckpointProps', run: () => new TrainingJob(newStack(), 'train', { ...training, checkpoints: { claim: 'ckpt', pth: '/ckpt' } } as never), path: 'shop/train', field: 'checkpoints.pth', value: '/ckpt', near: 'path' },
  {
    object: 'ElasticProps',
    run: () => new TrainingJob(newStack(), 'train', { ...training, backend: 'pytorchjob', elastic: { minNodes: 1, maxNode: 4 } } as never),
    path: 'shop/train', field: 'elastic.maxNode', value: 4, near: 'maxNodes',
  },
  { object: 'ModelServerProps', run: () => new ModelServer(newStack(), 'llm', { ...model, tensorParalel: 1 } as never), path: 'shop/llm', field: 'tensorParalel', value: 1, near: 'tensorParallel' },
  { object: 'ModelServerEngine', run: () => new ModelServer(newStack(), 'llm', { ...model, engine: { ...VLLM, readyPth: '/ready' } } as never), path: 'shop/llm', field: 'engine.readyPth', value: '/ready', near: 'readyPath' },
  { object: 'ModelCacheProps', run: () => new ModelServer(newStack(), 'llm', { ...model, cache: { szie: '100Gi' } } as never), path: 'shop/llm', field: 'cache.szie', value: '100Gi', near: 'size' },
  {
    object: 'ExternalTokenProps',
    run: () => new ModelServer(newStack(), 'llm', { ...model, huggingFaceToken: { externalSecret: { store: 'vault', remoteKey: 'ml/hf' }, secret: 'hf' } } as never),
    path: 'shop/llm', field: 'huggingFaceToken.secret', value: 'hf',
  },
  {
    object: 'ExternalTokenProps.externalSecret',
    run: () => new ModelServer(newStack(), 'llm', { ...model, huggingFaceToken: { externalSecret: { store: 'vault', remotKey: 'ml/hf' } } } as never),
    path: 'shop/llm', field: 'huggingFaceToken.externalSecret.remotKey', value: 'ml/hf', near: 'remoteKey',
  },
  { object: 'InferenceGroupProps', run: () => new InferenceGroup(newStack(), 'group', { image: 'acme/llm:v1', groupSize: 2, port: 8000, replica: 2 } as never), path: 'shop/group', field: 'replica', value: 2, near: 'replicas' },
  { object: 'GroupRoleProps', run: () => new InferenceGroup(newStack(), 'group', { image: 'acme/llm:v1', groupSize: 2, port: 8000, worker: { arg: ['--worker'] } } as never), path: 'shop/group', field: 'worker.arg', value: ['--worker'], near: 'args' },
  // Service mesh.
  { object: 'IstioMeshOptions', run: () => Mesh.istio({ revison: '1-22' } as never), path: 'Mesh.istio', field: 'revison', value: '1-22', near: 'revision' },
  { object: 'LinkerdMeshOptions', run: () => Mesh.linkerd({ trustDomian: 'example.org' } as never), path: 'Mesh.linkerd', field: 'trustDomian', value: 'example.org', near: 'trustDomain' },
  {
    object: 'MeshIdentityRef',
    run: () => Mesh.linkerd({ ingressController: { namespace: 'ingress-nginx', serviceAcount: 'nginx' } } as never),
    path: 'Mesh.linkerd', field: 'ingressController.serviceAcount', value: 'nginx', near: 'serviceAccount',
  },
  { object: 'MeshIngressGateway', run: () => Mesh.istio({ ingressGateway: { selecter: { istio: 'gw' } } } as never), path: 'Mesh.istio', field: 'ingressGateway.selecter', value: { istio: 'gw' }, near: 'selector' },
  { object: 'MeshProfile', run: () => new Stack(new App(), 'shop', { env: production, mesh: { ...Mesh.istio(), trustDomian: 'x' } } as never), path: 'shop', field: 'mesh.trustDomian', value: 'x', near: 'trustDomain' },
  { object: 'ProxyResourceOptions', run: () => Mesh.istio({ proxyResources: { limts: { cpu: '1' } } } as never), path: 'Mesh.istio', field: 'proxyResources.limts', value: { cpu: '1' }, near: 'limits' },
  { object: 'ProxyAmounts', run: () => Mesh.linkerd({ proxyResources: { requests: { cpus: '1' } } } as never), path: 'Mesh.linkerd', field: 'proxyResources.requests.cpus', value: '1', near: 'cpu' },
  {
    object: 'MeshProxyResources',
    run: () => new Stack(new App(), 'shop', { env: production, mesh: { ...Mesh.linkerd(), proxyResources: { request: {} } } } as never),
    path: 'shop', field: 'mesh.proxyResources.request', value: {}, near: 'requests',
  },
  { object: 'CanaryProps', run: () => meshed().canary({ image: 'acme/api:v1.1.0', wieght: 10 } as never), path: 'shop/api/canary', field: 'canary.wieght', value: 10, near: 'weight' },
  { object: 'TrafficProps', run: () => meshed().traffic({ timout: '5s' } as never), path: 'shop/api/traffic', field: 'traffic.timout', value: '5s', near: 'timeout' },
  { object: 'RetryProps', run: () => meshed().traffic({ retries: { attempts: 2, perTryTimout: '1s' } } as never), path: 'shop/api/traffic', field: 'traffic.retries.perTryTimout', value: '1s', near: 'perTryTimeout' },
  {
    object: 'OutlierDetectionProps',
    run: () => meshed().traffic({ outlierDetection: { consecutiveErrors: 5, ejectionTme: '30s' } } as never),
    path: 'shop/api/traffic', field: 'traffic.outlierDetection.ejectionTme', value: '30s', near: 'ejectionTime',
  },
  { object: 'ConnectionPoolProps', run: () => meshed().traffic({ connectionPool: { maxConection: 10 } } as never), path: 'shop/api/traffic', field: 'traffic.connectionPool.maxConection', value: 10, near: 'maxConnections' },
  {
    object: 'HttpRule',
    run: () => {
      const stack = newStack();
      return new WebService(stack, 'web', ok).allowTo(new WebService(stack, 'api', ok), { http: { metods: ['GET'] } } as never);
    },
    path: 'shop/web', field: 'allowTo.http.metods', value: ['GET'], near: 'methods',
  },
];

describe('a misspelt key at any level names path, field, value, rule and the key meant', () => {
  it(`covers ${cases.length} prop objects`, () => expect(cases.length).toBeGreaterThanOrEqual(50));
  for (const c of cases) {
    it(c.object, () => {
      let error: unknown;
      try {
        c.run();
      } catch (e) {
        error = e;
      }
      expect(error, 'expected a KeelsonError').toBeInstanceOf(KeelsonError);
      const e = error as KeelsonError;
      expect({ path: e.path, field: e.field, value: e.value }).toEqual({ path: c.path, field: c.field, value: c.value });
      expect(e.rule).toMatch(/^is not a known prop/);
      if (c.near) expect(e.hint).toBe(`Did you mean "${c.near}"?`);
      else expect(e.hint).toMatch(/^Known props: /);
    });
  }
});

describe('the presets are valid prop objects', () => {
  it('every environment profile passes the checks a Stack makes', () => {
    for (const env of [dev, production, staging]) expect(() => new Stack(new App(), 'shop', { env })).not.toThrow();
  });
});
