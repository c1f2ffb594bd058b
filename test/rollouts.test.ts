import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { production } from '../presets/index.js';
import { ChecksFailedError, Job, KindRegistry, Mesh, RolloutService, runChecks, Stack, synth, Team, waive, WebService, type Finding, type MeshProfile, type RolloutServiceProps } from '../src/index.js';
import { findObject, findObjects, synthObjects, type K8sObject } from '../src/testing.js';
import { itRefuses, type BadInputCase, type Make } from './support/bad-input.js';

const image = 'acme/api:v1.2.3';
const steps = [{ weight: 10, pause: '5m' }, { weight: 50, scale: 100, pause: 'manual' }] as const;
const canaryProps: RolloutServiceProps = { image, port: 8080, autoscale: { min: 2, max: 6 }, rollout: { strategy: 'canary', steps } };

/** The shop with a meshed RolloutService `api` (canary) called by `web`, and its objects. */
function meshedShop(mesh: MeshProfile): { app: App; objects: K8sObject[] } {
  const app = new App();
  const shop = new Stack(app, 'shop', { env: production, mesh });
  const api = new RolloutService(shop, 'api', canaryProps);
  api.traffic({ timeout: '10s' });
  const web = new WebService(shop, 'web', { image: 'acme/web:v1.0.0', port: 3000 });
  api.allowFrom(web);
  return { app, objects: synthObjects(app) };
}

/** Synthesizes `app` into a temporary folder: the findings, or the error that stopped it. */
function synthFindings(app: App): { findings: readonly Finding[]; error?: ChecksFailedError } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-rollouts-'));
  try {
    return { findings: synth(app, { outdir }).findings };
  } catch (e) {
    if (e instanceof ChecksFailedError) return { findings: e.findings, error: e };
    throw e;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const validRollout = (rollout: K8sObject) => {
  const Model = KindRegistry.builtIns().validator('argoproj.io/v1alpha1', 'Rollout')!;
  expect(() => new Model(rollout).validate()).not.toThrow();
};

describe('RolloutService canary through Istio', () => {
  const { app, objects } = meshedShop(Mesh.istio());
  const rollout = findObject(objects, 'Rollout', 'api');

  it('routes the weights through the VirtualService route and DestinationRule subsets', () => {
    expect(rollout.spec.strategy.canary.trafficRouting).toEqual({
      istio: {
        virtualService: { name: 'api', routes: ['split'] },
        destinationRule: { name: 'api', canarySubsetName: 'canary', stableSubsetName: 'stable' },
      },
    });
    expect(rollout.spec.strategy.canary.steps).toEqual([{ setWeight: 10 }, { pause: { duration: '300s' } }, { setCanaryScale: { weight: 100 } }, { setWeight: 50 }, { pause: {} }]);
    expect(rollout.spec.strategy.canary.canaryService).toBeUndefined();
    validRollout(rollout);
  });

  it('emits one DestinationRule and VirtualService for the host, with the named route at 100/0 and the traffic settings', () => {
    const host = 'api.shop.svc.cluster.local';
    const rule = findObject(objects, 'DestinationRule', 'api');
    expect(rule.spec.host).toBe(host);
    // Argo Rollouts adds each version's rollouts-pod-template-hash to these labels; they start as the Rollout's selector.
    expect(rule.spec.subsets).toEqual([
      { name: 'stable', labels: rollout.spec.selector.matchLabels },
      { name: 'canary', labels: rollout.spec.selector.matchLabels },
    ]);
    const vs = findObject(objects, 'VirtualService', 'api');
    expect(vs.spec.hosts).toEqual([host]);
    expect(vs.spec.http).toEqual([
      {
        name: 'split',
        route: [
          { destination: { host, subset: 'stable' }, weight: 100 },
          { destination: { host, subset: 'canary' }, weight: 0 },
        ],
        timeout: '10s',
      },
    ]);
    expect(objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name)).toEqual(['web']);
  });

  it('admits the canary pods in the AuthorizationPolicy and NetworkPolicy: they share the Rollout\'s labels', () => {
    const podLabels = rollout.spec.template.metadata.labels;
    const authz = findObject(objects, 'AuthorizationPolicy', 'api');
    for (const [k, v] of Object.entries(authz.spec.selector.matchLabels)) expect(podLabels[k]).toBe(v);
    const np = findObject(objects, 'NetworkPolicy', 'api');
    for (const [k, v] of Object.entries(np.spec.podSelector.matchLabels)) expect(podLabels[k]).toBe(v);
  });

  it('passes every check of synth: mesh references, the Rollout schema', () => {
    const { findings, error } = synthFindings(app);
    expect(error).toBeUndefined();
    expect(findings.filter((f) => f.severity === 'error' && !f.waived)).toEqual([]);
  });
});

describe('RolloutService canary through Istio\'s ingress gateway', () => {
  it('moves the weights of the gateway\'s VirtualService too', () => {
    const app = new App();
    const shop = new Stack(app, 'shop', { env: production, mesh: Mesh.istio({ ingressGateway: {} }) });
    new RolloutService(shop, 'api', { ...canaryProps, ingress: { host: 'api.example.com', tls: true } });
    const objects = synthObjects(app);
    const rollout = findObject(objects, 'Rollout', 'api');
    expect(rollout.spec.strategy.canary.trafficRouting.istio.virtualServices).toEqual([
      { name: 'api', routes: ['split'] },
      { name: 'api-ingress', routes: ['split'] },
    ]);
    const gateway = findObject(objects, 'VirtualService', 'api-ingress');
    expect(gateway.spec.http[0].name).toBe('split');
    expect(gateway.spec.http[0].route.map((r: any) => [r.destination.subset, r.weight])).toEqual([
      ['stable', 100],
      ['canary', 0],
    ]);
    validRollout(rollout);
    expect(synthFindings(app).error).toBeUndefined();
  });
});

describe('RolloutService canary through Linkerd', () => {
  const { app, objects } = meshedShop(Mesh.linkerd());
  const rollout = findObject(objects, 'Rollout', 'api');

  it('routes the weights through the Gateway API plugin over the stable and canary Services', () => {
    const canary = rollout.spec.strategy.canary;
    expect(canary.trafficRouting).toEqual({ plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'api', namespace: 'shop' } } });
    expect(canary.canaryService).toBe('api-canary');
    expect(canary.stableService).toBe('api-stable');
    validRollout(rollout);
  });

  it('emits the Services and the HTTPRoute on the Service with both backends', () => {
    for (const name of ['api-stable', 'api-canary']) {
      const service = findObject(objects, 'Service', name);
      expect(service.spec.selector).toEqual(rollout.spec.selector.matchLabels);
      expect(service.spec.ports.map((p: any) => p.port)).toEqual([80]);
    }
    const route = findObjects(objects, 'HTTPRoute').find((o) => o.apiVersion === 'gateway.networking.k8s.io/v1')!;
    expect(route.metadata.name).toBe('api');
    expect(route.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'api', port: 80 }]);
    expect(route.spec.rules).toEqual([
      {
        backendRefs: [
          { kind: 'Service', name: 'api-stable', port: 80, weight: 100 },
          { kind: 'Service', name: 'api-canary', port: 80, weight: 0 },
        ],
        timeouts: { request: '10s' },
      },
    ]);
  });

  it('admits the canary pods through the Linkerd Server: it selects the Rollout\'s labels', () => {
    const podLabels = rollout.spec.template.metadata.labels;
    const server = findObject(objects, 'Server', 'api-http');
    for (const [k, v] of Object.entries(server.spec.podSelector.matchLabels)) expect(podLabels[k]).toBe(v);
  });

  it('passes every check of synth', () => {
    const { error } = synthFindings(app);
    expect(error).toBeUndefined();
  });
});

describe('RolloutService canary without a mesh', () => {
  it('shifts replicas in steps, as before', () => {
    const stack = new Stack(new App(), 'shop', { env: production });
    new RolloutService(stack, 'api', { ...canaryProps, rollout: { strategy: 'canary', steps: [{ weight: 10 }, { weight: 50 }] } });
    const rollout = findObject(synthObjects(stack), 'Rollout', 'api');
    expect(rollout.spec.strategy).toEqual({ canary: { steps: [{ setWeight: 10 }, { setWeight: 50 }] } });
  });
});

describe('bad rollout inputs', () => {
  const inMesh = (mesh: MeshProfile) => new Stack(new App(), 'shop', { env: production, mesh });
  const plain: Make = (p) => new RolloutService(new Stack(new App(), 'shop', { env: production }), 'api', { image, port: 8080, ...p } as any);
  const istio: Make = (p) => new RolloutService(inMesh(Mesh.istio()), 'api', { image, port: 8080, ...p } as any);
  const ambient: Make = (p) => new RolloutService(inMesh(Mesh.istio({ mode: 'ambient' })), 'api', { image, port: 8080, ...p } as any);
  const linkerd: Make = (p) => new RolloutService(inMesh(Mesh.linkerd()), 'api', { image, port: 8080, ...p } as any);
  const cases: BadInputCase[] = [
    { title: 'a canary through Istio ambient mode', make: ambient, props: { rollout: { strategy: 'canary', steps: [{ weight: 10 }] } }, field: 'rollout.strategy', value: '"canary"', rule: 'cannot split requests through Istio ambient mode' },
    { title: 'a step weight of 0 through the mesh', make: istio, props: { rollout: { strategy: 'canary', steps: [{ weight: 0 }] } }, field: 'rollout.steps[0].weight', value: '0', rule: 'must be a whole percent from 1 to 100' },
    { title: 'step weights going down through Linkerd', make: linkerd, props: { rollout: { strategy: 'canary', steps: [{ weight: 40 }, { weight: 40 }] } }, field: 'rollout.steps[1].weight', value: '40', rule: 'must be above the previous step\'s 40' },
    { title: 'a canary scale without a mesh', make: plain, props: { rollout: { strategy: 'canary', steps: [{ weight: 10, scale: 50 }] } }, field: 'rollout.steps[0].scale', value: '50', rule: 'needs a service mesh' },
    { title: 'a canary scale above 100', make: istio, props: { rollout: { strategy: 'canary', steps: [{ weight: 10, scale: 150 }] } }, field: 'rollout.steps[0].scale', value: '150', rule: 'whole percent of the replicas from 0 to 100' },
    { title: 'a misspelt step key', make: istio, props: { rollout: { strategy: 'canary', steps: [{ weight: 10, scael: 50 }] } }, field: 'rollout.steps[0].scael', value: '50', rule: 'Did you mean "scale"' },
    { title: 'traffic routing written by hand', make: linkerd, props: { rollout: { strategy: 'canary', steps: [{ weight: 10 }], trafficRouting: {} } }, field: 'rollout.trafficRouting', value: '{}', rule: 'is not a known prop' },
    { title: 'a mesh canary() on a RolloutService', make: (p) => (istio(p) as RolloutService).canary({ image: 'acme/api:v1.3.0', weight: 10 }), props: { rollout: { strategy: 'canary', steps: [{ weight: 10 }] } }, field: 'canary', value: '"acme/api:v1.3.0"', rule: 'does not combine with a RolloutService' },
  ];
  itRefuses(cases);
});

/** An app whose `shop` namespace belongs to a Team with a small quota (50 pods, 8 CPU requested), and its shop stack. */
function quotaApp(): { app: App; shop: Stack; team: Team } {
  const app = new App();
  const shop = new Stack(app, 'shop', { env: production });
  // 40 replicas and a 25% surge: 50 pods while a new version rolls out, 100m CPU each.
  new WebService(shop, 'api', { image, port: 8080, size: 'nano', replicas: 40 });
  const platform = new Stack(app, 'platform', { env: production, createNamespace: false });
  const team = new Team(platform, 'shop', { quota: 'small' });
  return { app, shop, team };
}

const quotaFindings = (findings: readonly Finding[]) => findings.filter((f) => f.rule === 'quota-fit');

describe('quota fit', () => {
  it('a namespace whose peak fits its quota has no finding', () => {
    const { app } = quotaApp();
    const { findings, error } = synthFindings(app);
    expect(error).toBeUndefined();
    expect(quotaFindings(findings)).toEqual([]);
  });

  it('one pod over the quota is an error naming the namespace, the resource, the quota, the peak and the contributors', () => {
    const { app, shop } = quotaApp();
    new Job(shop, 'migrate', { image, command: ['migrate'], size: 'nano' });
    const { findings, error } = synthFindings(app);
    expect(error).toBeInstanceOf(ChecksFailedError);
    const [pods, ...others] = quotaFindings(findings);
    expect(others).toEqual([]);
    expect(pods).toMatchObject({ severity: 'error', path: 'platform/shop/shop/quota', object: 'ResourceQuota shop/shop-quota', field: 'spec.hard.pods' });
    expect(pods!.message).toBe('namespace shop needs 51 pods at its peak, above the quota\'s 50, so admission refuses the pods beyond it: Deployment api 50 pods = 40 + 10 surge, Job migrate 1 pod');
  });

  it('counts the autoscaler\'s maximum and a meshed canary at full size beside the stable pods, with requests and limits', () => {
    const app = new App();
    const shop = new Stack(app, 'shop', { env: production, mesh: Mesh.istio() });
    new RolloutService(shop, 'api', { image, port: 8080, size: 'small', autoscale: { min: 2, max: 10 }, rollout: { strategy: 'canary', steps: [{ weight: 20 }] } });
    const platform = new Stack(app, 'platform', { env: production, createNamespace: false });
    new Team(platform, 'shop', { quota: 'small' });
    const found = quotaFindings(synthFindings(app).findings);
    expect(found.map((f) => f.field)).toEqual(['spec.hard["limits.cpu"]', 'spec.hard["requests.cpu"]']);
    expect(found[1]!.message).toContain('needs requests.cpu 12 at its peak, above the quota\'s "8"');
    expect(found[1]!.message).toContain('Rollout api 12 (20 pods = 10 + 10 canary at full size, 0.6 each, 0.1 of it the mesh proxy)');
    expect(found[0]!.message).toContain('needs limits.cpu 25 at its peak, above the quota\'s "16"');
  });

  it('a waiver on the Team lets synth go on and keeps the finding with its reason', () => {
    const { app, shop, team } = quotaApp();
    new Job(shop, 'migrate', { image, command: ['migrate'], size: 'nano' });
    waive(team, 'quota-fit', 'the migration runs before the rollout, never beside the surge');
    const { findings, error } = synthFindings(app);
    expect(error).toBeUndefined();
    expect(quotaFindings(findings).map((f) => f.waived)).toEqual(['the migration runs before the rollout, never beside the surge']);
  });
});

describe('quota fit of plain YAML (keelson check)', () => {
  const ns = 'team';
  const meta = (name: string) => ({ name, namespace: ns });
  const container = (cpu: string, extra: Record<string, unknown> = {}) => ({ name: 'c', image: 'acme/app:v1', resources: { requests: { cpu, memory: '100Mi' }, limits: { cpu, memory: '100Mi' } }, ...extra });
  const template = (containers: unknown[], initContainers: unknown[] = []) => ({ metadata: { labels: { app: 'x' } }, spec: { containers, ...(initContainers.length ? { initContainers } : {}) } });
  const quota = (hard: Record<string, unknown>, spec: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: meta('quota'), spec: { hard, ...spec } });
  /** The quota-fit messages of `objects` (with `hard` as the namespace's quota). */
  const fit = (hard: Record<string, unknown>, ...objects: Record<string, any>[]) =>
    runChecks([quota(hard), ...objects].map((json, i) => ({ json, path: `team.yaml#${i}` })))
      .filter((f) => f.rule === 'quota-fit')
      .map((f) => f.message);
  const deployment = (name: string, replicas: number, strategy?: unknown) => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(name),
    spec: { replicas, selector: { matchLabels: { app: 'x' } }, template: template([container('1')]), ...(strategy ? { strategy } : {}) },
  });

  it('counts an HPA\'s maximum with the default 25% surge', () => {
    const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta('api'), spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, minReplicas: 2, maxReplicas: 8 } };
    expect(fit({ pods: 10 }, deployment('api', 2), hpa)).toEqual([]);
    expect(fit({ pods: 9 }, deployment('api', 2), hpa)).toEqual(['namespace team needs 10 pods at its peak, above the quota\'s 9, so admission refuses the pods beyond it: Deployment api 10 pods = 8 + 2 surge']);
  });

  it('counts no surge for Recreate, and a KEDA ScaledObject\'s maximum', () => {
    const keda = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: meta('worker'), spec: { scaleTargetRef: { name: 'worker' }, maxReplicaCount: 5, triggers: [] } };
    expect(fit({ 'requests.cpu': '5' }, deployment('worker', 1, { type: 'Recreate' }), keda)).toEqual([]);
    expect(fit({ 'requests.cpu': '4' }, deployment('worker', 1, { type: 'Recreate' }), keda)[0]).toContain('requests.cpu 5 at its peak');
  });

  it('counts a blue-green Rollout\'s second colour and a Job\'s parallelism', () => {
    const rollout = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: meta('web'), spec: { replicas: 3, selector: { matchLabels: { app: 'x' } }, template: template([container('1')]), strategy: { blueGreen: { activeService: 'web' } } } };
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: meta('batch'), spec: { parallelism: 4, template: template([container('500m')]) } };
    expect(fit({ 'limits.cpu': '8' }, rollout, job)).toEqual([]);
    expect(fit({ 'limits.cpu': '7.5' }, rollout, job)).toEqual(['namespace team needs limits.cpu 8 at its peak, above the quota\'s "7.5", so admission refuses the pods beyond it: Rollout web 6 (6 pods = 3 + 3 second colour, 1 each), Job batch 2 (4 pods, 0.5 each)']);
  });

  it('takes a pod\'s largest init container when it asks for more than the containers, and LimitRange defaults for containers without resources', () => {
    const bare = { name: 'bare', image: 'acme/app:v1' };
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: meta('p'), spec: { containers: [bare], initContainers: [container('3')] } };
    const range = { apiVersion: 'v1', kind: 'LimitRange', metadata: meta('limits'), spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '250m' }, default: { cpu: '1' } }] } };
    expect(fit({ 'requests.cpu': '3' }, pod, range)).toEqual([]);
    expect(fit({ 'requests.cpu': '2' }, pod, range)[0]).toContain('requests.cpu 3 at its peak');
    const plain = { apiVersion: 'v1', kind: 'Pod', metadata: meta('q'), spec: { containers: [bare] } };
    expect(fit({ 'requests.cpu': '200m' }, plain, range)[0]).toContain('requests.cpu 0.25 at its peak');
  });

  it('leaves a quota with scopes alone', () => {
    const scoped = quota({ pods: 1 }, { scopes: ['BestEffort'] });
    expect(runChecks([scoped, deployment('api', 4)].map((json, i) => ({ json, path: `t#${i}` }))).filter((f) => f.rule === 'quota-fit')).toEqual([]);
  });

  it('counts the node ports of LoadBalancer Services and a StatefulSet\'s claims at its replicas', () => {
    const lb = { apiVersion: 'v1', kind: 'Service', metadata: meta('edge'), spec: { type: 'LoadBalancer', selector: { app: 'x' }, ports: [{ port: 80 }, { port: 443 }] } };
    expect(fit({ 'services.nodeports': 0 }, lb)).toEqual(['namespace team needs services.nodeports 2, above the quota\'s 0, so the API server refuses what goes beyond it: Service edge 2']);
    expect(fit({ 'services.nodeports': 0 }, { ...lb, spec: { ...lb.spec, allocateLoadBalancerNodePorts: false } })).toEqual([]);
    const db = {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta('db'),
      spec: { replicas: 3, serviceName: 'db', selector: { matchLabels: { app: 'x' } }, template: template([container('1')]), volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } }] },
    };
    expect(fit({ persistentvolumeclaims: 3, 'requests.storage': '30Gi' }, db)).toEqual([]);
    expect(fit({ persistentvolumeclaims: 2, 'requests.storage': '20Gi' }, db)).toEqual([
      'namespace team needs persistentvolumeclaims 3, above the quota\'s 2, so the API server refuses what goes beyond it: StatefulSet db 3',
      'namespace team needs requests.storage 30Gi, above the quota\'s "20Gi", so the API server refuses what goes beyond it: StatefulSet db 30Gi',
    ]);
  });
});
