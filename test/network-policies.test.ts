import { ApiObject, App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { dev, production, staging } from '../presets/environments.js';
import { collectManifests, defineEnvironment, Peer, Stack, WebService } from '../src/index.js';
import { matchesSelector as selectorMatches } from '../src/core/checks/objects.js';
import { policyPodSelector } from '../src/network/network-policy.js';
import { findObject, findObjects, synthObjects } from '../src/testing.js';
import { DNS_EGRESS, inNamespace, netStack, PlainWorkload, policySpec, webPolicySelector, webSelector } from './support/network.js';

const HTTP = [{ protocol: 'TCP', port: 'http' }];

function shop(env = staging) {
  const stack = netStack(env);
  const api = new WebService(stack, 'api', { image: 'acme/api:v1.0.0', port: 8080 });
  const frontend = new WebService(stack, 'frontend', { image: 'acme/frontend:v1.0.0', port: 3000, ingress: { host: 'shop.example.com' } });
  return { stack, api, frontend };
}

describe('NetworkPolicy per workload', () => {
  it('allowFrom between two workloads: ingress on the target, egress on the source, on the container port by name', () => {
    const { stack, api, frontend } = shop();
    api.allowFrom(frontend);
    const objects = synthObjects(stack);

    expect(policySpec(objects, 'api')).toEqual({
      podSelector: webPolicySelector('api'),
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: { matchLabels: webSelector('frontend') } }], ports: HTTP }],
      egress: [DNS_EGRESS],
    });
    expect(policySpec(objects, 'frontend')).toEqual({
      podSelector: webPolicySelector('frontend'),
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [inNamespace('ingress-nginx')], ports: HTTP }],
      egress: [DNS_EGRESS, { to: [{ podSelector: { matchLabels: webSelector('api') } }], ports: HTTP }],
    });
    expect(findObject(objects, 'NetworkPolicy', 'api').metadata).toEqual({
      name: 'api',
      namespace: 'shop',
      labels: { ...webSelector('api'), 'app.kubernetes.io/part-of': 'shop', 'app.kubernetes.io/managed-by': 'keelson' },
    });
  });

  it('allowTo declares the same relationship as allowFrom; declaring both gives one rule each way', () => {
    const one = shop();
    one.frontend.allowTo(one.api);
    const both = shop();
    both.api.allowFrom(both.frontend);
    both.frontend.allowTo(both.api);
    const a = synthObjects(one.stack);
    const b = synthObjects(both.stack);
    expect(policySpec(a, 'api')).toEqual(policySpec(b, 'api'));
    expect(policySpec(a, 'frontend')).toEqual(policySpec(b, 'frontend'));
    expect(policySpec(b, 'api').ingress).toHaveLength(1);
  });

  it('a workload nobody connects to admits nothing and reaches only DNS', () => {
    const stack = netStack(staging);
    new WebService(stack, 'worker', { image: 'acme/worker:v1.0.0', port: 8080 });
    expect(policySpec(synthObjects(stack), 'worker')).toEqual({
      podSelector: webPolicySelector('worker'),
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [DNS_EGRESS],
    });
  });

  it('peers in another stack and namespace use a namespaceSelector plus the podSelector, in both policies', () => {
    const app = new App();
    const shopStack = netStack(staging, 'shop', app);
    const payments = netStack(staging, 'payments', app);
    const api = new WebService(shopStack, 'api', { image: 'acme/api:v1.0.0', port: 8080 });
    const ledger = new WebService(payments, 'ledger', { image: 'acme/ledger:v1.0.0', port: 9000, protocol: 'grpc' });
    api.allowTo(ledger);
    const objects = synthObjects(app);
    const apiPolicy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'api')!;
    const ledgerPolicy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'ledger')!;

    expect(apiPolicy.metadata.namespace).toBe('shop');
    expect(apiPolicy.spec.egress).toEqual([
      DNS_EGRESS,
      { to: [{ ...inNamespace('payments'), podSelector: { matchLabels: webSelector('ledger') } }], ports: [{ protocol: 'TCP', port: 'grpc' }] },
    ]);
    expect(ledgerPolicy.metadata.namespace).toBe('payments');
    expect(ledgerPolicy.spec.ingress).toEqual([{ from: [{ ...inNamespace('shop'), podSelector: { matchLabels: webSelector('api') } }], ports: [{ protocol: 'TCP', port: 'grpc' }] }]);
  });

  it('a whole namespace as a peer: namespaceSelector only, ports default to the target workload ports', () => {
    const { stack, api } = shop();
    api.allowFrom(Peer.namespace('batch'));
    api.allowTo(Peer.namespace('search'), { port: 9200 });
    const spec = policySpec(synthObjects(stack), 'api');
    expect(spec.ingress).toEqual([{ from: [inNamespace('batch')], ports: HTTP }]);
    expect(spec.egress).toEqual([DNS_EGRESS, { to: [inNamespace('search')], ports: [{ protocol: 'TCP', port: 9200 }] }]);
  });

  it('the ingress controller and monitoring namespaces come from the environment', () => {
    const env = defineEnvironment(production, { name: 'prod-eu', networkPolicies: { ingressControllerNamespace: 'traefik', monitoringNamespace: 'observability' } });
    const stack = netStack(env);
    const api = new WebService(stack, 'api', { image: 'acme/api:v1.0.0', port: 8080, ingress: { host: 'api.example.com' } });
    api.allowFrom(Peer.monitoring());
    expect(policySpec(synthObjects(stack), 'api').ingress).toEqual([
      { from: [inNamespace('observability')], ports: HTTP },
      { from: [inNamespace('traefik')], ports: HTTP },
    ]);
  });

  it('Peer.ingressController() admits the controller to a service without an Ingress of its own', () => {
    const { stack, api } = shop();
    api.allowFrom(Peer.ingressController());
    expect(policySpec(synthObjects(stack), 'api').ingress).toEqual([{ from: [inNamespace('ingress-nginx')], ports: HTTP }]);
  });

  it('a workload with a ServiceMonitor admits the monitoring namespace on the scraped port', () => {
    const stack = netStack(staging);
    const db = new PlainWorkload(stack, 'db', {
      ports: [{ name: 'postgres', port: 5432, containerPort: 5432, protocol: 'TCP' }],
      containerPorts: [
        { name: 'postgres', containerPort: 5432 },
        { name: 'metrics', containerPort: 9187 },
      ],
    });
    new ApiObject(db, 'monitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'db' },
      spec: { selector: { matchLabels: { app: 'db' } }, endpoints: [{ port: 'metrics' }] },
    });
    expect(policySpec(synthObjects(stack), 'db').ingress).toEqual([{ from: [inNamespace('monitoring')], ports: [{ protocol: 'TCP', port: 'metrics' }] }]);
  });

  it('CIDR blocks for egress to the outside, with except; without a port every port is allowed', () => {
    const { stack, api } = shop();
    api.allowTo(Peer.cidr('10.0.0.0/8', { except: ['10.1.0.0/16', '10.2.0.0/16'] }), { port: 5432 });
    api.allowTo(Peer.cidr('2001:db8::/32'));
    api.allowFrom(Peer.cidr('192.168.0.0/24'), { port: 'http' });
    const spec = policySpec(synthObjects(stack), 'api');
    expect(spec.egress).toEqual([
      DNS_EGRESS,
      { to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16', '10.2.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 5432 }] },
      { to: [{ ipBlock: { cidr: '2001:db8::/32' } }] },
    ]);
    expect(spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '192.168.0.0/24' } }], ports: HTTP }]);
  });

  it('a port given by Service port or container port resolves to the named container port', () => {
    const a = shop();
    a.api.allowFrom(a.frontend, { port: 80 });
    const b = shop();
    b.api.allowFrom(b.frontend, { port: 8080 });
    expect(policySpec(synthObjects(a.stack), 'api').ingress).toEqual([{ from: [{ podSelector: { matchLabels: webSelector('frontend') } }], ports: HTTP }]);
    expect(policySpec(synthObjects(b.stack), 'api').ingress).toEqual([{ from: [{ podSelector: { matchLabels: webSelector('frontend') } }], ports: HTTP }]);
  });

  it('admits exactly the chosen port of a workload with several, and merges ports per peer', () => {
    const stack = netStack(staging);
    const dns = new PlainWorkload(stack, 'resolver', {
      ports: [
        { name: 'dns-udp', port: 53, containerPort: 5353, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, containerPort: 5353, protocol: 'TCP' },
        { name: 'admin', port: 8081, containerPort: 8081, protocol: 'TCP' },
      ],
    });
    const client = new PlainWorkload(stack, 'client', { ports: [] });
    dns.allowFrom(client, { port: 53, protocol: 'UDP' });
    dns.allowFrom(client, { port: 'admin' });
    const objects = synthObjects(stack);
    expect(policySpec(objects, 'resolver').ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: { app: 'client' } } }],
        ports: [
          { protocol: 'TCP', port: 'admin' },
          { protocol: 'UDP', port: 'dns-udp' },
        ],
      },
    ]);
    expect(policySpec(objects, 'client').egress).toEqual([
      DNS_EGRESS,
      {
        to: [{ podSelector: { matchLabels: { app: 'resolver' } } }],
        ports: [
          { protocol: 'TCP', port: 'admin' },
          { protocol: 'UDP', port: 'dns-udp' },
        ],
      },
    ]);
  });

  it('a workload may allow its own pods (replication, clustering)', () => {
    const stack = netStack(staging);
    const db = new PlainWorkload(stack, 'db', { ports: [{ name: 'postgres', port: 5432, containerPort: 5432, protocol: 'TCP' }] });
    db.allowFrom(db);
    const spec = policySpec(synthObjects(stack), 'db');
    const self = { podSelector: { matchLabels: { app: 'db' } } };
    expect(spec.ingress).toEqual([{ from: [self], ports: [{ protocol: 'TCP', port: 'postgres' }] }]);
    expect(spec.egress).toEqual([DNS_EGRESS, { to: [self], ports: [{ protocol: 'TCP', port: 'postgres' }] }]);
  });

  it('the policy selector keeps one label in matchLabels (for Polaris) and selects exactly the same pods', () => {
    const selector = webSelector('api');
    const ps = policyPodSelector(selector);
    expect(ps).toEqual(webPolicySelector('api'));
    const pod = { ...selector, 'app.kubernetes.io/component': 'web' };
    expect(selectorMatches(ps as any, pod)).toBe(true);
    expect(selectorMatches(ps as any, { ...pod, 'app.kubernetes.io/name': 'other' })).toBe(false);
    expect(selectorMatches(ps as any, { 'app.kubernetes.io/name': 'api' })).toBe(false);
    expect(policyPodSelector({ app: 'x' })).toEqual({ matchLabels: { app: 'x' } });
  });
});

describe('namespace default deny', () => {
  const defaultDeny = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'default-deny', namespace: 'shop', labels: { 'app.kubernetes.io/part-of': 'shop', 'app.kubernetes.io/managed-by': 'keelson' } },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: [DNS_EGRESS] },
  };

  it.each([
    ['staging', staging],
    ['production', production],
  ])('is on in %s: deny all ingress and egress except DNS to kube-dns over UDP and TCP', (_, env) => {
    const { stack } = shop(env);
    expect(findObject(synthObjects(stack), 'NetworkPolicy', 'default-deny')).toEqual(defaultDeny);
  });

  it('is off in dev; the workload policies stay', () => {
    const { stack } = shop(dev);
    const policies = findObjects(synthObjects(stack), 'NetworkPolicy').map((o) => o.metadata.name);
    expect(policies).toEqual(['api', 'frontend']);
  });

  it('is switchable per environment', () => {
    const off = defineEnvironment(production, { name: 'prod-open', networkPolicies: { defaultDeny: false } });
    const on = defineEnvironment(dev, { name: 'dev-locked', networkPolicies: { defaultDeny: true } });
    expect(findObjects(synthObjects(shop(off).stack), 'NetworkPolicy').map((o) => o.metadata.name)).toEqual(['api', 'frontend']);
    expect(findObject(synthObjects(shop(on).stack), 'NetworkPolicy', 'default-deny')).toEqual(defaultDeny);
    expect(off.networkPolicies).toEqual({ defaultDeny: false, ingressControllerNamespace: 'ingress-nginx', monitoringNamespace: 'monitoring' });
  });

  it('is emitted once per namespace when two stacks share it', () => {
    const app = new App();
    for (const id of ['shop-web', 'shop-jobs']) {
      const stack = new Stack(app, id, { env: staging, namespace: 'shop', createNamespace: id === 'shop-web' });
      new WebService(stack, `${id}-svc`, { image: 'acme/x:v1.0.0', port: 8080 });
    }
    expect(findObjects(synthObjects(app), 'NetworkPolicy').filter((o) => o.metadata.name === 'default-deny')).toHaveLength(1);
  });

  it('goes to its own file; each workload policy goes to the workload file', () => {
    const { stack, api, frontend } = shop();
    api.allowFrom(frontend);
    const files = new Map<string, string[]>();
    for (const m of collectManifests(stack)) for (const o of m.objects) if (o.json.kind === 'NetworkPolicy') files.set(o.file, [...(files.get(o.file) ?? []), o.json.metadata.name]);
    expect(Object.fromEntries(files)).toEqual({ 'api.yaml': ['api'], 'default-deny.yaml': ['default-deny'], 'frontend.yaml': ['frontend'] });
  });
});
