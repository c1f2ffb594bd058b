import { ApiObject, type Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { nativeSidecars } from '../core/environment.js';
import { ErrorContext, type KeelsonError } from '../core/errors.js';
import { KubeObject } from '../core/kube-object.js';
import { LABEL } from '../core/labels.js';
import { PROXY_RESOURCE_ANNOTATIONS, type MeshProfile } from '../core/mesh-profile.js';
import { Stack } from '../core/stack.js';
import { Workload } from '../core/workload.js';
import { ContextSlot, type StackFindings, type StackManifest, type SynthContext, type SynthExtension } from '../core/synth-context.js';
import { ConnectionGraph } from '../network/connection-graph.js';
import type { Endpoint, Route, RoutePort } from '../network/route.js';
import { Canary, TRACK_LABEL, type MeshService } from './canary.js';
import { crdType } from './crd-type.js';
import { istioIngress, istioNamespaceObjects, istioRouting, istioWorkloadObjects } from './istio.js';
import { linkerdNamespaceObjects, linkerdRouting, linkerdWorkloadObjects } from './linkerd.js';
import { ManagedSplit } from './managed-split.js';
import { checkMeshObjects, MESH_RULES } from './mesh-checks.js';
import { MESH_INGRESS_ID, planMesh, type MeshMember, type MeshPlan, type OwnedTemplate } from './mesh-plan.js';
import { renderMeshReport } from './mesh-report.js';
import { ServiceTraffic } from './traffic.js';

/** The id of the stack's namespace-wide mesh objects; its presence marks a stack whose mesh objects are made. */
const MESH_ID = 'mesh';
/** Where kubelet probes come from in Istio ambient mode (ztunnel SNATs them to this link-local address). */
const AMBIENT_PROBE_SOURCE = '169.254.7.127/32';

const tcp = (...ports: number[]): RoutePort[] => ports.map((port) => ({ port, protocol: 'TCP' }));

/** Ports of the mesh that NetworkPolicies must admit, per mesh and mode. */
const DATA_PLANE = {
  istio: { controlPlane: tcp(15012), metrics: tcp(15020), peer: [] as RoutePort[] },
  ambient: { controlPlane: [] as RoutePort[], metrics: [] as RoutePort[], peer: tcp(15008) },
  linkerd: { controlPlane: tcp(8080, 8086, 8090), metrics: tcp(4191), peer: tcp(4143) },
};

/** Per synth: each stack's plan and the errors found while preparing it. */
class MeshSynth {
  public static readonly SLOT = new ContextSlot('mesh', () => new MeshSynth());
  public readonly plans = new Map<Stack, MeshPlan>();
  public readonly errors = new Map<Stack, KeelsonError[]>();
}

/**
 * The mesh area's part of every synth, before the network's: for a stack with a mesh it
 * enrols the workloads (namespace labels or annotations, per-workload opt-out), writes strict
 * mTLS and the authorization the connection graph implies, canary and traffic objects, adds
 * the mesh's ports to the NetworkPolicies and its authorization to `network.md`, and checks
 * every mesh object of the output.
 */
export const meshExtension: SynthExtension = {
  name: 'mesh',
  rules: Object.values(MESH_RULES),
  prepareStack(context: SynthContext, chart: Chart): void {
    if (!(chart instanceof Stack)) return;
    const state = context.state(MeshSynth.SLOT);
    const graph = ConnectionGraph.of(context, chart);
    const mesh = chart.mesh;
    if (!mesh) {
      state.errors.set(chart, unenforcedRules(graph, chart));
      return;
    }
    if (!graph.workloads.length) return;
    const plan = planMesh(chart, mesh, graph, context.kinds);
    state.plans.set(chart, plan);
    if (!chart.node.tryFindChild(MESH_ID)) createObjects(chart, plan);
    addNetworkRoutes(graph, plan);
    graph.addReportSection(renderMeshReport(plan));
  },
  finishStack(context: SynthContext, manifest: StackManifest): StackFindings {
    const state = context.state(MeshSynth.SLOT);
    const stack = manifest.chart instanceof Stack ? manifest.chart : undefined;
    const plan = stack ? state.plans.get(stack) : undefined;
    return { errors: [...(stack ? (state.errors.get(stack) ?? []) : []), ...(plan?.errors ?? []), ...checkMeshObjects(context, manifest)] };
  },
};

/** Per-route rules into the workloads of a stack without a mesh: nothing would enforce them. */
function unenforcedRules(graph: ConnectionGraph, stack: Stack): KeelsonError[] {
  return graph.connections
    .filter((c) => c.options.http && c.target instanceof Workload && c.target.stack === stack)
    .map((c) =>
      new ErrorContext(c.declaredBy.node.path).error(`${c.method}.http`, c.options.http, `needs ${(c.target as Workload).node.path} in a service mesh: a NetworkPolicy cannot see requests`, 'Leave http out, or set a mesh on the environment or the Stack'),
    );
}

function setPodMeta(templates: readonly OwnedTemplate[], field: 'labels' | 'annotations', values: Record<string, string>): void {
  for (const { template } of templates) {
    const meta = template.metadata as Record<string, any>;
    meta[field] = { ...meta[field], ...values };
  }
}

/** The pod annotations that give the injected proxy its requests and limits (none in ambient mode). */
function proxyAnnotations(mesh: MeshProfile): Record<string, string> {
  const r = mesh.proxyResources;
  if (!r) return {};
  const keys = PROXY_RESOURCE_ANNOTATIONS[mesh.provider];
  return { [keys['requests.cpu']]: r.requests.cpu, [keys['limits.cpu']]: r.limits.cpu, [keys['requests.memory']]: r.requests.memory, [keys['limits.memory']]: r.limits.memory };
}

/** Namespace enrolment, or per-pod enrolment when the stack does not own its Namespace; the proxy's resources on every meshed pod. */
function enrol(stack: Stack, mesh: MeshProfile, members: readonly MeshMember[]): void {
  const ns = stack.namespaceObject;
  const meshed = members.filter((m) => m.excluded === undefined);
  const proxy = proxyAnnotations(mesh);
  if (Object.keys(proxy).length) for (const m of meshed) setPodMeta(m.templates, 'annotations', proxy);
  if (mesh.provider === 'istio') {
    const label: [string, string] = mesh.mode === 'ambient' ? ['istio.io/dataplane-mode', 'ambient'] : mesh.revision ? ['istio.io/rev', mesh.revision] : ['istio-injection', 'enabled'];
    if (ns) ns.metadata.addLabel(...label);
    else for (const m of meshed) setPodMeta(m.templates, 'labels', mesh.mode === 'ambient' ? { [label[0]]: label[1] } : { 'sidecar.istio.io/inject': 'true', ...(mesh.revision ? { 'istio.io/rev': mesh.revision } : {}) });
    for (const m of members) {
      if (m.excluded !== undefined) setPodMeta(m.templates, 'labels', mesh.mode === 'ambient' ? { 'istio.io/dataplane-mode': 'none' } : { 'sidecar.istio.io/inject': 'false' });
    }
    return;
  }
  const annotations = { 'linkerd.io/inject': 'enabled', 'config.linkerd.io/default-inbound-policy': 'all-authenticated' };
  if (ns) for (const [k, v] of Object.entries(annotations)) ns.metadata.addAnnotation(k, v);
  else for (const m of meshed) setPodMeta(m.templates, 'annotations', annotations);
  for (const m of members) {
    if (m.excluded !== undefined) {
      setPodMeta(m.templates, 'annotations', { 'linkerd.io/inject': 'disabled' });
      continue;
    }
    // Linkerd's protocol detection waits for the client to speak first: every non-HTTP TCP port is opaque.
    const opaque = m.workload.ports.filter((p) => !p.appProtocol && p.protocol === 'TCP').map((p) => p.containerPort);
    if (opaque.length) setPodMeta(m.templates, 'annotations', { 'config.linkerd.io/opaque-ports': [...new Set(opaque)].sort((a, b) => a - b).join(',') });
    if (nativeSidecars(stack.env)) setPodMeta(m.templates, 'annotations', { 'config.alpha.linkerd.io/proxy-enable-native-sidecar': 'true' });
  }
}

const RawDeployment = crdType<Record<string, any>>('apps/v1', 'Deployment');

/** The canary's Deployment: the stable Deployment as it is now, with the new image, version and track label. */
function createCanaryDeployment(canary: Canary): void {
  const primary = canary.target.deployment;
  const spec = structuredClone(primary.manifest.spec);
  const name = `${canary.target.name}-canary`;
  const podLabels = { ...spec.template.metadata.labels, [LABEL.version]: canary.version, [TRACK_LABEL]: 'canary' };
  delete spec.replicas;
  spec.replicas = canary.replicas;
  spec.selector = { matchLabels: { ...spec.selector.matchLabels, [TRACK_LABEL]: 'canary' } };
  spec.template.metadata.labels = podLabels;
  spec.template.spec.containers[0].image = canary.image;
  const labels = { ...primary.metadata.toJson().labels, [LABEL.version]: canary.version, [TRACK_LABEL]: 'canary' };
  KubeObject.create(canary, 'deployment', RawDeployment, { metadata: { name, labels }, spec });
}

function createObjects(stack: Stack, plan: MeshPlan): void {
  const scope = new Construct(stack, MESH_ID);
  enrol(stack, plan.mesh, plan.members);
  if (plan.mesh.provider === 'istio') istioNamespaceObjects(scope, plan);
  else linkerdNamespaceObjects(scope, plan);
  for (const m of plan.members) {
    if (m.excluded !== undefined) continue;
    const w = m.workload;
    const grants = plan.grants.filter((g) => g.target === w);
    if (plan.mesh.provider === 'istio' && grants.length) istioWorkloadObjects(new Construct(w, 'mesh-authorization'), plan, w, grants);
    if (plan.mesh.provider === 'linkerd' && w.ports.length) linkerdWorkloadObjects(new Construct(w, 'mesh-authorization'), plan, w, grants, m.templates);
    const ingress = w.node.children.find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'Ingress');
    const split = w.node.children.find((c): c is ManagedSplit => c instanceof ManagedSplit);
    if (plan.mesh.ingressGateway && ingress) {
      istioIngress(new Construct(w, MESH_INGRESS_ID), plan, w, ingress.toJson(), split);
      // The gateway serves the host now: the Ingress (and the ingress controller's path in the NetworkPolicy) goes.
      w.node.tryRemoveChild(ingress.node.id);
    }
    const canary = w.node.children.find((c): c is Canary => c instanceof Canary);
    const traffic = w.node.children.find((c): c is ServiceTraffic => c instanceof ServiceTraffic);
    if (!canary && !traffic && !split) continue;
    if (canary && split) {
      (plan.errors as KeelsonError[]).push(new ErrorContext(w.node.path).error('canary', canary.image, `is a second canary: ${split.controller} already splits the requests of this service`, 'Release the new version through the rollout, and drop canary()'));
      continue;
    }
    if (canary) createCanaryDeployment(canary);
    const target = (canary ?? split ?? traffic)!.target as MeshService;
    const routing = new Construct(w, 'mesh-routing');
    if (plan.mesh.provider === 'istio') istioRouting(routing, plan, target, canary, traffic, split);
    else linkerdRouting(routing, plan, target, canary, traffic, split);
  }
  for (const m of plan.members) {
    if (m.excluded === undefined) continue;
    const has = m.workload.node.findAll().some((c) => c instanceof Canary || c instanceof ServiceTraffic || c instanceof ManagedSplit);
    if (has) (plan.errors as KeelsonError[]).push(new ErrorContext(m.workload.node.path).error('mesh', m.excluded, 'excludes the workload from the mesh, which its canary or traffic settings need', 'Keep the workload in the mesh'));
  }
}

/** The mesh's control- and data-plane ports in each meshed workload's NetworkPolicy. */
function addNetworkRoutes(graph: ConnectionGraph, plan: MeshPlan): void {
  const { mesh, stack } = plan;
  const ports = mesh.provider === 'linkerd' ? DATA_PLANE.linkerd : mesh.mode === 'ambient' ? DATA_PLANE.ambient : DATA_PLANE.istio;
  const settings = stack.env.networkPolicies;
  for (const m of plan.members) {
    if (m.excluded !== undefined) continue;
    const w = m.workload;
    const self: Endpoint = { kind: 'workload', workload: w };
    const ingress: Route[] = [];
    const egress: Route[] = [];
    if (ports.controlPlane.length) egress.push({ source: self, destination: { kind: 'namespace', namespace: mesh.controlPlaneNamespace, role: 'mesh control plane' }, ports: ports.controlPlane });
    if (ports.metrics.length) ingress.push({ source: { kind: 'namespace', namespace: settings.monitoringNamespace, role: 'monitoring' }, destination: self, ports: ports.metrics });
    if (mesh.mode === 'ambient' && w.ports.length) {
      ingress.push({ source: { kind: 'cidr', cidr: AMBIENT_PROBE_SOURCE, except: [] }, destination: self, ports: w.ports.map((p) => ({ port: p.name, protocol: p.protocol, containerPort: p.containerPort })) });
    }
    for (const g of plan.grants) {
      if (g.target === w && g.admitInPolicy && g.endpoint) ingress.push({ source: g.endpoint, destination: self, ports: g.ports.map((p) => ({ port: p.name, protocol: p.protocol, containerPort: p.containerPort })) });
    }
    if (ports.peer.length) {
      for (const g of plan.grants) if (g.target === w && g.endpoint) ingress.push({ source: g.endpoint, destination: self, ports: ports.peer });
      for (const o of plan.outbound) if (o.source === w) egress.push({ source: self, destination: { kind: 'workload', workload: o.target }, ports: ports.peer });
    }
    graph.addRoutes(w, { ingress, egress });
  }
}
