import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { production, staging } from '../presets/index.js';
import { ChecksFailedError, loadManifestFolder, parseManifests, RULES, validateSchema, waive } from '../src/core/checks/index.js';
import { runChecks, synth } from '../src/app.js';
import { KindRegistry } from '../src/core/kinds.js';
import { generatedModel } from '../src/imports/crd-models.js';
import { readTree } from '../src/core/synth.js';
import { Stack } from '../src/core/stack.js';
import { WebService } from '../src/workloads/web-service.js';

const goodPod = () => ({
  metadata: { labels: { app: 'web' } },
  spec: {
    serviceAccountName: 'web',
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'web',
        image: 'nginx:1.27',
        ports: [{ name: 'http', containerPort: 8080 }],
        resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } },
        readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
        livenessProbe: { httpGet: { path: '/health', port: 'http' } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      },
    ],
  },
});
const deployment = (mutate: (d: any) => void = () => {}) => {
  const d: any = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'demo' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: goodPod() } };
  mutate(d);
  return d;
};
const container = (mutate: (c: any) => void) => deployment((d) => mutate(d.spec.template.spec.containers[0]));
const pod = (mutate: (p: any) => void) => deployment((d) => mutate(d.spec.template.spec));
const service = (spec: any) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'demo' }, spec });
const check = (...objects: any[]) => runChecks(objects.map((json, i) => ({ json, path: `test#${i}` })));

describe('a valid workload', () => {
  it('has no error and only the isolation warning', () => {
    const findings = check(deployment(), service({ selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] }));
    expect(findings.map((f) => f.rule)).toEqual(['missing-network-policy']);
  });
});

/** Bad objects: each must produce a finding of the rule, with a message containing the text. */
const BAD_OBJECTS: [string, any[], string, string][] = [
  ['misspelled field', [container((c) => (c.imagePullPolciy = 'Always'))], 'schema-unknown-field', 'spec.template.spec.containers[0].imagePullPolciy'],
  ['unknown top-level field', [deployment((d) => (d.specs = {}))], 'schema-unknown-field', 'specs'],
  ['string replicas', [deployment((d) => (d.spec.replicas = '3'))], 'schema-invalid', 'is "3", must be integer'],
  ['string containerPort', [container((c) => (c.ports[0].containerPort = '8080'))], 'schema-invalid', 'must be integer'],
  ['missing selector', [deployment((d) => delete d.spec.selector)], 'schema-invalid', 'is required'],
  ['missing container name', [container((c) => delete c.name)], 'schema-invalid', 'is required'],
  ['label value not a string', [deployment((d) => (d.metadata.labels = { version: 2 }))], 'schema-invalid', 'must be string'],
  ['ConfigMap boolean value', [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { on: true } }], 'schema-invalid', 'must be string'],
  ['removed API', [{ apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget', metadata: { name: 'p' }, spec: {} }], 'api-not-served', 'not served by Kubernetes 1.28'],
  ['extensions Deployment', [deployment((d) => (d.apiVersion = 'extensions/v1beta1'))], 'api-not-served', 'extensions/v1beta1 Deployment'],
  ['no kind', [{ apiVersion: 'v1', metadata: { name: 'x' } }], 'schema-type-meta', 'is missing'],
  ['no apiVersion', [{ kind: 'ConfigMap', metadata: { name: 'x' } }], 'schema-type-meta', 'is missing'],
  ['ExternalSecret v1beta1', [{ apiVersion: 'external-secrets.io/v1beta1', kind: 'ExternalSecret', metadata: { name: 'e' }, spec: {} }], 'api-not-served', 'served: v1'],
  ['ExternalSecret without secretKey', [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'e' }, spec: { secretStoreRef: { name: 's', kind: 'SecretStore' }, data: [{ remoteRef: { key: 'k' } }] } }], 'schema-invalid', 'spec.data[0].secretKey'],
  ['invalid name', [deployment((d) => (d.metadata.name = 'Bad_Name'))], 'invalid-name', '"Bad_Name" is not a valid DNS-1123 subdomain'],
  ['dotted Service name', [service({ ports: [{ port: 80 }] }), { ...service({ ports: [{ port: 80 }] }), metadata: { name: 'a.b' } }], 'invalid-name', 'DNS-1123 label'],
  ['invalid label value', [deployment((d) => (d.metadata.labels = { tier: '-front' }))], 'invalid-label', 'value "-front"'],
  ['invalid label key', [deployment((d) => (d.metadata.labels = { 'a/b/c': 'x' }))], 'invalid-label', 'key "a/b/c"'],
  ['duplicate object', [deployment(), deployment()], 'duplicate-object', 'is also the name of the Deployment at test#0'],
  ['privileged', [container((c) => (c.securityContext.privileged = true))], 'pss-privileged', 'runs privileged'],
  ['privilege escalation unset', [container((c) => delete c.securityContext.allowPrivilegeEscalation)], 'pss-privilege-escalation', 'may escalate privileges (not set)'],
  ['capabilities not dropped', [container((c) => delete c.securityContext.capabilities)], 'pss-capabilities', 'does not drop ALL'],
  ['SYS_ADMIN added', [container((c) => (c.securityContext.capabilities.add = ['SYS_ADMIN']))], 'pss-capabilities', 'adds capability "SYS_ADMIN"'],
  ['hostNetwork', [pod((p) => (p.hostNetwork = true))], 'pss-host-namespaces', 'spec.template.spec.hostNetwork'],
  ['hostPID', [pod((p) => (p.hostPID = true))], 'pss-host-namespaces', 'hostPID'],
  ['hostIPC', [pod((p) => (p.hostIPC = true))], 'pss-host-namespaces', 'hostIPC'],
  ['hostPath volume', [pod((p) => (p.volumes = [{ name: 'root', hostPath: { path: '/' } }]))], 'pss-host-path', 'mounts the host path "/"'],
  ['nfs volume', [pod((p) => (p.volumes = [{ name: 'n', nfs: { server: 'x', path: '/' } }]))], 'pss-volume-types', 'has type nfs'],
  ['hostPort', [container((c) => (c.ports[0].hostPort = 80))], 'pss-host-ports', 'binds host port 80'],
  ['runAsNonRoot missing', [pod((p) => delete p.securityContext.runAsNonRoot)], 'pss-run-as-non-root', 'not required to run as non-root'],
  ['runAsUser 0', [container((c) => (c.securityContext.runAsUser = 0))], 'pss-run-as-user', 'runs as root (0)'],
  ['seccomp missing', [pod((p) => delete p.securityContext.seccompProfile)], 'pss-seccomp', 'has no seccomp profile'],
  ['seccomp Unconfined', [pod((p) => (p.securityContext.seccompProfile.type = 'Unconfined'))], 'pss-seccomp', '"Unconfined"'],
  ['SELinux user', [pod((p) => (p.securityContext.seLinuxOptions = { user: 'root' }))], 'pss-selinux', 'custom SELinux'],
  ['procMount', [container((c) => (c.securityContext.procMount = 'Unmasked'))], 'pss-proc-mount', '"Unmasked"'],
  ['unsafe sysctl', [pod((p) => (p.securityContext.sysctls = [{ name: 'kernel.msgmax', value: '1' }]))], 'pss-sysctls', '"kernel.msgmax"'],
  ['AppArmor unconfined', [deployment((d) => (d.spec.template.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/web': 'unconfined' }))], 'pss-apparmor', '"unconfined"'],
  ['HostProcess', [pod((p) => (p.securityContext.windowsOptions = { hostProcess: true }))], 'pss-host-process', 'Windows HostProcess'],
  ['Service selects nothing', [deployment(), service({ selector: { app: 'other' }, ports: [{ port: 80 }] })], 'service-selector-dangling', '{"app":"other"} selects no pods in namespace demo'],
  ['Service targetPort name', [deployment(), service({ selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'grpc' }] })], 'service-target-port', '"grpc" is not a container port name'],
  ['workload selector', [deployment((d) => (d.spec.selector.matchLabels = { app: 'api' }))], 'workload-selector-mismatch', 'does not match the labels of spec.template'],
  ['HPA target', [{ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'demo' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'ghost' }, minReplicas: 2, maxReplicas: 3 } }], 'hpa-target-missing', 'Deployment demo/ghost does not exist'],
  ['PDB selector', [deployment(), { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p', namespace: 'demo' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'x' } } } }], 'pdb-selector-dangling', 'selects no pods in namespace demo'],
  ['NetworkPolicy selector', [deployment(), { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n', namespace: 'demo' }, spec: { podSelector: { matchLabels: { app: 'x' } } } }], 'network-policy-selector-dangling', 'selects no pods'],
  ['Ingress backend', [{ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'demo' }, spec: { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'nosuch', port: { number: 80 } } } }] } }] } }], 'ingress-backend-missing', 'Service demo/nosuch does not exist'],
  ['Ingress backend port', [deployment(), service({ selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }), { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'demo' }, spec: { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'https' } } } }] } }] } }], 'ingress-backend-missing', 'has no port "https"'],
  ['env Secret key', [container((c) => (c.env = [{ name: 'P', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } }])), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'demo' }, stringData: { user: 'u' } }], 'env-key-missing', 'Secret "creds" has no key "password" (keys: user)'],
  ['latest tag', [container((c) => (c.image = 'nginx:latest'))], 'latest-tag', 'uses the mutable tag "latest"'],
  ['untagged image', [container((c) => (c.image = 'nginx'))], 'latest-tag', 'has no tag'],
  ['no cpu at all', [container((c) => { delete c.resources.requests.cpu; delete c.resources.limits.cpu; })], 'missing-requests', 'requests no cpu'],
  ['no resources', [container((c) => delete c.resources)], 'missing-requests', 'requests no cpu or memory'],
  ['no memory limit', [container((c) => delete c.resources.limits.memory)], 'missing-limits', 'has no memory limit'],
  ['no readiness', [container((c) => delete c.readinessProbe)], 'missing-readiness-probe', 'serves ports but has no readiness probe'],
  ['no liveness', [container((c) => delete c.livenessProbe)], 'missing-liveness-probe', 'has no liveness probe'],
  ['same probes', [container((c) => (c.readinessProbe = c.livenessProbe))], 'readiness-equals-liveness', 'same check for readiness and liveness'],
  ['writable root', [container((c) => (c.securityContext.readOnlyRootFilesystem = false))], 'read-only-root-filesystem', 'can write its root filesystem'],
  ['pull policy Never', [container((c) => (c.imagePullPolicy = 'Never'))], 'pull-policy', 'starts only on nodes that already have "nginx:1.27"'],
  ['token mounted', [pod((p) => delete p.automountServiceAccountToken)], 'automount-service-account-token', 'mounts a Kubernetes API token'],
  ['default service account', [pod((p) => delete p.serviceAccountName)], 'default-service-account', "default ServiceAccount"],
  ['deprecated serviceAccount field', [pod((p) => { delete p.serviceAccountName; p.serviceAccount = 'web'; })], 'default-service-account', 'deprecated serviceAccount field'],
  ['privileged port', [container((c) => (c.ports[0].containerPort = 80))], 'privileged-port', 'privileged port 80'],
  ['plaintext password', [container((c) => (c.env = [{ name: 'DB_PASSWORD', value: 'hunter2' }]))], 'plaintext-secret-env', 'DB_PASSWORD is set in plain text'],
  ['no PDB for replicas', [deployment((d) => (d.spec.replicas = 3))], 'missing-pdb', 'runs up to 3 replicas but no PodDisruptionBudget'],
  ['no spread for replicas', [deployment((d) => (d.spec.replicas = 3))], 'missing-anti-affinity', 'nothing that spreads them'],
  ['PDB maxUnavailable 0', [deployment(), { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p', namespace: 'demo' }, spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'web' } } } }], 'pdb-blocks-eviction', 'node drains hang'],
  ['HPA of one', [deployment(), { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'demo' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 3 } }], 'hpa-min-replicas', 'is 1'],
];

describe('bad objects', () => {
  it.each(BAD_OBJECTS.map(([name, objects, rule, text]) => [`${name} → ${rule}`, objects, rule, text] as const))('%s', (_name, objects, rule, text) => {
    const findings = check(...objects).filter((f) => f.rule === rule);
    expect(findings.length, `no ${rule} finding`).toBeGreaterThan(0);
    expect(findings.map((f) => `${f.field}: ${f.message}`).join('\n')).toContain(text);
    const known = RULES.find((r) => r.id === rule)!;
    expect(findings[0]!.severity).toBe(known.severity);
    expect(findings[0]!.fix).toBe(known.fix);
  });

  it('every rule id is unique and has a fix', () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const r of RULES) expect(r.fix.length).toBeGreaterThan(10);
  });

  it('random unknown fields anywhere in a container are unknown-field errors', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-zA-Z]{2,12}$/), (key) => {
        const problems = validateSchema(container((c) => (c[`x${key}`] = 'v')));
        expect(problems).toEqual([{ rule: 'schema-unknown-field', field: `spec.template.spec.containers[0].x${key}`, message: 'is not a field of the Kubernetes 1.28 schema' }]);
      }),
      { numRuns: 25 },
    );
  });

});

describe('YAML input', () => {
  it('reports each broken document with a message and keeps going', () => {
    const loaded = loadManifestFolder('test/fixtures/broken');
    expect(loaded.files).toBe(5);
    expect(loaded.findings.map((f) => `${f.rule} ${f.path}: ${f.message}`)).toEqual([
      'yaml-not-object not-object.yaml#0: is a list, not an object',
      'yaml-not-object not-object.yaml#1: is a string, not an object',
      'yaml-syntax not-yaml.yaml#0: Implicit keys need to be on a single line at line 3, column 33',
    ]);
    const findings = runChecks(loaded.objects);
    expect(findings.map((f) => `${f.rule} ${f.path} ${f.field}`)).toEqual([
      'schema-type-meta missing-kind.yaml#0 kind',
      'api-not-served unknown-api-version.yaml#1 apiVersion',
      'schema-unknown-kind unknown-api-version.yaml#0 apiVersion',
    ]);
  });

  it('reads YAML 1.1 as the API server does and rejects duplicate keys', () => {
    const { objects, findings } = parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: f}\ndata: {feature: on}\n---\na: 1\na: 2\n', 'x.yaml');
    expect(objects[0]!.json.data.feature).toBe(true);
    expect(findings[0]).toMatchObject({ rule: 'yaml-syntax', path: 'x.yaml#1' });
    expect(findings[0]!.message).toMatch(/^Map keys must be unique/);
  });

  it('expands List objects', () => {
    const { objects } = parseManifests('apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n', 'l.yaml');
    expect(objects.map((o) => o.path)).toEqual(['l.yaml#0.items[0]']);
  });
});

const conformance = path.resolve('../shared/conformance/examples');
describe.skipIf(!fs.existsSync(conformance))('conformance examples', () => {
  const covered = ['01', '02', '03', '04', '05', '06', '07', '08', '09', '11', '12', '13', '14', '15', '16'];
  it('errors on every bad file of a covered family and on no good file', async () => {
    const { checkFolder } = await import('../src/cli/check.js');
    const report = await checkFolder(conformance);
    const failing = new Set(report.findings.filter((f) => f.severity === 'error').map((f) => f.path.split('#')[0]));
    for (const prefix of covered) expect([...failing].some((f) => f!.startsWith(`bad/${prefix}-`)), `bad/${prefix}`).toBe(true);
    expect([...failing].filter((f) => f!.startsWith('good/'))).toEqual([]);
    const schemaErrors = report.findings.filter((f) => f.rule === 'schema-invalid').map((f) => `${f.path.split('#')[0]} ${f.field}`);
    expect(schemaErrors).toEqual(expect.arrayContaining(['bad/06-vpa-bad-updatemode.yaml spec.updatePolicy.updateMode', 'bad/16-lws-trainer-bad.yaml spec.runtimeRef']));
    expect(report.findings.filter((f) => f.rule === 'schema-unknown-kind' && f.path.startsWith('good/'))).toEqual([]);
  });
});

describe('the repo output', () => {
  it('every object of dist/ validates against its schema', () => {
    const loaded = loadManifestFolder('dist');
    expect(loaded.objects.length).toBeGreaterThan(0);
    const kinds = KindRegistry.builtIns(generatedModel);
    for (const o of loaded.objects) expect(validateSchema(o.json, kinds), o.path).toEqual([]);
  });
});

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-checks-'));
}

function privilegedPod(scope: Chart, id = 'debug') {
  return new k8s.KubePod(scope, id, { metadata: { name: id }, spec: { containers: [{ name: id, image: 'busybox:1.36', securityContext: { privileged: true } }] } });
}

describe('checks at synth', () => {
  it('an error stops synth and leaves the output as it was', () => {
    const outdir = tempDir();
    const good = new App();
    new WebService(new Stack(good, 'demo', { env: staging }), 'web', { image: 'nginx:1.27', port: 8080 });
    synth(good, { outdir });
    const before = readTree(outdir);
    const bad = new App();
    const stack = new Stack(bad, 'demo', { env: staging });
    new WebService(stack, 'web', { image: 'nginx:1.27', port: 8080, replicas: 3 });
    privilegedPod(stack);
    let error: unknown;
    try {
      synth(bad, { outdir });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChecksFailedError);
    expect((error as Error).message).toMatch(/^synth stopped: 5 check errors, nothing was written:\n  error {3}pss-privilege-escalation {2}demo\/debug {2}Pod demo\/debug {2}spec\.containers\[0\]\.securityContext\.allowPrivilegeEscalation/);
    expect(readTree(outdir)).toEqual(before);
  });

  it('returns warnings and honours waivers with their reason', () => {
    const app = new App();
    const stack = new Stack(app, 'demo', { env: production });
    new WebService(stack, 'web', { image: 'nginx:1.27', port: 8080, security: { writableRootFilesystem: { reason: 'nginx writes its cache under /var' } } });
    const debug = privilegedPod(stack);
    waive(debug, 'missing-requests', 'short-lived debugging pod, sized by the default LimitRange');
    for (const rule of ['pss-privileged', 'pss-privilege-escalation', 'pss-capabilities', 'pss-run-as-non-root', 'pss-seccomp']) waive(debug, rule, 'node debugging pod, removed after the incident');
    const result = synth(app, { outdir: tempDir() });
    const waived = result.findings.filter((f) => f.waived !== undefined);
    expect(waived.map((f) => `${f.rule}: ${f.waived}`)).toContain('missing-requests: short-lived debugging pod, sized by the default LimitRange');
    expect(waived.map((f) => `${f.rule}: ${f.waived}`)).toContain('read-only-root-filesystem: nginx writes its cache under /var');
    expect(waived.filter((f) => f.severity === 'error')).toHaveLength(5);
    expect(result.findings.some((f) => f.rule === 'missing-limits' && f.path === 'demo/debug' && f.waived === undefined)).toBe(true);
  });

  it('refuses a waiver without a reason', () => {
    const app = new App();
    const web = new WebService(new Stack(app, 'demo', { env: staging }), 'web', { image: 'nginx:1.27', port: 8080 });
    expect(() => waive(web, 'missing-pdb', '')).toThrow('demo/web: waive missing-pdb reason "" must explain the waiver (at least 10 characters)');
    expect(() => waive(web, 'Not A Rule', 'because of reasons')).toThrow('demo/web: waive rule "Not A Rule" is not a rule id');
  });

  it('an exception from user code after half the stacks leaves the output exactly as it was', async () => {
    const { runApp } = await import('../src/app.js');
    const outdir = tempDir();
    runApp((app) => { for (const env of [staging, production]) new WebService(new Stack(app, `demo-${env.name}`, { env }), 'web', { image: 'nginx:1.27', port: 8080 }); }, { outdir });
    const before = readTree(outdir);
    const errors: string[] = [];
    const original = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      runApp((app) => {
        new WebService(new Stack(app, 'demo-staging', { env: staging }), 'web', { image: 'nginx:1.28', port: 8080 });
        throw new Error('user code failed after the first stack');
      }, { outdir });
    } finally {
      console.error = original;
      process.exitCode = 0;
    }
    expect(errors).toEqual(['error: user code failed after the first stack\n(set KEELSON_DEBUG=1 or pass --debug for the stack trace)']);
    expect(readTree(outdir)).toEqual(before);
  });
});
