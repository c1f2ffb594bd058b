import { ApiObject, type Chart } from 'cdk8s';
import { describePeer, type Connection } from '../core/connections.js';
import { ErrorContext, KeelsonError } from '../core/errors.js';
import { checkDnsLabel } from '../core/names.js';
import { Stack } from '../core/stack.js';
import { ContextSlot, type StackFindings, type StackManifest, type SynthContext, type SynthExtension } from '../core/synth-context.js';
import { Workload, type NetworkPeer, type WorkloadPort } from '../core/workload.js';
import { renderConnectivityReport } from './connectivity-report.js';
import { handMadePolicies } from './hand-made-policies.js';
import { checkDependencies, checkPeersHavePods, checkPolicySelectors, checkPortsExposed, PodIndex } from './network-checks.js';
import { createDefaultDenyPolicy, createWorkloadPolicy, DNS_PORTS } from './network-policy.js';
import { endpointKey, sortPorts, type Endpoint, type ExtraRoutes, type Route, type RoutePort, type WorkloadRoutes } from './route.js';

/** A connection between workloads, as the network area reads it. */
export type WorkloadConnection = Connection<Workload>;

/** The file, in each stack folder, that shows who may talk to whom. */
export const CONNECTIVITY_REPORT_FILE = 'network.md';

const MONITOR_KINDS = new Set(['ServiceMonitor', 'PodMonitor']);
/** Address ranges an external host is never in: a NetworkPolicy to "the internet" must not open the cluster's own pods. */
const PRIVATE_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/** A connection's resolved ports, or the error that stopped it. */
interface Resolution {
  readonly ports?: readonly RoutePort[];
  readonly error?: KeelsonError;
}

/**
 * What the network area knows during one synth: every workload of the app and its
 * connections (read once from the tree), the graph of each stack, each connection's
 * resolved ports, and the pod index of the output.
 */
class NetworkSynth {
  /** Per synth: the network state of the context. */
  public static readonly SLOT = new ContextSlot('network', (context) => new NetworkSynth(context));

  /** Each connection's ports, resolved once per synth; its error goes to the first graph that resolves it. */
  public readonly resolutions = new Map<WorkloadConnection, Resolution>();
  /** The graph of each stack, made on first use. */
  public readonly graphs = new Map<Stack, ConnectionGraph>();
  private members?: Map<Stack, Workload[]>;
  private connections?: readonly WorkloadConnection[];
  private defaultDenyNamespaces?: Set<string>;
  private index?: PodIndex;
  private charts?: ReadonlySet<Chart>;

  private constructor(private readonly context: SynthContext) {}

  /** The workloads of `stack`, in tree order. */
  public workloadsOf(stack: Stack): readonly Workload[] {
    this.readTree();
    return this.members!.get(stack) ?? [];
  }

  /** Every connection declared in the app, by workload in tree order, then in declaration order. */
  public get allConnections(): readonly WorkloadConnection[] {
    this.readTree();
    return this.connections!;
  }

  /** Claims `namespace`'s default deny for one stack; false when another stack of the app already emits it. */
  public claimDefaultDeny(namespace: string): boolean {
    if (!this.defaultDenyNamespaces) {
      this.defaultDenyNamespaces = new Set();
      for (const c of this.context.root.node.root.node.findAll()) {
        if (c instanceof Stack && c.node.tryFindChild(DEFAULT_DENY_ID)) this.defaultDenyNamespaces.add(c.namespaceName);
      }
    }
    if (this.defaultDenyNamespaces.has(namespace)) return false;
    this.defaultDenyNamespaces.add(namespace);
    return true;
  }

  /** The pod templates of the synth's output. */
  public get podIndex(): PodIndex {
    this.index ??= new PodIndex(this.context.manifests, this.context.kinds);
    return this.index;
  }

  /** The charts this synth writes. */
  public get synthesizedCharts(): ReadonlySet<Chart> {
    this.charts ??= new Set(this.context.manifests.map((m) => m.chart));
    return this.charts;
  }

  /** Reads the workloads and connections of the whole app once: a connection into this synth's stacks may be declared anywhere in it. */
  private readTree(): void {
    if (this.members) return;
    this.members = new Map();
    const connections: WorkloadConnection[] = [];
    for (const c of this.context.root.node.root.node.findAll()) {
      if (!(c instanceof Workload)) continue;
      let list = this.members.get(c.stack);
      if (!list) this.members.set(c.stack, (list = []));
      list.push(c);
      connections.push(...c.connections);
    }
    this.connections = connections;
  }
}

/** The id of the namespace default deny in its stack. */
const DEFAULT_DENY_ID = 'default-deny';
/** The id of a workload's NetworkPolicy under the workload. */
const POLICY_ID = 'network-policy';

/**
 * The network area's part of every synth: for each stack with workloads it creates one
 * NetworkPolicy per workload and the namespace default deny (in the first synth; the
 * connections are then fixed), then checks the output and writes `network.md`.
 */
export const networkExtension: SynthExtension = {
  name: 'network',
  prepareStack(context: SynthContext, chart: Chart): void {
    if (!(chart instanceof Stack) || chart.connectionsSealed) return;
    const network = context.state(NetworkSynth.SLOT);
    const graph = ConnectionGraph.of(context, chart);
    if (!graph.workloads.length) return;
    chart.sealConnections();
    if (chart.env.networkPolicies.defaultDeny && network.claimDefaultDeny(chart.namespaceName)) createDefaultDenyPolicy(chart, DEFAULT_DENY_ID);
    for (const routes of graph.routes()) createWorkloadPolicy(routes.workload, POLICY_ID, routes);
  },
  finishStack(context: SynthContext, manifest: StackManifest): StackFindings {
    if (!(manifest.chart instanceof Stack)) return {};
    const graph = ConnectionGraph.of(context, manifest.chart);
    return graph.workloads.length ? graph.finish(manifest) : {};
  },
};

/**
 * Who may talk to whom in one Stack during one synth: the connections its workloads
 * declare with `allowFrom` / `allowTo`, and those other workloads declare with it (a
 * connection between two stacks is in both graphs). It becomes one NetworkPolicy per
 * workload, checks of the output, and the connectivity report `network.md`.
 */
export class ConnectionGraph {
  /** The graph of `stack` in the synth of `context`. */
  public static of(context: SynthContext, stack: Stack): ConnectionGraph {
    const network = context.state(NetworkSynth.SLOT);
    let graph = network.graphs.get(stack);
    if (!graph) network.graphs.set(stack, (graph = new ConnectionGraph(stack, network)));
    return graph;
  }

  /** The stack's workloads, in tree order. */
  public readonly workloads: readonly Workload[];
  /** Every connection that touches a workload of this stack. */
  public readonly connections: readonly WorkloadConnection[];
  private readonly inbound = new Map<Workload, WorkloadConnection[]>();
  private readonly outbound = new Map<Workload, WorkloadConnection[]>();
  private readonly errors: KeelsonError[] = [];
  private readonly extra = new Map<Workload, ExtraRoutes[]>();
  private readonly sections: string[] = [];
  private resolved?: readonly WorkloadRoutes[];

  private constructor(
    /** The stack whose workloads this graph covers. */
    public readonly stack: Stack,
    private readonly network: NetworkSynth,
  ) {
    this.workloads = network.workloadsOf(stack);
    const here = (end: NetworkPeer): end is Workload => end instanceof Workload && end.stack === stack;
    this.connections = network.allConnections.filter((c) => here(c.source) || here(c.target));
    for (const c of this.connections) {
      if (here(c.source)) listFor(this.outbound, c.source).push(c);
      if (here(c.target)) listFor(this.inbound, c.target).push(c);
    }
  }

  /** What each workload's NetworkPolicy allows, sorted. */
  public routes(): readonly WorkloadRoutes[] {
    this.resolved ??= this.workloads.map((w) => this.resolveWorkload(w));
    return this.resolved;
  }

  /**
   * Adds routes to `workload`'s NetworkPolicy for an area above the network (a service
   * mesh's control and data plane ports). Call it before the policies are made: in an
   * extension's `prepareStack` that runs before the network's.
   */
  public addRoutes(workload: Workload, routes: ExtraRoutes): void {
    listFor(this.extra, workload).push(routes);
    this.resolved = undefined;
  }

  /**
   * The target ports a connection of this graph allows (`ports` undefined: every port), or
   * undefined when they do not resolve (the graph reports why).
   */
  public portsOf(c: WorkloadConnection): { readonly ports?: readonly RoutePort[] } | undefined {
    const resolved = this.resolveConnection(c);
    return resolved.error ? undefined : { ports: resolved.ports };
  }

  /** Adds a Markdown section to the end of `network.md` (e.g. the mesh's authorization). */
  public addReportSection(markdown: string): void {
    this.sections.push(markdown);
  }

  /** Checks the stack's output against the graph and renders `network.md`. */
  public finish(manifest: StackManifest): StackFindings {
    const index = this.network.podIndex;
    const routes = this.routes();
    const own = this.connections.filter((c) => c.declaredBy.stack === this.stack);
    const errors = [
      ...this.checkSettings(),
      ...this.errors,
      ...checkPolicySelectors(manifest, index),
      ...checkPeersHavePods(own, index, this.network.synthesizedCharts),
      ...checkPortsExposed(routes, index),
      ...checkDependencies(this.workloads, this.network.synthesizedCharts, (from, to) => this.portsAllowed(from, to)),
    ];
    const generated = new Set([`${this.stack.node.path}/${DEFAULT_DENY_ID}`, ...this.workloads.map((w) => `${w.node.path}/${POLICY_ID}`)]);
    const handMade = handMadePolicies(manifest, generated, index);
    const report = renderConnectivityReport({ stack: this.stack, routes, handMade }) + this.sections.map((s) => `\n${s}`).join('');
    return { errors, files: { [CONNECTIVITY_REPORT_FILE]: report } };
  }

  private checkSettings(): KeelsonError[] {
    const settings = this.stack.env.networkPolicies;
    const ctx = new ErrorContext(this.stack.node.path);
    const errors: KeelsonError[] = [];
    for (const field of ['ingressControllerNamespace', 'monitoringNamespace'] as const) {
      try {
        checkDnsLabel(ctx, `env.networkPolicies.${field}`, settings[field]);
      } catch (e) {
        errors.push(e as KeelsonError);
      }
    }
    return errors;
  }

  /** The ports `from` may use to reach `to`, or undefined when no connection allows it. */
  private portsAllowed(from: Workload, to: Workload): readonly RoutePort[] | undefined {
    const ports: RoutePort[] = [];
    for (const c of this.outbound.get(from) ?? []) {
      if (c.target !== to) continue;
      const resolved = this.network.resolutions.get(c);
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
    for (const extra of this.extra.get(w) ?? []) {
      ingress.push(...(extra.ingress ?? []));
      egress.push(...(extra.egress ?? []));
    }
    return { workload: w, ingress: merge(ingress, 'source'), egress: merge(egress, 'destination') };
  }

  /** Resolves a connection's ports once per synth; its error goes to the first graph that resolves it. */
  private resolveConnection(c: WorkloadConnection): Resolution {
    let resolved = this.network.resolutions.get(c);
    if (!resolved) {
      resolved = resolvePorts(c);
      this.network.resolutions.set(c, resolved);
      if (resolved.error) this.errors.push(resolved.error);
    }
    return resolved;
  }
}

function listFor<T>(map: Map<Workload, T[]>, w: Workload): T[] {
  let list = map.get(w);
  if (!list) map.set(w, (list = []));
  return list;
}

function toRoutePort(p: WorkloadPort): RoutePort {
  return { port: p.name, protocol: p.protocol, containerPort: p.containerPort };
}

function portSummary(w: Workload): string {
  return w.ports.map((p) => `${p.name} ${p.port}→${p.containerPort}/${p.protocol}`).join(', ');
}

/** The ports of a connection on its target: declared ports of a workload, or the literal port. */
function resolvePorts(c: WorkloadConnection): Resolution {
  const ctx = new ErrorContext(c.declaredBy.node.path);
  const { port, protocol } = c.options;
  const peer = c.method === 'allowFrom' ? c.source : c.target;
  if (peer instanceof Workload && peer.node.root !== c.declaredBy.node.root) {
    return { error: ctx.error(c.method, peer.node.path, 'resolves to nothing: it belongs to another app, whose pods this synth never deploys', 'Create both workloads under the same App') };
  }
  const target = c.target;
  if (!(target instanceof Workload)) {
    const fixed = port ?? target.port;
    return { ports: fixed === undefined ? undefined : [{ port: fixed, protocol: protocol ?? 'TCP' }] };
  }
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

function endpointOf(peer: NetworkPeer, c: WorkloadConnection): Endpoint {
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
    case 'external':
      return { kind: 'cidr', cidr: '0.0.0.0/0', except: PRIVATE_RANGES, host: peer.value! };
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
