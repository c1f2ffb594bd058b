import { App } from 'cdk8s';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { production, staging } from '../presets/index.js';
import {
  CronJob,
  defineEnvironment,
  ExternalSecret,
  HorizontalAutoscaler,
  Job,
  KeelsonError,
  MySql,
  Peer,
  Postgres,
  Redis,
  registerKind,
  Stack,
  StatefulApp,
  waive,
  WebService,
  Worker,
  type EnvironmentProfile,
  type WebServiceProps,
} from '../src/index.js';
import { newStack } from './support/app.js';

const image = 'acme/api:v1.0.0';
const ok: WebServiceProps = { image, port: 8080 };
const creds = { credentials: { secret: 'db-credentials' } };
const web = (props: Record<string, unknown>) => () => new WebService(newStack(), 'api', { ...ok, ...props } as WebServiceProps);
const env = (over: Record<string, unknown>) => () => new Stack(new App(), 'shop', { env: { ...production, ...over } as EnvironmentProfile });

/** The error `run` throws, as a KeelsonError. */
function errorOf(run: () => unknown): KeelsonError {
  try {
    run();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(KeelsonError);
    return e as KeelsonError;
  }
  throw new Error('expected an error, got none');
}

/** Values the API server, the kubelet or an admission plugin refuses (or silently changes), and settings that contradict each other. */
const cases: { title: string; run: () => unknown; path: string; field: string; value: unknown; rule: string }[] = [
  // Environment profiles (a Stack checks the profile it is given).
  { title: 'environment name with upper case', run: env({ name: 'Prod' }), path: 'shop', field: 'env.name', value: 'Prod', rule: 'is not a valid environment name' },
  { title: 'environment replicas 0', run: env({ replicas: 0 }), path: 'shop', field: 'env.replicas', value: 0, rule: 'must be a whole number from 1' },
  { title: 'autoscaling floor above cap', run: env({ autoscaling: { enabled: true, minReplicasFloor: 5, maxReplicasCap: 3 } }), path: 'shop', field: 'env.autoscaling.minReplicasFloor', value: 5, rule: 'is greater than env.autoscaling.maxReplicasCap (3)' },
  { title: 'autoscaling enabled not boolean', run: env({ autoscaling: { enabled: 'yes' } }), path: 'shop', field: 'env.autoscaling.enabled', value: 'yes', rule: 'must be true or false' },
  { title: 'autoscaling cap 0', run: env({ autoscaling: { enabled: true, maxReplicasCap: 0 } }), path: 'shop', field: 'env.autoscaling.maxReplicasCap', value: 0, rule: 'must be a whole number from 1' },
  { title: 'default size unknown', run: env({ defaultSize: 'huge' }), path: 'shop', field: 'env.defaultSize', value: 'huge', rule: 'is not a size preset' },
  { title: 'size shift fraction', run: env({ sizeShift: 0.5 }), path: 'shop', field: 'env.sizeShift', value: 0.5, rule: 'must be a whole number from' },
  { title: 'preStop seconds negative', run: env({ preStopSeconds: -1 }), path: 'shop', field: 'env.preStopSeconds', value: -1, rule: 'must be a whole number of seconds >= 0' },
  { title: 'ingress class with upper case', run: env({ ingressClassName: 'NGINX' }), path: 'shop', field: 'env.ingressClassName', value: 'NGINX', rule: 'is not a valid IngressClass name' },
  { title: 'cert issuer with space', run: env({ certIssuer: 'lets encrypt' }), path: 'shop', field: 'env.certIssuer', value: 'lets encrypt', rule: 'is not a valid ClusterIssuer name' },
  { title: 'monitoring namespace invalid', run: env({ networkPolicies: { ...production.networkPolicies, monitoringNamespace: 'Monitoring' } }), path: 'shop', field: 'env.networkPolicies.monitoringNamespace', value: 'Monitoring', rule: 'is not a valid namespace name' },
  { title: 'default deny not boolean', run: env({ networkPolicies: { ...production.networkPolicies, defaultDeny: 1 } }), path: 'shop', field: 'env.networkPolicies.defaultDeny', value: 1, rule: 'must be true or false' },
  { title: 'kubernetes version with patch', run: env({ kubernetesVersion: '1.29.3' }), path: 'shop', field: 'env.kubernetesVersion', value: '1.29.3', rule: 'is not a Kubernetes minor version' },
  { title: 'feature gate lower case', run: env({ featureGates: ['sidecarContainers'] }), path: 'shop', field: 'env.featureGates[0]', value: 'sidecarContainers', rule: 'is not a feature gate name' },
  { title: 'allowLatestTag as string', run: env({ allowLatestTag: 'false' }), path: 'shop', field: 'env.allowLatestTag', value: 'false', rule: 'must be true or false' },
  { title: 'defineEnvironment replicas fraction', run: () => defineEnvironment(staging, { name: 'eu', replicas: 1.5 }), path: 'defineEnvironment("eu")', field: 'replicas', value: 1.5, rule: 'must be a whole number from 1' },
  { title: 'defineEnvironment name invalid', run: () => defineEnvironment(staging, { name: 'EU West' }), path: 'defineEnvironment("EU West")', field: 'name', value: 'EU West', rule: 'is not a valid environment name' },
  // Stacks.
  { title: 'stack in kube-system', run: () => new Stack(new App(), 'sys', { env: production, namespace: 'kube-system' }), path: 'sys', field: 'namespace', value: 'kube-system', rule: 'is a system namespace' },
  { title: 'createNamespace as string', run: () => new Stack(new App(), 'shop', { env: production, createNamespace: 'no' as never }), path: 'shop', field: 'createNamespace', value: 'no', rule: 'must be true or false' },
  // Probes.
  { title: 'probe with two handlers', run: web({ health: { live: { http: '/h', tcp: true } } }), path: 'shop/api', field: 'health.live.tcp', value: true, rule: 'is set together with health.live.http' },
  { title: 'probe scheme lower case', run: web({ health: { live: { http: '/h', scheme: 'https' } } }), path: 'shop/api', field: 'health.live.scheme', value: 'https', rule: 'must be "HTTP" or "HTTPS"' },
  { title: 'probe path with space', run: web({ health: { ready: '/rea dy' } }), path: 'shop/api', field: 'health.ready.http', value: '/rea dy', rule: 'without spaces' },
  { title: 'probe on an undeclared port number', run: web({ health: { live: { http: '/h', port: 9999 } } }), path: 'shop/api', field: 'health.live.port', value: 9999, rule: 'is not a port the container declares' },
  { title: 'probe on an undeclared port name', run: web({ health: { live: { tcp: 'admin' } } }), path: 'shop/api', field: 'health.live.tcp', value: 'admin', rule: 'is not a port the container declares' },
  { title: 'grpc probe on an undeclared port', run: web({ protocol: 'grpc', health: { live: { grpc: true, port: 9000 } } }), path: 'shop/api', field: 'health.live.port', value: 9000, rule: 'is not a port the container declares' },
  { title: 'sidecar probe on the main container port', run: web({ sidecars: [{ name: 'proxy', image, ports: [{ containerPort: 15000 }], health: { live: { tcp: 8080 } } }] }), path: 'shop/api', field: 'sidecars[0].health.live.tcp', value: 8080, rule: 'is not a port the container declares' },
  { title: 'startup and slowStart together', run: web({ health: { startup: { tcp: true }, slowStart: '2m' } }), path: 'shop/api', field: 'health.slowStart', value: '2m', rule: 'is set together with health.startup' },
  { title: 'probe given as a list', run: web({ health: { live: ['/h'] } }), path: 'shop/api', field: 'health.live', value: ['/h'], rule: 'is not a probe' },
  // Ingress and Service.
  { title: 'ingress host is an IPv4 address', run: web({ ingress: { host: '203.0.113.10' } }), path: 'shop/api', field: 'ingress.host', value: '203.0.113.10', rule: 'is an IP address' },
  { title: 'ingress path with //', run: web({ ingress: { host: 'shop.example.com', path: '/api//v1' } }), path: 'shop/api', field: 'ingress.path', value: '/api//v1', rule: 'must not contain "//"' },
  { title: 'ingress path with /../', run: web({ ingress: { host: 'shop.example.com', path: '/api/../admin' } }), path: 'shop/api', field: 'ingress.path', value: '/api/../admin', rule: 'must not contain "/../"' },
  { title: 'ingress path ending in /.', run: web({ ingress: { host: 'shop.example.com', path: '/api/.' } }), path: 'shop/api', field: 'ingress.path', value: '/api/.', rule: 'must not contain "/."' },
  { title: 'ingress path with encoded slash', run: web({ ingress: { host: 'shop.example.com', path: '/a%2Fb' } }), path: 'shop/api', field: 'ingress.path', value: '/a%2Fb', rule: 'must not contain "%2F"' },
  { title: 'ingress tls as a string', run: web({ ingress: { host: 'shop.example.com', tls: 'yes' } }), path: 'shop/api', field: 'ingress.tls', value: 'yes', rule: 'must be true, false or { issuer?, secretName? }' },
  { title: 'two ports on one Service port', run: web({ ports: [{ containerPort: 9090, servicePort: 80 }] }), path: 'shop/api', field: 'ports[0].servicePort', value: 80, rule: 'is also the Service port of the main port (port)' },
  { title: 'extra port on the main port number', run: web({ ports: [{ containerPort: 8080, name: 'admin' }] }), path: 'shop/api', field: 'ports[0].containerPort', value: 8080, rule: 'is also the port of the main port (port)' },
  // Pod, scheduling and security.
  { title: 'system priority class', run: web({ priorityClassName: 'system-cluster-critical' }), path: 'shop/api', field: 'priorityClassName', value: 'system-cluster-critical', rule: 'is reserved for pods in kube-system' },
  { title: 'sub-millicore CPU', run: web({ resources: { requests: { cpu: '0.0005' } } }), path: 'shop/api', field: 'resources.requests.cpu', value: '0.0005', rule: 'has a fraction of a millicore' },
  { title: 'shm above the memory limit', run: () => new Job(newStack(), 'train', { image, shm: '2Gi', resources: { limits: { memory: '1Gi' } } }), path: 'shop/train', field: 'shm', value: '2Gi', rule: 'is not below the memory limit 1Gi' },
  { title: 'writable root with writablePaths', run: web({ security: { writableRootFilesystem: { reason: 'legacy app writes everywhere' }, writablePaths: ['/cache'] } }), path: 'shop/api', field: 'security.writablePaths', value: ['/cache'], rule: 'is set together with security.writableRootFilesystem' },
  { title: 'writable root opt-out misspelt', run: web({ security: { writableRootFilesystem: { reson: 'legacy app writes everywhere' } } }), path: 'shop/api', field: 'security.writableRootFilesystem.reson', value: 'legacy app writes everywhere', rule: 'is not a known prop' },
  { title: 'writable path twice', run: web({ security: { writablePaths: ['/tmp', '/cache', '/cache/'] } }), path: 'shop/api', field: 'security.writablePaths[2]', value: '/cache/', rule: 'is also security.writablePaths[1]' },
  { title: 'env secret optional as string', run: web({ env: { A: { secret: 's', key: 'k', optional: 'yes' } } }), path: 'shop/api', field: 'env.A.optional', value: 'yes', rule: 'must be true or false' },
  { title: 'env config map optional as number', run: web({ env: { A: { configMap: 'cfg', key: 'k', optional: 1 } } }), path: 'shop/api', field: 'env.A.optional', value: 1, rule: 'must be true or false' },
  { title: 'CPU resource with a memory divisor', run: web({ env: { CPUS: { resource: 'requests.cpu', divisor: '1Mi' } } }), path: 'shop/api', field: 'env.CPUS.divisor', value: '1Mi', rule: 'is not a CPU divisor, but env.CPUS.resource is "requests.cpu"' },
  // Stateful apps.
  { title: 'stateful storage mount path relative', run: () => new StatefulApp(newStack(), 's', { image, storage: { data: { mountPath: 'data', size: '1Gi' } } }), path: 'shop/s', field: 'storage.data.mountPath', value: 'data', rule: 'must be an absolute path' },
  { title: 'stateful storage as a list', run: () => new StatefulApp(newStack(), 's', { image, storage: [] as never }), path: 'shop/s', field: 'storage', value: [], rule: 'must be a map of volume names' },
  // Autoscaler and disruption budget constructs.
  { title: 'autoscaler min = max', run: () => new HorizontalAutoscaler(newStack(), 'hpa', { target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, range: { min: 3, max: 3 }, metadata: {} }), path: 'shop/hpa', field: 'range.max', value: 3, rule: 'must be a whole number greater than range.min (3)' },
  { title: 'autoscaler min 0', run: () => new HorizontalAutoscaler(newStack(), 'hpa', { target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, range: { min: 0, max: 3 }, metadata: {} }), path: 'shop/hpa', field: 'range.min', value: 0, rule: 'must be a whole number from 1' },
  { title: 'autoscaler memory target 0', run: () => new HorizontalAutoscaler(newStack(), 'hpa', { target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, range: { min: 1, max: 3 }, targets: { memory: 0 }, metadata: {} }), path: 'shop/hpa', field: 'targets.memory', value: 0, rule: 'must be a whole percentage from 1 to 100' },
  { title: 'disruption with both settings', run: web({ replicas: 3, disruption: { maxUnavailable: 1, minAvailable: 1 } }), path: 'shop/api', field: 'disruption.minAvailable', value: 1, rule: 'is set together with disruption.maxUnavailable (1)' },
  // Databases.
  { title: 'database credentials from two sources', run: () => new Postgres(newStack(), 'db', { credentials: { secret: 'db', externalSecret: { store: 'vault', remoteKey: 'db' } } as never }), path: 'shop/db', field: 'credentials.externalSecret', value: { store: 'vault', remoteKey: 'db' }, rule: 'is set together with credentials.secret' },
  { title: 'external secret property of an unknown credential', run: () => new MySql(newStack(), 'db', { credentials: { externalSecret: { store: 'vault', remoteKey: 'db', properties: { root: 'r' } } } as never }), path: 'shop/db', field: 'credentials.externalSecret.properties.root', value: 'r', rule: 'is not a MySQL credential' },
  { title: 'database metrics as string', run: () => new Redis(newStack(), 'cache', { ...creds, metrics: 'on' as never }), path: 'shop/cache', field: 'metrics', value: 'on', rule: 'must be true or false' },
  { title: 'backup minute 99', run: () => new Postgres(newStack(), 'db', { ...creds, backup: { schedule: '99 3 * * *' } }), path: 'shop/db', field: 'backup.schedule', value: '99 3 * * *', rule: 'minute' },
  { title: 'backup schedule with TZ prefix', run: () => new Postgres(newStack(), 'db', { ...creds, backup: { schedule: 'TZ=UTC 0 3 * * *' } }), path: 'shop/db', field: 'backup.schedule', value: 'TZ=UTC 0 3 * * *', rule: 'must not contain TZ or CRON_TZ' },
  // Connections and peers.
  { title: 'CIDR except not a list', run: () => Peer.cidr('10.0.0.0/8', { except: '10.1.0.0/16' as never }), path: 'Peer.cidr("10.0.0.0/8")', field: 'options.except', value: '10.1.0.0/16', rule: 'must be a list of CIDR blocks' },
  { title: 'connection options not an object', run: () => new WebService(newStack(), 'api', ok).allowFrom(Peer.monitoring(), 'metrics' as never), path: 'shop/api', field: 'allowFrom options', value: 'metrics', rule: 'must be an object' },
  // ExternalSecret L1 and kind definitions.
  { title: 'external secret target misspelt', run: () => new ExternalSecret(newStack(), 'es', { spec: { secretStoreRef: { name: 'vault' }, target: { creationPolicy: 'Owner', deletionPolicyy: 'Retain' } } } as never), path: 'shop/es', field: 'spec.target.deletionPolicyy', value: 'Retain', rule: 'is not a known prop' },
  { title: 'kind reference misspelt', run: () => registerKind(new App(), { group: 'example.com', kind: 'Widget', versions: ['v1'], refersTo: [{ field: 'spec.ref', defaultkind: 'Service' }] } as never), path: '(app)', field: 'registerKind.refersTo[0].defaultkind', value: 'Service', rule: 'is not a known prop' },
  // Waivers.
  { title: 'waiver without a reason', run: () => waive(new WebService(newStack(), 'api', ok), 'missing-pdb', 'no'), path: 'shop/api', field: 'waive missing-pdb reason', value: 'no', rule: 'must explain the waiver' },
  { title: 'waiver of a rule id in capitals', run: () => waive(new WebService(newStack(), 'api', ok), 'Missing-PDB', 'the platform team owns budgets'), path: 'shop/api', field: 'waive rule', value: 'Missing-PDB', rule: 'is not a rule id' },
  // Jobs.
  { title: 'cron job time zone misspelt in schedule', run: () => new CronJob(newStack(), 'c', { image, schedule: 'CRON_TZ=UTC 0 3 * * *' }), path: 'shop/c', field: 'schedule', value: 'CRON_TZ=UTC 0 3 * * *', rule: 'must not contain TZ or CRON_TZ' },
  { title: 'worker probe port name undeclared', run: () => new Worker(newStack(), 'w', { image, ports: [{ containerPort: 9000, name: 'jobs' }], health: { ready: { http: '/ready', port: 'http' } } }), path: 'shop/w', field: 'health.ready.port', value: 'http', rule: 'is not a port the container declares' },
];

describe('values the cluster refuses, and contradictions, are errors naming path, field, value and rule', () => {
  it(`has at least 60 cases (${cases.length})`, () => expect(cases.length).toBeGreaterThanOrEqual(60));
  for (const c of cases) {
    it(c.title, () => {
      const e = errorOf(c.run);
      expect({ path: e.path, field: e.field, value: e.value }).toEqual({ path: c.path, field: c.field, value: c.value });
      expect(e.rule).toContain(c.rule);
      expect(e.message.startsWith(`${c.path}: ${c.field} `), e.message).toBe(true);
    });
  }
});

describe('properties', () => {
  const misspelling = fc
    .tuple(fc.constantFrom('image', 'replicas', 'autoscale', 'ingress', 'health', 'resources', 'security', 'volumes', 'mounts', 'tolerations', 'sidecars', 'preStop'), fc.nat(), fc.constantFrom('x', 'z', 'q'))
    .map(([key, at, extra]) => {
      const i = at % (key.length + 1);
      return key.slice(0, i) + extra + key.slice(i);
    });

  it('a top-level key with one letter too many is rejected and the intended key suggested', () => {
    fc.assert(
      fc.property(misspelling, (key) => {
        const e = errorOf(web({ [key]: 1 }));
        expect([e.path, e.field, e.value, e.rule]).toEqual(['shop/api', key, 1, 'is not a known prop']);
        expect(e.hint).toMatch(/^Did you mean "/);
      }),
      { numRuns: 25 },
    );
  });

  it('a probe port that the container does not declare is rejected; the declared one is accepted', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1024, max: 65535 }).filter((p) => p !== 8080), (port) => {
        const e = errorOf(web({ health: { live: { http: '/health', port } } }));
        expect([e.field, e.value, e.rule]).toEqual(['health.live.port', port, 'is not a port the container declares']);
        expect(() => web({ ports: [{ containerPort: port, name: 'admin' }], health: { live: { http: '/health', port } } })()).not.toThrow();
      }),
      { numRuns: 15 },
    );
  });

  it('an autoscaling floor above the cap is rejected, naming both', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 }), (floor, cap) => {
        const run = () => defineEnvironment(staging, { name: 'eu', autoscaling: { minReplicasFloor: floor, maxReplicasCap: cap } });
        if (floor <= cap) expect(run).not.toThrow();
        else expect([errorOf(run).field, errorOf(run).rule]).toEqual(['autoscaling.minReplicasFloor', `is greater than autoscaling.maxReplicasCap (${cap})`]);
      }),
      { numRuns: 40 },
    );
  });

  it('CPU quantities in cores are accepted exactly when they are whole millicores', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99_999 }), fc.constantFrom(1, 10), (n, scale) => {
        const cpu = (n / (1000 * scale)).toString();
        const run = web({ resources: { requests: { cpu }, limits: { cpu: '100' } } });
        if (Number.isInteger(n / scale)) expect(run).not.toThrow();
        else expect([errorOf(run).field, errorOf(run).rule]).toEqual(['resources.requests.cpu', 'has a fraction of a millicore']);
      }),
      { numRuns: 30 },
    );
  });

  it('Ingress hosts made of digits and dots are rejected as IP addresses', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 2, maxLength: 4 }), (parts) => {
        const host = parts.join('.');
        const e = errorOf(web({ ingress: { host } }));
        expect([e.field, e.value]).toEqual(['ingress.host', host]);
      }),
      { numRuns: 20 },
    );
  });
});
