import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { dev, staging } from '../presets/environments.js';
import { shopStack } from '../presets/stacks/shop.js';
import { findObject, synthFiles, synthObjects } from '../src/testing.js';
import { defineEnvironment, Peer, synth, WebService, type Stack } from '../src/index.js';
import { netStack } from './support/network.js';

/**
 * A structural reading of the Mermaid flowchart subset the connectivity report emits, so
 * tests can assert its exact nodes and edges (test/network-mermaid.test.ts runs Mermaid's own
 * parser over the same output): a `flowchart LR` header;
 * `subgraph ID["text"]` … `end` blocks, balanced and not nested; nodes `ID["text"]` and
 * `ID(["text"])`; edges `ID -->|"text"| ID` between declared nodes or subgraphs; ids of
 * letters, digits and `_`, each declared once; quoted text without `"`.
 */
function validateFlowchart(source: string): { nodes: Map<string, string>; edges: { from: string; label: string; to: string }[]; subgraphs: Map<string, string[]> } {
  const lines = source.split('\n').filter((l) => l.trim() !== '');
  const fail = (i: number, why: string): never => {
    throw new Error(`mermaid line ${i + 1} ${JSON.stringify(lines[i])}: ${why}`);
  };
  if (lines[0] !== 'flowchart LR') fail(0, 'the first line must be "flowchart LR"');
  const ID = '[A-Za-z][A-Za-z0-9_]*';
  const TEXT = '"([^"]*)"';
  const patterns = {
    subgraph: new RegExp(`^  subgraph (${ID})\\[${TEXT}\\]$`),
    end: /^ {2}end$/,
    node: new RegExp(`^ {2,4}(${ID})(?:\\[${TEXT}\\]|\\(\\[${TEXT}\\]\\))$`),
    edge: new RegExp(`^  (${ID}) -->\\|${TEXT}\\| (${ID})$`),
  };
  const nodes = new Map<string, string>();
  const subgraphs = new Map<string, string[]>();
  const edges: { from: string; label: string; to: string }[] = [];
  let open: string | undefined;
  lines.slice(1).forEach((line, n) => {
    const i = n + 1;
    let m: RegExpExecArray | null;
    if ((m = patterns.subgraph.exec(line))) {
      if (open) fail(i, 'nested subgraph');
      if (nodes.has(m[1]!) || subgraphs.has(m[1]!)) fail(i, 'id declared twice');
      open = m[1]!;
      subgraphs.set(open, []);
    } else if (patterns.end.test(line)) {
      if (!open) fail(i, '"end" without subgraph');
      open = undefined;
    } else if ((m = patterns.node.exec(line))) {
      const inside = line.startsWith('    ');
      if (inside !== Boolean(open)) fail(i, 'indentation does not match the subgraph nesting');
      if (nodes.has(m[1]!) || subgraphs.has(m[1]!)) fail(i, 'id declared twice');
      nodes.set(m[1]!, (m[2] ?? m[3])!);
      if (open) subgraphs.get(open)!.push(m[1]!);
    } else if ((m = patterns.edge.exec(line))) {
      if (open) fail(i, 'edge inside a subgraph');
      for (const id of [m[1]!, m[3]!]) if (!nodes.has(id) && !subgraphs.has(id)) fail(i, `edge end ${id} is not declared`);
      edges.push({ from: m[1]!, label: m[2]!, to: m[3]! });
    } else {
      fail(i, 'is not a subgraph, end, node or edge line');
    }
  });
  if (open) throw new Error(`subgraph ${open} is not closed`);
  return { nodes, edges, subgraphs };
}

function mermaidOf(markdown: string): string {
  const match = /```mermaid\n([\s\S]*?)```/.exec(markdown);
  if (!match) throw new Error('no mermaid block');
  return match[1]!;
}

function tableOf(markdown: string): string[][] {
  const rows = markdown.split('\n').filter((l) => l.startsWith('| '));
  expect(rows.slice(0, 2)).toEqual(['| Source | Destination | Port | Protocol |', '| --- | --- | --- | --- |']);
  return rows.slice(2).map((r) => r.slice(2, -2).split(' | '));
}

function reportOf(scope: App | Stack, dir = 'shop'): string {
  const text = synthFiles(scope).get(`${dir}/network.md`);
  if (text === undefined) throw new Error(`no ${dir}/network.md`);
  return text;
}

function smallShop(app = new App()) {
  const stack = netStack(staging, 'shop', app);
  const api = new WebService(stack, 'api', { image: 'acme/api:v1.0.0', port: 8080 });
  const frontend = new WebService(stack, 'frontend', { image: 'acme/frontend:v1.0.0', port: 3000, ingress: { host: 'shop.example.com' }, env: { API_URL: api.url } });
  api.allowFrom(frontend);
  return { app, stack, api, frontend };
}

describe('connectivity report', () => {
  it('lists every allowed path as source, destination, port, protocol', () => {
    const { stack, api } = smallShop();
    api.allowTo(Peer.cidr('10.0.0.0/8', { except: ['10.1.0.0/16'] }), { port: 5432 });
    api.allowFrom(Peer.namespace('batch'));
    expect(tableOf(reportOf(stack))).toEqual([
      ['api', '10.0.0.0/8 except 10.1.0.0/16', '5432', 'TCP'],
      ['every workload in shop', 'kube-dns (namespace kube-system)', '53', 'TCP'],
      ['every workload in shop', 'kube-dns (namespace kube-system)', '53', 'UDP'],
      ['frontend', 'api', 'http (8080)', 'TCP'],
      ['ingress controller (namespace ingress-nginx)', 'frontend', 'http (3000)', 'TCP'],
      ['namespace batch', 'api', 'http (8080)', 'TCP'],
    ]);
  });

  it('draws the same graph as a Mermaid flowchart', () => {
    const { stack, api } = smallShop();
    api.allowTo(Peer.cidr('10.0.0.0/8', { except: ['10.1.0.0/16'] }));
    const { nodes, edges, subgraphs } = validateFlowchart(mermaidOf(reportOf(stack)));
    expect(subgraphs).toEqual(new Map([['namespace_shop', ['w_shop_api', 'w_shop_frontend']]]));
    expect(Object.fromEntries(nodes)).toEqual({
      w_shop_api: 'api',
      w_shop_frontend: 'frontend',
      cidr_10_0_0_0_8_except_10_1_0_0_16: '10.0.0.0/8 except 10.1.0.0/16',
      kube_dns: 'kube-dns (namespace kube-system)',
      ns_ingress_nginx_ingress_controller: 'ingress controller (namespace ingress-nginx)',
    });
    expect(edges).toEqual([
      { from: 'w_shop_api', label: 'any port', to: 'cidr_10_0_0_0_8_except_10_1_0_0_16' },
      { from: 'w_shop_frontend', label: 'http 8080/TCP', to: 'w_shop_api' },
      { from: 'ns_ingress_nginx_ingress_controller', label: 'http 3000/TCP', to: 'w_shop_frontend' },
      { from: 'namespace_shop', label: '53/TCP, 53/UDP', to: 'kube_dns' },
    ]);
  });

  it('shows peers of other namespaces in their own subgraph', () => {
    const app = new App();
    const { stack, api } = smallShop(app);
    const payments = netStack(staging, 'payments', app);
    const ledger = new WebService(payments, 'ledger', { image: 'acme/ledger:v1.0.0', port: 9000 });
    api.allowTo(ledger);
    const { subgraphs, edges } = validateFlowchart(mermaidOf(reportOf(stack)));
    expect([...subgraphs.entries()]).toEqual([
      ['namespace_shop', ['w_shop_api', 'w_shop_frontend']],
      ['namespace_payments', ['w_payments_ledger']],
    ]);
    expect(edges).toContainEqual({ from: 'w_shop_api', label: 'http 9000/TCP', to: 'w_payments_ledger' });
    expect(tableOf(reportOf(app, 'payments'))).toContainEqual(['shop/api', 'ledger', 'http (9000)', 'TCP']);
    expect(tableOf(reportOf(app, 'shop'))).toContainEqual(['api', 'payments/ledger', 'http (9000)', 'TCP']);
  });

  it('says whether the namespace default deny is on', () => {
    expect(reportOf(smallShop().stack)).toContain('Default deny: on:');
    const stack = netStack(dev);
    new WebService(stack, 'api', { image: 'acme/api:v1.0.0', port: 8080 });
    expect(reportOf(stack)).toContain('Default deny: off:');
  });

  it('is deterministic, and its diff shows exactly the path a change opens', () => {
    const before = reportOf(smallShop().stack);
    expect(reportOf(smallShop().stack)).toBe(before);
    const changed = smallShop();
    changed.api.allowFrom(Peer.monitoring());
    const after = reportOf(changed.stack);
    const added = after.split('\n').filter((l) => !before.split('\n').includes(l));
    const removed = before.split('\n').filter((l) => !after.split('\n').includes(l));
    expect(removed).toEqual([]);
    expect(added).toEqual([
      '  ns_monitoring_monitoring(["monitoring (namespace monitoring)"])',
      '  ns_monitoring_monitoring -->|"http 8080/TCP"| w_shop_api',
      '| monitoring (namespace monitoring) | api | http (8080) | TCP |',
    ]);
  });

  it('the shop preset: frontend reachable only from the ingress controller and the gateway, api only from the frontend, the gateway and Prometheus on its metrics port', () => {
    const app = new App();
    const stack = shopStack(app, staging);
    const objects = synthObjects(stack);
    const policy = (name: string) => findObject(objects, 'NetworkPolicy', name).spec;
    const gateway = { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway', 'app.kubernetes.io/instance': 'gateway' } } }], ports: [{ protocol: 'TCP', port: 'http' }] };
    expect(policy('frontend').ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ protocol: 'TCP', port: 'http' }] }, gateway]);
    expect(policy('api').ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 'metrics' }] },
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'frontend', 'app.kubernetes.io/instance': 'frontend' } } }], ports: [{ protocol: 'TCP', port: 'http' }] },
      gateway,
    ]);
    expect(tableOf(reportOf(stack, 'shop-staging')).filter((r) => r[1] === 'api' || r[1] === 'frontend')).toEqual([
      ['frontend', 'api', 'http (8080)', 'TCP'],
      ['gateway', 'api', 'http (8080)', 'TCP'],
      ['gateway', 'frontend', 'http (3000)', 'TCP'],
      ['ingress controller (namespace ingress-nginx)', 'frontend', 'http (3000)', 'TCP'],
      ['monitoring (namespace monitoring)', 'api', 'metrics (9090)', 'TCP'],
    ]);
  });

  it('is written next to the manifests of each stack folder by synth', () => {
    const app = new App();
    for (const env of [staging, dev]) shopStack(app, env);
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-network-'));
    try {
      const result = synth(app, { outdir: path.join(outdir, 'dist') });
      const reports = [...result.added].filter((f) => f.endsWith('/network.md')).sort();
      expect(reports).toEqual(['shop-dev/network.md', 'shop-staging/network.md']);
      const text = fs.readFileSync(path.join(outdir, 'dist', 'shop-staging', 'network.md'), 'utf8');
      validateFlowchart(mermaidOf(text));
      expect(tableOf(text)).toContainEqual(['frontend', 'api', 'http (8080)', 'TCP']);
      expect(tableOf(text)).toContainEqual(['ingress controller (namespace ingress-nginx)', 'frontend', 'http (3000)', 'TCP']);
      expect(tableOf(text).filter((r) => r[1] === 'api').map((r) => r[0])).toEqual(['frontend', 'gateway', 'monitoring (namespace monitoring)']);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});


describe('hand-made NetworkPolicies in the report', () => {
  it('lists a NetworkPolicy added by hand with the pods it selects, its peers and ports, and counts the pods it isolates', () => {
    const stack = netStack(defineEnvironment(staging, { name: 'open', networkPolicies: { defaultDeny: false } }));
    const api = new WebService(stack, 'api', { image: 'acme/api:v1.0.0', port: 8080 });
    new WebService(stack, 'web', { image: 'acme/web:v1.0.0', port: 3000 });
    new ApiObject(stack, 'allow-batch', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-batch' },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'batch' } } }, { podSelector: { matchLabels: api.selector } }], ports: [{ port: 3000, protocol: 'TCP' }] }],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }],
      },
    });
    const report = reportOf(stack);
    expect(report).toContain('Default deny: off: each workload below is limited to its paths; Deployment/web is also isolated by the hand-made NetworkPolicies below, other pods in the namespace are not restricted.');
    const section = report.slice(report.indexOf('## Hand-made NetworkPolicies'));
    expect(section).toContain('### allow-batch\n\nMade by `shop/allow-batch`. Selects: Deployment/web. Isolates: ingress, egress.');
    const rows = section.split('\n').filter((l) => l.startsWith('| '));
    expect(rows.slice(0, 2)).toEqual(['| Direction | Peer | Port | Protocol |', '| --- | --- | --- | --- |']);
    expect(rows.slice(2).map((r) => r.slice(2, -2).split(' | '))).toEqual([
      ['egress', '10.0.0.0/8', 'any', 'any'],
      ['ingress', 'Deployment/api', '3000', 'TCP'],
      ['ingress', 'namespace batch', '3000', 'TCP'],
    ]);
  });

  it('a stack without hand-made policies has no such section', () => {
    expect(reportOf(smallShop().stack)).not.toContain('Hand-made');
  });
});
