import type { Stack } from '../core/stack.js';
import { renderHandMadePolicies, type HandMadePolicy } from './hand-made-policies.js';
import { endpointKey, endpointLabel, portLabel, sortPorts, type Endpoint, type RoutePort, type WorkloadRoutes } from './route.js';

/** What {@link renderConnectivityReport} draws. */
export interface ConnectivityReportInput {
  /** The stack the report describes. */
  readonly stack: Stack;
  /** The routes of each of its workloads' NetworkPolicies. */
  readonly routes: readonly WorkloadRoutes[];
  /** NetworkPolicies added to the stack by hand. @default - none */
  readonly handMade?: readonly HandMadePolicy[];
}

/** One allowed path with its ports, between two endpoints. */
interface Edge {
  readonly source: Endpoint;
  readonly destination: Endpoint;
  /** Undefined: every port. */
  readonly ports?: readonly RoutePort[];
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Renders who may talk to whom in one stack as Markdown: a Mermaid flowchart and a table
 * (source, destination, port, protocol). Sorted throughout, so the same graph gives the
 * same bytes and a diff shows exactly the paths a change opens or closes.
 */
export function renderConnectivityReport({ stack, routes, handMade = [] }: ConnectivityReportInput): string {
  const here = stack.namespaceName;
  const edges = collectEdges(routes, here);
  const withDns = routes.filter((r) => r.egress.some((e) => e.destination.kind === 'dns'));
  const label = (e: Endpoint) => endpointLabel(e, here);
  const rows: string[][] = [];
  for (const e of edges) {
    for (const p of e.ports ?? [undefined]) rows.push([label(e.source), label(e.destination), portLabel(p), p?.protocol ?? 'any']);
  }
  if (withDns.length) {
    const dnsPorts = withDns[0]!.egress.find((e) => e.destination.kind === 'dns')!.ports ?? [];
    for (const p of dnsPorts) rows.push([`every workload in ${here}`, label({ kind: 'dns' }), portLabel(p), p.protocol]);
  }
  rows.sort((a, b) => cmp(a.join('\u0000'), b.join('\u0000')));
  const defaultDeny = stack.env.networkPolicies.defaultDeny
    ? 'on: every pod in the namespace is denied ingress and egress except DNS to kube-dns and the paths below.'
    : `off: each workload below is limited to its paths${isolatedByHand(handMade, here)}, other pods in the namespace are not restricted.`;
  return [
    `# Network paths: ${stack.outputDir}`,
    '',
    `Who may open connections to whom in namespace \`${here}\`, as the NetworkPolicies in this folder allow.`,
    'Written by `keelson synth` from the connection graph (`allowFrom` / `allowTo`); do not edit.',
    '',
    `Default deny: ${defaultDeny}`,
    '',
    '```mermaid',
    ...renderMermaid(here, routes, edges, withDns.length > 0),
    '```',
    '',
    '| Source | Destination | Port | Protocol |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    ...renderHandMadePolicies(handMade, here),
  ].join('\n');
}

/** The pods hand-made policies isolate, as a clause of the default-deny line ('' when none). */
function isolatedByHand(handMade: readonly HandMadePolicy[], here: string): string {
  if (handMade.some((p) => p.selectsAll)) return `; every pod in namespace ${here} is isolated by a hand-made NetworkPolicy below`;
  const pods = [...new Set(handMade.flatMap((p) => p.selects))].sort(cmp);
  return pods.length ? `; ${pods.join(', ')} ${pods.length === 1 ? 'is' : 'are'} also isolated by the hand-made NetworkPolicies below` : '';
}

/** The routes as edges between endpoints (without DNS), each once, sorted by source and destination as read from `here`. */
function collectEdges(routes: readonly WorkloadRoutes[], here: string): Edge[] {
  const edges = new Map<string, Edge>();
  for (const wr of routes) {
    for (const r of [...wr.ingress, ...wr.egress]) {
      if (r.destination.kind === 'dns') continue;
      const key = `${endpointKey(r.source)}\u0000${endpointKey(r.destination)}`;
      const seen = edges.get(key);
      const ports = seen ? (seen.ports && r.ports ? sortPorts([...seen.ports, ...r.ports]) : undefined) : r.ports;
      edges.set(key, { source: r.source, destination: r.destination, ports });
    }
  }
  const order = (e: Edge) => [endpointLabel(e.source, here), endpointLabel(e.destination, here), endpointKey(e.source), endpointKey(e.destination)].join('\u0000');
  return [...edges.values()].sort((a, b) => cmp(order(a), order(b)));
}

/** A Mermaid node id: letters, digits and `_` only. */
function nodeId(prefix: string, text: string): string {
  return `${prefix}_${text.replace(/[^A-Za-z0-9]/g, '_')}`;
}

function quote(text: string): string {
  return `"${text.replace(/"/g, '#quot;')}"`;
}

function edgeLabel(ports: readonly RoutePort[] | undefined): string {
  if (!ports) return 'any port';
  return ports.map((p) => (typeof p.port === 'string' && p.containerPort !== undefined ? `${p.port} ${p.containerPort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(', ');
}

/**
 * A Mermaid flowchart: the stack's workloads in a subgraph for its namespace, workloads of
 * other namespaces in theirs, namespaces, CIDR blocks and kube-dns as rounded nodes.
 */
function renderMermaid(here: string, routes: readonly WorkloadRoutes[], edges: readonly Edge[], dns: boolean): string[] {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  const idOf = (key: string, wanted: string): string => {
    let id = ids.get(key);
    if (id) return id;
    id = wanted;
    for (let n = 2; taken.has(id); n++) id = `${wanted}_${n}`;
    ids.set(key, id);
    taken.add(id);
    return id;
  };
  const endpointId = (e: Endpoint): string => {
    switch (e.kind) {
      case 'workload':
        return idOf(endpointKey(e), nodeId(`w_${e.workload.namespace.replace(/[^A-Za-z0-9]/g, '_')}`, e.workload.name));
      case 'namespace':
        return idOf(endpointKey(e), nodeId('ns', `${e.namespace}${e.role ? `_${e.role}` : ''}`));
      case 'cidr':
        return idOf(endpointKey(e), e.host ? nodeId('ext', e.host) : nodeId('cidr', `${e.cidr}${e.except.length ? `_except_${e.except.join('_')}` : ''}`));
      case 'dns':
        return idOf('dns', 'kube_dns');
    }
  };
  const hereId = idOf(`subgraph:${here}`, nodeId('namespace', here));
  const lines = ['flowchart LR'];

  // Workloads, grouped by namespace: this stack's first (all of them, even unconnected), then the others.
  const byNamespace = new Map<string, Map<string, Endpoint>>([[here, new Map()]]);
  const addWorkload = (e: Endpoint) => {
    if (e.kind !== 'workload') return;
    let group = byNamespace.get(e.workload.namespace);
    if (!group) byNamespace.set(e.workload.namespace, (group = new Map()));
    group.set(endpointKey(e), e);
  };
  for (const wr of routes) addWorkload({ kind: 'workload', workload: wr.workload });
  for (const e of edges) [e.source, e.destination].forEach(addWorkload);
  const namespaces = [here, ...[...byNamespace.keys()].filter((n) => n !== here).sort(cmp)];
  for (const ns of namespaces) {
    const members = [...byNamespace.get(ns)!.entries()].sort((a, b) => cmp(a[0], b[0])).map(([, e]) => e);
    const id = ns === here ? hereId : idOf(`subgraph:${ns}`, nodeId('namespace', ns));
    lines.push(`  subgraph ${id}[${quote(`namespace ${ns}`)}]`);
    for (const e of members) lines.push(`    ${endpointId(e)}[${quote(endpointLabel(e, ns))}]`);
    lines.push('  end');
  }

  // Everything that is not a workload: namespaces, CIDR blocks, kube-dns.
  const others = new Map<string, Endpoint>();
  for (const e of edges) for (const end of [e.source, e.destination]) if (end.kind !== 'workload') others.set(endpointKey(end), end);
  if (dns) others.set('dns', { kind: 'dns' });
  for (const key of [...others.keys()].sort(cmp)) {
    const e = others.get(key)!;
    lines.push(`  ${endpointId(e)}([${quote(endpointLabel(e, here))}])`);
  }

  for (const e of edges) lines.push(`  ${endpointId(e.source)} -->|${quote(edgeLabel(e.ports))}| ${endpointId(e.destination)}`);
  if (dns) {
    const ports = routes.find((r) => r.egress[0]?.destination.kind === 'dns')?.egress[0]?.ports;
    lines.push(`  ${hereId} -->|${quote(edgeLabel(ports))}| ${endpointId({ kind: 'dns' })}`);
  }
  return lines;
}
