import { ApiObject, type Chart } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { ErrorContext, KeelsonError } from '../core/errors.js';
import { addSynthHook, type StackManifest, type SynthHookResult } from '../core/manifest.js';
import { checkDnsLabel } from '../core/names.js';
import type { Stack } from '../core/stack.js';
import { Workload, type WorkloadPort } from '../core/workload.js';
import { checkCidr } from './cidr.js';
import { renderConnectivityReport } from './connectivity-report.js';
import { checkDependencies, checkPeersHavePods, checkPolicySelectors, checkPortsExposed, PodIndex } from './network-checks.js';
import { createDefaultDenyPolicy, createWorkloadPolicy, DNS_PORTS } from './network-policy.js';
import { Peer, type ConnectionOptions, type NetworkPeer } from './peer.js';
import { endpointKey, sortPorts, type Endpoint, type Route, type RoutePort, type WorkloadRoutes } from './route.js';

/** One declared connection: `source` may open connections to `target`. */
export interface Connection {
  /** Who opens connections. */
  readonly source: NetworkPeer;
  /** Who accepts them. */
  readonly target: NetworkPeer;
  /** Port and protocol, as declared. */
  readonly options: ConnectionOptions;
  /** The workload whose `allowFrom` or `allowTo` declared it (errors name its path). */
  readonly declaredBy: Workload;
  /** The method that declared it. */
  readonly method: 'allowFrom' | 'allowTo';
}

/** The file, in each stack folder, that shows who may talk to whom. */
export const CONNECTIVITY_REPORT_FILE = 'network.md';

const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const MONITOR_KINDS = new Set(['ServiceMonitor', 'PodMonitor']);

const GRAPHS = new WeakMap<Stack, ConnectionGraph>();
/** Per app (tree root): namespaces whose default deny a stack already emits. */
const DEFAULT_DENY_NAMESPACES = new WeakMap<IConstruct, Set<string>>();
/** Per connection: its resolved ports, or the error that stopped it (reported once). */
const RESOLVED = new WeakMap<Connection, { readonly ports?: readonly RoutePort[]; readonly error?: KeelsonError }>();
const HOSTS = new WeakMap<readonly StackManifest[], Map<string, Workload>>();
const CHARTS = new WeakMap<readonly StackManifest[], ReadonlySet<Chart>>();

/**
 * Who may talk to whom in one Stack: the connections its workloads declare with
 * `allowFrom` / `allowTo` (a connection between two stacks is in both graphs). At synth it
 * becomes one NetworkPolicy per workload, a namespace default deny where the environment
 * asks for it, checks of the output, and the connectivity report `network.md`.
 */
export class ConnectionGraph {
  /** The graph of `stack` (made on first use). */
  public static of(stack: Stack): ConnectionGraph {
    let graph = GRAPHS.get(stack);
    if (!graph) GRAPHS.set(stack, (graph = new ConnectionGraph(stack)));
    return graph;
  }

  /**
   * Records `connection` in the graphs of both ends. Input errors (an unknown peer, a bad
   * port, CIDR or namespace name) are thrown now; whether the peer and port exist is
   * checked at synth.
   */
  public static declare(connection: Connection): void {
    const { source, target, options, declaredBy, method } = connection;
    const ctx = new ErrorContext(declaredBy.node.path);
    const peer = method === 'allowFrom' ? source : target;
    checkPeer(ctx, method, peer);
    checkOptions(ctx, method, options, target instanceof Workload);
    const graphs = [source, target].filter((e): e is Workload => e instanceof Workload).map((w) => ConnectionGraph.of(w.stack));
    for (const graph of graphs) {
      if (graph.resolved) {
        throw ctx.error(method, describePeer(peer), `comes after stack ${graph.stack.node.path} was synthesized`, 'Declare every connection before synth');
      }
    }
    for (const graph of new Set(graphs)) graph.declared.push(connection);
    if (source instanceof Workload) listFor(ConnectionGraph.of(source.stack).outbound, source).push(connection);
    if (target instanceof Workload) listFor(ConnectionGraph.of(target.stack).inbound, target).push(connection);
  }

  private readonly members: Workload[] = [];
  private readonly declared: Connection[] = [];
  private readonly inbound = new Map<Workload, Connection[]>();
  private readonly outbound = new Map<Workload, Connection[]>();
  private readonly errors: KeelsonError[] = [];
  private resolved?: readonly WorkloadRoutes[];

  private constructor(
    /** The stack whose workloads this graph covers. */
    public readonly stack: Stack,
  ) {
    addSynthHook(stack, { prepare: () => this.prepare(), finish: (manifest, all) => this.finish(manifest, all) });
  }

  /** The stack's workloads, in creation order. */
  public get workloads(): readonly Workload[] {
    return this.members;
  }

  /** Every connection that touches a workload of this stack, in declaration order. */
  public get connections(): readonly Connection[] {
    return this.declared;
  }

  /** Adds a workload; every workload gets a NetworkPolicy. Called by the `Workload` constructor. */
  public add(workload: Workload): void {
    this.members.push(workload);
  }

  /**
   * What each workload's NetworkPolicy allows, sorted. The first call fixes the graph:
   * connections declared later are refused.
   */
  public routes(): readonly WorkloadRoutes[] {
    this.resolved ??= this.members.map((w) => this.resolveWorkload(w));
    return this.resolved;
  }

  private prepare(): void {
    const settings = this.stack.env.networkPolicies;
    const ctx = new ErrorContext(this.stack.node.path);
    for (const field of ['ingressControllerNamespace', 'monitoringNamespace'] as const) {
      try {
        checkDnsLabel(ctx, `env.networkPolicies.${field}`, settings[field]);
      } catch (e) {
        this.errors.push(e as KeelsonError);
      }
    }
    const root = this.stack.node.root;
    let claimed = DEFAULT_DENY_NAMESPACES.get(root);
    if (!claimed) DEFAULT_DENY_NAMESPACES.set(root, (claimed = new Set()));
    if (settings.defaultDeny && !claimed.has(this.stack.namespaceName)) {
      claimed.add(this.stack.namespaceName);
      createDefaultDenyPolicy(this.stack, 'default-deny');
    }
    for (const routes of this.routes()) createWorkloadPolicy(routes.workload, 'network-policy', routes);
  }

  private finish(manifest: StackManifest, all: readonly StackManifest[]): SynthHookResult {
    const index = PodIndex.of(all);
    const routes = this.routes();
    const own = this.declared.filter((c) => c.declaredBy.stack === this.stack);
    const errors = [
      ...this.errors,
      ...checkPolicySelectors(manifest, index),
      ...checkPeersHavePods(own, index, synthesizedCharts(all)),
      ...checkPortsExposed(routes, index),
      ...checkDependencies(this.members, manifest, index, workloadsByHost(all), (from, to) => this.portsAllowed(from, to)),
    ];
    const report = renderConnectivityReport({ stack: this.stack, routes });
    return { errors, files: { [CONNECTIVITY_REPORT_FILE]: report } };
  }

  /** The ports `from` may use to reach `to`, or undefined when no connection allows it. */
  private portsAllowed(from: Workload, to: Workload): readonly RoutePort[] | undefined {
    const ports: RoutePort[] = [];
    for (const c of this.outbound.get(from) ?? []) {
      if (c.target !== to) continue;
      const resolved = RESOLVED.get(c);
      if (resolved?.ports) ports.push(...resolved.ports);
    }
    return ports.length ? ports : undefined;
  }

  private resolveWorkload(w: Workload): WorkloadRoutes {
    const self: Endpoint = { kind: 'workload', workload: w };
    const settings = this.stack.env.networkPolicies;
    const ingress: Route[] = [];
    for (const c of this.inbound.get(w) ?? []) {
      const resolved = this.resolveConnection(c);
      if (!resolved.error) ingress.push({ source: endpointOf(c.source, c), destination: self, ports: resolved.ports });
    }
    const children = w.node.children.filter((c): c is ApiObject => c instanceof ApiObject);
    if (children.some((c) => c.kind === 'Ingress')) {
      ingress.push({ source: { kind: 'namespace', namespace: settings.ingressControllerNamespace, role: 'ingress controller' }, destination: self, ports: w.ports.map(toRoutePort) });
    }
    const monitors = children.filter((c) => MONITOR_KINDS.has(c.kind));
    if (monitors.length) {
      // Scraped ports are named container ports (often a sidecar's `metrics`, not a declared port).
      const scraped = [...new Set(monitors.flatMap(scrapedPortNames))];
      const ports = scraped.length ? scraped.map((name): RoutePort => w.ports.map(toRoutePort).find((p) => p.port === name) ?? { port: name, protocol: 'TCP' }) : w.ports.map(toRoutePort);
      ingress.push({ source: { kind: 'namespace', namespace: settings.monitoringNamespace, role: 'monitoring' }, destination: self, ports });
    }
    const egress: Route[] = [{ source: self, destination: { kind: 'dns' }, ports: DNS_PORTS }];
    for (const c of this.outbound.get(w) ?? []) {
      const resolved = this.resolveConnection(c);
      if (!resolved.error) egress.push({ source: self, destination: endpointOf(c.target, c), ports: resolved.ports });
    }
    return { workload: w, ingress: merge(ingress, 'source'), egress: merge(egress, 'destination') };
  }

  /** Resolves a connection's ports once; its error goes to the first graph that resolves it. */
  private resolveConnection(c: Connection): { readonly ports?: readonly RoutePort[]; readonly error?: KeelsonError } {
    let resolved = RESOLVED.get(c);
    if (!resolved) {
      resolved = resolvePorts(c);
      RESOLVED.set(c, resolved);
      if (resolved.error) this.errors.push(resolved.error);
    }
    return resolved;
  }
}

function listFor(map: Map<Workload, Connection[]>, w: Workload): Connection[] {
  let list = map.get(w);
  if (!list) map.set(w, (list = []));
  return list;
}

/** Every workload of the synthesized stacks by its Service host `<name>.<namespace>`, built once per synth. */
/** The charts of one synth (built once per synth, not once per stack). */
function synthesizedCharts(all: readonly StackManifest[]): ReadonlySet<Chart> {
  let charts = CHARTS.get(all);
  if (!charts) CHARTS.set(all, (charts = new Set(all.map((m) => m.chart))));
  return charts;
}

function workloadsByHost(all: readonly StackManifest[]): ReadonlyMap<string, Workload> {
  let hosts = HOSTS.get(all);
  if (!hosts) {
    hosts = new Map();
    for (const m of all) for (const w of GRAPHS.get(m.chart as Stack)?.workloads ?? []) hosts.set(`${w.name}.${w.namespace}`, w);
    HOSTS.set(all, hosts);
  }
  return hosts;
}

function describePeer(peer: unknown): unknown {
  if (peer instanceof Workload) return peer.node.path;
  if (peer instanceof Peer) return peer.value === undefined ? `Peer.${peer.kind}` : `Peer.${peer.kind}(${peer.value})`;
  return peer;
}

function checkPeer(ctx: ErrorContext, field: string, peer: unknown): void {
  if (peer instanceof Workload) return;
  if (!(peer instanceof Peer)) {
    throw ctx.error(field, describePeer(peer), 'is not a workload or a Peer', 'Pass another workload (e.g. a WebService) or Peer.namespace(), Peer.ingressController(), Peer.monitoring(), Peer.cidr()');
  }
  if (peer.kind === 'namespace') checkDnsLabel(ctx, `${field}(Peer.namespace)`, peer.value);
  if (peer.kind === 'cidr') checkCidr(ctx, `${field}(Peer.cidr)`, peer.value, peer.except);
}

function checkOptions(ctx: ErrorContext, method: string, options: ConnectionOptions, toWorkload: boolean): void {
  const { port, protocol } = options;
  if (port !== undefined) {
    const ok = typeof port === 'number' ? Number.isInteger(port) && port >= 1 && port <= 65535 : typeof port === 'string' && port.length <= 15 && IANA_SVC_NAME.test(port);
    ctx.check(ok, `${method}.port`, port, 'is not a port number (1-65535) or port name', 'Use a number or a name of up to 15 lower-case letters, digits and "-"');
  }
  if (protocol !== undefined) {
    ctx.check(PROTOCOLS.includes(protocol), `${method}.protocol`, protocol, 'must be "TCP", "UDP" or "SCTP"');
    ctx.check(toWorkload || port !== undefined, `${method}.protocol`, protocol, 'needs a port when the target is not a workload', 'Set port as well');
  }
}

function toRoutePort(p: WorkloadPort): RoutePort {
  return { port: p.name, protocol: p.protocol, containerPort: p.containerPort };
}

function portSummary(w: Workload): string {
  return w.ports.map((p) => `${p.name} ${p.port}→${p.containerPort}/${p.protocol}`).join(', ');
}

/** The ports of a connection on its target: declared ports of a workload, or the literal port. */
function resolvePorts(c: Connection): { readonly ports?: readonly RoutePort[]; readonly error?: KeelsonError } {
  const ctx = new ErrorContext(c.declaredBy.node.path);
  const { port, protocol } = c.options;
  const peer = c.method === 'allowFrom' ? c.source : c.target;
  if (peer instanceof Workload && peer.node.root !== c.declaredBy.node.root) {
    return { error: ctx.error(c.method, peer.node.path, 'resolves to nothing: it belongs to another app, whose pods this synth never deploys', 'Create both workloads under the same App') };
  }
  const target = c.target;
  if (!(target instanceof Workload)) return { ports: port === undefined ? undefined : [{ port, protocol: protocol ?? 'TCP' }] };
  if (!target.ports.length) {
    return { error: ctx.error(c.method, describePeer(peer), `connects to ${target.node.path}, which exposes no ports`, 'Declare a port on the target workload or remove the connection') };
  }
  const matches = target.ports.filter(
    (p) => (port === undefined ? !p.metricsOnly : (typeof port === 'string' ? p.name === port : p.port === port || p.containerPort === port)) && (protocol === undefined || p.protocol === protocol),
  );
  if (!matches.length) {
    const field = port === undefined ? `${c.method}.protocol` : `${c.method}.port`;
    return {
      error: ctx.error(field, port ?? protocol, `is not a port ${target.node.path} exposes (ports: ${portSummary(target)})`, 'Use one of its port names, Service ports or container ports, or leave port out to allow all of them'),
    };
  }
  return { ports: matches.map(toRoutePort) };
}

function endpointOf(peer: NetworkPeer, c: Connection): Endpoint {
  if (peer instanceof Workload) return { kind: 'workload', workload: peer };
  const settings = c.declaredBy.stack.env.networkPolicies;
  switch (peer.kind) {
    case 'namespace':
      return { kind: 'namespace', namespace: peer.value! };
    case 'ingress-controller':
      return { kind: 'namespace', namespace: settings.ingressControllerNamespace, role: 'ingress controller' };
    case 'monitoring':
      return { kind: 'namespace', namespace: settings.monitoringNamespace, role: 'monitoring' };
    case 'cidr':
      return { kind: 'cidr', cidr: peer.value!, except: peer.except };
  }
}

/** Port names a ServiceMonitor's endpoints or a PodMonitor's podMetricsEndpoints scrape. */
function scrapedPortNames(monitor: ApiObject): string[] {
  const spec = monitor.toJson().spec ?? {};
  const endpoints: { port?: unknown }[] = spec.endpoints ?? spec.podMetricsEndpoints ?? [];
  return endpoints.map((e) => e.port).filter((p): p is string => typeof p === 'string');
}

/** One route per peer on `side`, the union of their ports (undefined wins: every port), sorted by peer. */
function merge(routes: readonly Route[], side: 'source' | 'destination'): Route[] {
  const byPeer = new Map<string, Route>();
  for (const r of routes) {
    const key = endpointKey(r[side]);
    const seen = byPeer.get(key);
    if (!seen) byPeer.set(key, r);
    else byPeer.set(key, { ...seen, ports: seen.ports && r.ports ? [...seen.ports, ...r.ports] : undefined });
  }
  const dns = byPeer.get('dns');
  byPeer.delete('dns');
  const sorted = [...byPeer.keys()].sort().map((k) => byPeer.get(k)!);
  return [...(dns ? [dns] : []), ...sorted].map((r) => (r.ports ? { ...r, ports: sortPorts(r.ports) } : r));
}
