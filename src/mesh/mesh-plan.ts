import { ApiObject } from 'cdk8s';
import { describePeer } from '../core/connections.js';
import { nativeSidecars } from '../core/environment.js';
import { ErrorContext, type KeelsonError } from '../core/errors.js';
import type { KindRegistry, PodTemplate } from '../core/kinds.js';
import { KubeObject } from '../core/kube-object.js';
import type { MeshProfile } from '../core/mesh-profile.js';
import type { HttpRule } from '../core/peer.js';
import type { Stack } from '../core/stack.js';
import { Workload, type WorkloadPort } from '../core/workload.js';
import type { ConnectionGraph, WorkloadConnection } from '../network/connection-graph.js';
import type { Endpoint } from '../network/route.js';
import { Mesh } from './mesh.js';

/** Who calls, as the mesh identifies it. */
export type Caller =
  /** A ServiceAccount identity (mTLS). */
  | { readonly kind: 'service-account'; readonly namespace: string; readonly serviceAccount: string; readonly label: string }
  /** Any identity of a namespace (mTLS). */
  | { readonly kind: 'namespace'; readonly namespace: string; readonly label: string }
  /** A caller without a mesh identity: plain text on these ports, limited by the NetworkPolicy only. */
  | { readonly kind: 'unauthenticated'; readonly label: string; readonly reason: string };

/** One caller's permission on a meshed workload: these ports (and, optionally, only these requests). */
export interface Grant {
  /** The workload called. */
  readonly target: Workload;
  /** Who calls. */
  readonly caller: Caller;
  /** The target's ports. */
  readonly ports: readonly WorkloadPort[];
  /** Only these requests. @default - every request */
  readonly http?: HttpRule;
  /** Where the caller's traffic comes from, for the NetworkPolicy's data-plane ports; undefined for callers outside the mesh. */
  readonly endpoint?: Endpoint;
  /** True when only the mesh knows this caller (the ingress gateway): the NetworkPolicy must admit it on `ports` too. @default false */
  readonly admitInPolicy?: boolean;
}

/** The id, under a workload, of its objects for the ingress gateway (they replace its Ingress). */
export const MESH_INGRESS_ID = 'mesh-ingress';

/** A pod template of a workload, held by a KubeObject whose manifest it is part of (edits change the output). */
export interface OwnedTemplate {
  /** The object that holds the template. */
  readonly owner: KubeObject;
  /** The template (live parts of `owner.manifest`). */
  readonly template: PodTemplate;
  /** Whether its pods run until stopped. */
  readonly longRunning: boolean;
}

/** A workload of the stack as the mesh sees it. */
export interface MeshMember {
  /** The workload. */
  readonly workload: Workload;
  /** Why it stays out of the mesh, when it does. */
  readonly excluded?: string;
  /** Its pod templates. */
  readonly templates: readonly OwnedTemplate[];
  /** Its ServiceAccount. */
  readonly serviceAccount: string;
}

/** The mesh's view of one stack: members, grants, and what could not be expressed. */
export interface MeshPlan {
  /** The stack. */
  readonly stack: Stack;
  /** The mesh. */
  readonly mesh: MeshProfile;
  /** Every workload of the stack. */
  readonly members: readonly MeshMember[];
  /** Grants on the stack's meshed workloads, in declaration order. */
  readonly grants: readonly Grant[];
  /** Calls from the stack's meshed workloads to meshed workloads (for their egress data-plane ports). */
  readonly outbound: readonly { readonly source: Workload; readonly target: Workload }[];
  /** Hosts outside the cluster the stack's meshed workloads call (`Peer.external`), sorted. */
  readonly externals: readonly { readonly host: string; readonly port: number }[];
  /** Input the mesh cannot express. */
  readonly errors: readonly KeelsonError[];
}

/** The pod templates of `w`'s own objects (KubeObjects only: their manifests are what synth writes). */
export function ownedTemplates(w: Workload, kinds: KindRegistry): OwnedTemplate[] {
  const out: OwnedTemplate[] = [];
  for (const child of w.node.findAll()) {
    if (!KubeObject.isKubeObject(child) || !child.rendersDirectly) continue;
    const json = { apiVersion: child.apiVersion, kind: child.kind, ...child.manifest };
    for (const template of kinds.podTemplates(json)) out.push({ owner: child, template, longRunning: kinds.runsUntilStopped(json) });
  }
  return out;
}

/** Whether `w` runs in a mesh: its stack has one and it is not excluded. */
export function meshOf(w: Workload): MeshProfile | undefined {
  return w.stack.mesh && Mesh.exclusionOf(w) === undefined ? w.stack.mesh : undefined;
}

/** The ServiceAccount identity of `w`, read from its pod templates. */
function serviceAccountOf(templates: readonly OwnedTemplate[]): string {
  return templates.find((t) => t.template.spec.serviceAccountName)?.template.spec.serviceAccountName ?? 'default';
}

/** Builds the mesh's view of `stack` from its connection graph. */
export function planMesh(stack: Stack, mesh: MeshProfile, graph: ConnectionGraph, kinds: KindRegistry): MeshPlan {
  const errors: KeelsonError[] = [];
  const members = new Map<Workload, MeshMember>();
  const memberOf = (w: Workload): MeshMember => {
    let m = members.get(w);
    if (!m) {
      const templates = ownedTemplates(w, kinds);
      const excluded = Mesh.exclusionOf(w);
      m = { workload: w, templates, serviceAccount: serviceAccountOf(templates), ...(excluded !== undefined ? { excluded } : {}) };
      members.set(w, m);
    }
    return m;
  };
  for (const w of graph.workloads) {
    const m = memberOf(w);
    if (m.excluded !== undefined || mesh.mode === 'ambient' || nativeSidecars(stack.env)) continue;
    const job = m.templates.find((t) => !t.longRunning);
    if (job) {
      errors.push(
        new ErrorContext(w.node.path).error(
          'mesh',
          `${job.owner.kind}/${job.owner.name}`,
          `runs to completion, and the injected ${mesh.provider} proxy would keep its pods running (native sidecars need Kubernetes 1.29, or 1.28 with the SidecarContainers gate)`,
          `Set the environment's kubernetesVersion to 1.29, or Mesh.exclude(${w.node.id}, reason)`,
        ),
      );
    }
  }

  const grants: Grant[] = [];
  const outbound: { source: Workload; target: Workload }[] = [];
  const callerOf = (c: WorkloadConnection): { caller: Caller; endpoint?: Endpoint } => {
    const source = c.source;
    if (source instanceof Workload) {
      const sourceMesh = meshOf(source);
      if (!sourceMesh || sourceMesh.provider !== mesh.provider) {
        const why = sourceMesh ? `runs on ${sourceMesh.provider}, not ${mesh.provider}` : source.stack.mesh ? `is excluded from the mesh: ${Mesh.exclusionOf(source)}` : 'runs outside any mesh';
        return { caller: { kind: 'unauthenticated', label: source.namespace === stack.namespaceName ? source.name : `${source.namespace}/${source.name}`, reason: why } };
      }
      const sa = memberOf(source).serviceAccount;
      return { caller: { kind: 'service-account', namespace: source.namespace, serviceAccount: sa, label: source.namespace === stack.namespaceName ? source.name : `${source.namespace}/${source.name}` }, endpoint: { kind: 'workload', workload: source } };
    }
    switch (source.kind) {
      case 'namespace':
        return { caller: { kind: 'namespace', namespace: source.value!, label: `namespace ${source.value}` }, endpoint: { kind: 'namespace', namespace: source.value! } };
      case 'ingress-controller':
        return ingressCaller(stack, mesh);
      case 'monitoring':
        return { caller: { kind: 'unauthenticated', label: `monitoring (namespace ${stack.env.networkPolicies.monitoringNamespace})`, reason: 'Prometheus scrapes outside the mesh' } };
      default:
        return { caller: { kind: 'unauthenticated', label: String(describePeer(source)), reason: 'addresses outside the cluster have no mesh identity' } };
    }
  };

  const externals = new Map<string, { host: string; port: number }>();
  for (const c of graph.connections) {
    const target = c.target;
    const source = c.source;
    if (source instanceof Workload && source.stack === stack && meshOf(source) && !(target instanceof Workload) && target.kind === 'external') {
      externals.set(`${target.value}:${target.port}`, { host: target.value!, port: target.port! });
    }
    if (source instanceof Workload && source.stack === stack && target instanceof Workload && meshOf(source) && meshOf(target)?.provider === meshOf(source)!.provider) {
      outbound.push({ source, target });
    }
    if (!(target instanceof Workload) || target.stack !== stack) continue;
    if (c.options.http && !meshOf(target)) {
      errors.push(new ErrorContext(c.declaredBy.node.path).error(`${c.method}.http`, c.options.http, `needs ${target.node.path} in a service mesh: a NetworkPolicy cannot see requests`, 'Leave http out, or keep the workload in the mesh'));
      continue;
    }
    if (!meshOf(target)) continue;
    const resolved = graph.portsOf(c);
    if (!resolved) continue;
    const ports = portsOn(target, resolved.ports?.map((p) => p.port));
    const { caller, endpoint } = callerOf(c);
    if (c.options.http && mesh.mode === 'ambient') {
      errors.push(new ErrorContext(c.declaredBy.node.path).error(`${c.method}.http`, c.options.http, 'needs L7 authorization, which Istio ambient mode does only through a waypoint proxy (not emitted by Keelson)', 'Use Mesh.istio({ mode: "sidecar" }) or Mesh.linkerd(), or leave http out'));
      continue;
    }
    if (c.options.http && ports.some((p) => !p.appProtocol)) {
      const plain = ports.filter((p) => !p.appProtocol).map((p) => p.name);
      errors.push(new ErrorContext(c.declaredBy.node.path).error(`${c.method}.http`, c.options.http, `applies to HTTP ports, and ${target.node.path} port ${plain.join(', ')} is plain TCP`, 'Name the HTTP port in port, or declare the port with protocol http, http2 or grpc'));
      continue;
    }
    grants.push({ target, caller, ports, ...(c.options.http ? { http: c.options.http } : {}), ...(endpoint ? { endpoint } : {}) });
  }
  for (const w of graph.workloads) {
    if (!meshOf(w)) continue;
    const children = w.node.children.filter((c): c is ApiObject => c instanceof ApiObject);
    const viaGateway = w.node.tryFindChild(MESH_INGRESS_ID) !== undefined || (mesh.ingressGateway !== undefined && children.some((c) => c.kind === 'Ingress'));
    if (viaGateway) grants.push({ target: w, ...ingressCaller(stack, mesh), ports: portsOn(w, undefined), admitInPolicy: true });
    else if (children.some((c) => c.kind === 'Ingress')) grants.push({ target: w, ...ingressCaller(stack, mesh), ports: portsOn(w, undefined) });
    // Prometheus scrapes from outside the mesh: the scraped ports take plain text (the NetworkPolicy admits only the monitoring namespace).
    const scraped = children.filter((c) => c.kind === 'ServiceMonitor' || c.kind === 'PodMonitor').flatMap(scrapedPorts);
    if (scraped.length) {
      const monitoring = stack.env.networkPolicies.monitoringNamespace;
      grants.push({ target: w, caller: { kind: 'unauthenticated', label: `monitoring (namespace ${monitoring})`, reason: 'Prometheus scrapes outside the mesh' }, ports: w.ports.filter((p) => scraped.includes(p.name)) });
    }
  }
  for (const g of grants) {
    if (g.caller.kind === 'unauthenticated' && mesh.mode === 'ambient') {
      errors.push(
        new ErrorContext(g.target.node.path).error('allowFrom', g.caller.label, `has no mesh identity (${g.caller.reason}), and Istio ambient mode cannot accept plain text on single ports under strict mTLS`, 'Use Mesh.istio({ mode: "sidecar" }) or Mesh.linkerd(), or move the caller into the mesh'),
      );
    }
  }
  const sortedExternals = [...externals.keys()].sort().map((k) => externals.get(k)!);
  return { stack, mesh, members: graph.workloads.map(memberOf), grants, outbound, externals: sortedExternals, errors };
}

/** Port names a ServiceMonitor's endpoints or a PodMonitor's podMetricsEndpoints scrape. */
function scrapedPorts(monitor: ApiObject): string[] {
  const spec = monitor.toJson().spec ?? {};
  const endpoints: { port?: unknown }[] = spec.endpoints ?? spec.podMetricsEndpoints ?? [];
  return endpoints.map((e) => e.port).filter((p): p is string => typeof p === 'string');
}

function ingressCaller(stack: Stack, mesh: MeshProfile): { caller: Caller; endpoint: Endpoint } {
  const gw = mesh.ingressGateway;
  if (gw) {
    return {
      caller: { kind: 'service-account', namespace: gw.namespace, serviceAccount: gw.serviceAccount, label: `ingress gateway (${gw.namespace}/${gw.serviceAccount})` },
      endpoint: { kind: 'namespace', namespace: gw.namespace, role: 'ingress controller' },
    };
  }
  const ic = mesh.ingressController;
  return {
    caller: { kind: 'service-account', namespace: ic.namespace, serviceAccount: ic.serviceAccount, label: `ingress controller (${ic.namespace}/${ic.serviceAccount})` },
    endpoint: { kind: 'namespace', namespace: stack.env.networkPolicies.ingressControllerNamespace, role: 'ingress controller' },
  };
}

/** The target's ports a connection names (by name or number), or all serving ports. */
function portsOn(target: Workload, names: readonly (string | number)[] | undefined): WorkloadPort[] {
  if (!names) return target.ports.filter((p) => !p.metricsOnly);
  return target.ports.filter((p) => names.includes(p.name) || names.includes(p.containerPort));
}
