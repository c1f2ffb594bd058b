import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, JsonPatch } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { dev, production, shopStack, staging } from '../presets/index.js';
import { ordersStack } from '../presets/stacks/orders.js';
import { synth } from '../src/app.js';
import { runChecks, waive, type Finding } from '../src/core/checks/index.js';
import { Stack } from '../src/core/stack.js';
import { WebService, type WebServiceProps } from '../src/workloads/web-service.js';

/** Synthesizes one WebService (with `setup` run on it) into a temporary folder and returns the findings. */
function findingsOf(props: Partial<WebServiceProps>, setup: (web: WebService, stack: Stack) => void = () => {}): { findings: readonly Finding[]; outdir: string } {
  const app = new App();
  const stack = new Stack(app, 'shop', { env: production });
  const web = new WebService(stack, 'api', { image: 'acme/api:v1.0.0', port: 8080, ...props } as WebServiceProps);
  setup(web, stack);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-policy-'));
  return { findings: synth(app, { outdir }).findings, outdir };
}
const rules = (findings: readonly Finding[], rule: string) => findings.filter((f) => f.rule === rule && f.waived === undefined);

describe('one finding policy: our defaults and explicit choices do not warn', () => {
  it('default probes (no health) give no readiness-equals-liveness warning', () => {
    expect(rules(findingsOf({}).findings, 'readiness-equals-liveness')).toEqual([]);
  });

  it('the same HTTP check written for both is a warning, not an error', () => {
    const same = rules(findingsOf({ health: { live: '/health', ready: '/health' } }).findings, 'readiness-equals-liveness');
    expect(same).toHaveLength(1);
    expect(same[0]).toMatchObject({ severity: 'warning', path: 'shop/api/deployment', field: 'spec.template.spec.containers[0].readinessProbe' });
  });

  it('a probe on the main port by number is the same check as one by port name', () => {
    const same = rules(findingsOf({ health: { live: '/health', ready: { http: '/health', port: 8080 } } }).findings, 'readiness-equals-liveness');
    expect(same.map((f) => f.message)).toEqual(['container "api" uses the same check for readiness and liveness, so a slow dependency restarts it']);
  });

  it('the same TCP check for both (the default written out) does not warn', () => {
    expect(rules(findingsOf({ health: { live: { tcp: true }, ready: { tcp: 8080 } } }).findings, 'readiness-equals-liveness')).toEqual([]);
  });

  it('a waiver silences the warning and the report keeps its reason', () => {
    const { findings } = findingsOf({ health: { live: '/health', ready: '/health' } }, (web) => waive(web, 'readiness-equals-liveness', 'the app has no dependencies to wait for'));
    expect(findings.filter((f) => f.rule === 'readiness-equals-liveness').map((f) => f.waived)).toEqual(['the app has no dependencies to wait for']);
  });

  it('an explicit imagePullPolicy IfNotPresent does not warn; Never does', () => {
    expect(findingsOf({ imagePullPolicy: 'IfNotPresent' }).findings.filter((f) => f.rule === 'pull-policy')).toEqual([]);
    const never = rules(findingsOf({ imagePullPolicy: 'Never' }).findings, 'pull-policy');
    expect(never.map((f) => [f.severity, f.field])).toEqual([['warning', 'spec.template.spec.containers[0].imagePullPolicy']]);
  });

  it('security.bindLowPorts: true lets port 80 pass without a privileged-port warning', () => {
    const { findings, outdir } = findingsOf({ port: 80, security: { bindLowPorts: true } });
    expect(findings.filter((f) => f.rule === 'privileged-port')).toEqual([]);
    expect(fs.readFileSync(path.join(outdir, 'shop/api.yaml'), 'utf8')).toContain('- NET_BIND_SERVICE');
  });

  it('port 80 without bindLowPorts synthesizes (the API server accepts it) with a privileged-port warning naming the fix', () => {
    const low = rules(findingsOf({ port: 80 }).findings, 'privileged-port');
    expect(low.map((f) => [f.severity, f.field])).toEqual([['warning', 'spec.template.spec.containers[0].ports[0].containerPort']]);
    expect(low[0]!.fix).toContain('security.bindLowPorts: true');
  });

  it('a sysctl that lowers net.ipv4.ip_unprivileged_port_start admits the port in plain YAML too', () => {
    const deployment = (sysctls: unknown[]) => ({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'demo' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { securityContext: { sysctls }, containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] } } },
    });
    const low = (sysctls: unknown[]) => runChecks([{ json: deployment(sysctls), path: 'a.yaml#0' }]).filter((f) => f.rule === 'privileged-port');
    expect(low([])).toHaveLength(1);
    expect(low([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }])).toEqual([]);
  });

  it('no default of any construct in the shop preset warns about its own output', () => {
    const own = ['readiness-equals-liveness', 'pull-policy', 'privileged-port'];
    const { findings } = findingsOf({ replicas: 3, health: { live: '/health', ready: '/ready' } });
    expect(findings.filter((f) => own.includes(f.rule))).toEqual([]);
  });
});

/** A container that adds a capability, waived on the construct. */
function withCapability(capability: string, env = production) {
  const app = new App();
  const stack = new Stack(app, 'shop', { env });
  const web = new WebService(stack, 'api', { image: 'acme/api:v1.0.0', port: 8080 });
  web.deployment.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities/add', [capability]));
  return { app, stack, web };
}

describe('the environment profiles are choices too', () => {
  it('the example stacks in every environment give no warning that is not waived with its reason', () => {
    const app = new App();
    for (const env of [dev, staging, production]) {
      shopStack(app, env);
      ordersStack(app, env);
    }
    const { findings } = synth(app, { outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-envs-')) });
    expect(findings.filter((f) => f.waived === undefined).map((f) => `${f.rule} ${f.path}`)).toEqual([]);
    expect(findings.find((f) => f.rule === 'missing-pdb' && f.path === 'orders-dev/zookeeper/stateful-set')?.waived).toBe('the dev environment runs without PodDisruptionBudgets (podDisruptionBudgets: false)');
    expect(findings.find((f) => f.rule === 'missing-anti-affinity' && f.path === 'orders-dev/zookeeper/stateful-set')?.waived).toBe('the dev environment does not spread replicas (topologySpread: false)');
  });
});

describe('a waived Pod Security rule lowers its namespace, or stays an error', () => {
  const namespaceOf = (outdir: string) => fs.readFileSync(path.join(outdir, 'shop/00-namespace.yaml'), 'utf8');

  it('a waived capability from the baseline set lowers enforce to baseline and says so', () => {
    const { app, web } = withCapability('CHOWN');
    waive(web, 'pss-capabilities', 'the entrypoint chowns its data directory');
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-pss-'));
    const { findings } = synth(app, { outdir });
    const ns = namespaceOf(outdir);
    expect(ns).toContain('pod-security.kubernetes.io/enforce: baseline');
    expect(ns).toContain('pod-security.kubernetes.io/warn: restricted');
    expect(ns).toContain('pod-security.kubernetes.io/audit: restricted');
    const lowered = findings.filter((f) => f.rule === 'pss-enforce-lowered');
    expect(lowered).toHaveLength(1);
    expect(lowered[0]).toMatchObject({ severity: 'warning', object: 'Namespace shop', field: 'metadata.labels["pod-security.kubernetes.io/enforce"]' });
    expect(lowered[0]!.message).toContain('enforces "baseline" so that the pods of waived pss-capabilities (shop/api/deployment) are admitted');
    // A second synth of the same tree says the same.
    expect(synth(app, { outdir }).findings.filter((f) => f.rule === 'pss-enforce-lowered')).toHaveLength(1);
  });

  it('a capability outside baseline needs privileged', () => {
    const { app, web } = withCapability('SYS_ADMIN');
    waive(web, 'pss-capabilities', 'mounts a FUSE filesystem for the import job');
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-pss-'));
    synth(app, { outdir });
    expect(namespaceOf(outdir)).toContain('pod-security.kubernetes.io/enforce: privileged');
  });

  it('without the waiver the capability stays an error and nothing is written', () => {
    const { app } = withCapability('CHOWN');
    expect(() => synth(app, { outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-pss-')) })).toThrow(/pss-capabilities/);
  });

  it('in plain YAML, an opt-out annotation in a namespace that still enforces restricted is an error', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } };
    const pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'p', namespace: 'demo', annotations: { 'keelson.dev/opt-out-pss-capabilities': 'needs CHOWN for its volume' } },
      spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'c', image: 'busybox:1.36', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['CHOWN'] } } }] },
    };
    const findings = runChecks([{ json: ns, path: 'a.yaml#0' }, { json: pod, path: 'a.yaml#1' }]);
    const refused = findings.filter((f) => f.rule === 'pss-waiver-refused');
    expect(refused.map((f) => [f.severity, f.path, f.field])).toEqual([['error', 'a.yaml#1', 'spec.containers[0].securityContext.capabilities.add']]);
    expect(refused[0]!.message).toContain('Namespace demo enforces "restricted", which refuses the pod; it needs "baseline"');
    ns.metadata.labels['pod-security.kubernetes.io/enforce'] = 'baseline';
    expect(runChecks([{ json: ns, path: 'a.yaml#0' }, { json: pod, path: 'a.yaml#1' }]).filter((f) => f.rule === 'pss-waiver-refused')).toEqual([]);
  });

  it('staging and production stacks without waivers keep restricted', () => {
    const app = new App();
    for (const env of [staging, production]) new WebService(new Stack(app, `shop-${env.name}`, { env }), 'api', { image: 'acme/api:v1.0.0', port: 8080 });
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-pss-'));
    const { findings } = synth(app, { outdir });
    expect(findings.filter((f) => f.rule.startsWith('pss-'))).toEqual([]);
    expect(fs.readFileSync(path.join(outdir, 'shop-staging/00-namespace.yaml'), 'utf8')).toContain('enforce: restricted');
  });
});

describe('the same Ingress host and path in two stacks of one app', () => {
  const app = (host: (env: string) => string, ingressClass?: (env: string) => string) => {
    const a = new App();
    for (const env of [staging, production]) {
      new WebService(new Stack(a, `shop-${env.name}`, { env }), 'frontend', {
        image: 'ecommerce/frontend:v1.2.0', port: 3000, ingress: { host: host(env.name), tls: true, ...(ingressClass ? { className: ingressClass(env.name) } : {}) },
      } as WebServiceProps);
    }
    return a;
  };
  const conflicts = (a: App) => synth(a, { outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-ingress-')) }).findings.filter((f) => f.rule === 'ingress-route-conflict');

  it('is a warning naming both Ingresses', () => {
    const found = conflicts(app(() => 'shop.example.com'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ severity: 'warning', path: 'shop-staging/frontend/ingress', object: 'Ingress shop-staging/frontend', field: 'spec.rules[0].http.paths[0]' });
    expect(found[0]!.message).toBe('host "shop.example.com" path "/" is also routed by Ingress shop-production/frontend (shop-production/frontend/ingress); one controller serves only one of them');
  });

  it('is not a finding with a host per environment', () => {
    expect(conflicts(app((env) => (env === 'production' ? 'shop.example.com' : `shop.${env}.example.com`)))).toEqual([]);
  });

  it('is not a finding when each environment has its own ingress class (its own controller)', () => {
    expect(conflicts(app(() => 'shop.example.com', (env) => `nginx-${env}`))).toEqual([]);
  });
});
