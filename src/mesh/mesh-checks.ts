import { findingOf, type CheckedObject, type Finding, type Rule } from '../core/checks/finding.js';
import { matchesSelector } from '../core/checks/objects.js';
import { applyWaivers, waiversOf } from '../core/checks/waivers.js';
import { KeelsonError } from '../core/errors.js';
import type { KindRegistry } from '../core/kinds.js';
import { ContextSlot, type StackManifest, type SynthContext } from '../core/synth-context.js';

const rule = (id: string, summary: string, fix: string): Rule => ({ id, severity: 'error', family: 'references', summary, fix });

/** The mesh's reference rules: each names an object that does not exist or selects nothing. */
export const MESH_RULES = {
  host: rule('mesh-route-host-missing', 'a VirtualService routes to a Service of the namespace that exists', 'Route to a Service defined in the same folder, or fix the host'),
  subset: rule('mesh-subset-missing', 'a VirtualService names subsets a DestinationRule of its host defines', 'Define the subset in the DestinationRule of that host'),
  subsetPods: rule('mesh-subset-selects-nothing', 'a DestinationRule subset selects pods behind its Service', 'Make the subset labels match the labels of pods the Service selects'),
  weights: rule('mesh-weights-not-100', 'the weights of a weighted route sum to 100', 'Make the weights add up to 100'),
  principal: rule('mesh-principal-missing', 'an AuthorizationPolicy principal or MeshTLSAuthentication identity names an existing ServiceAccount', 'Name the ServiceAccount the calling pods run as'),
  serverPort: rule('mesh-server-port-missing', 'a Linkerd Server names a port its pods expose', 'Use a container port name of the selected pods, or the port number'),
  policyRef: rule('mesh-reference-missing', 'a Linkerd policy or route refers to objects that exist', 'Create the object it refers to, or fix the name'),
  backend: rule('mesh-backend-missing', 'an HTTPRoute sends traffic to Services that exist', 'Create the Service, or fix the backend name'),
};

interface Pods {
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly ports: readonly { readonly name?: string; readonly containerPort: number }[];
}

/**
 * References between mesh objects and the rest of the output: VirtualService hosts and
 * subsets, weights, subsets that select no pods, principals without a ServiceAccount, Linkerd
 * Servers on ports the pods lack, policies and routes that name missing objects. `objects`
 * are checked; names resolve among `all` (the whole synth, or one folder in `keelson check`),
 * in the namespaces whose Namespace object is among them.
 */
export function checkMeshReferences(objects: readonly CheckedObject[], all: readonly CheckedObject[], kinds: KindRegistry): Finding[] {
  return checkAgainst(objects, indexMeshTargets(all, kinds));
}

/** What mesh objects may refer to, indexed once per synth (or per folder in `keelson check`). */
interface MeshTargets {
  /** Names by `kind|namespace`. */
  readonly byKind: ReadonlyMap<string, ReadonlySet<string>>;
  /** Services by `namespace/name`. */
  readonly services: ReadonlyMap<string, Record<string, any>>;
  /** Pod templates by namespace. */
  readonly pods: ReadonlyMap<string, readonly Pods[]>;
  /** Namespaces whose Namespace object is in view: only there is every object known. */
  readonly namespaces: ReadonlySet<string>;
  /** DestinationRule subset names by the `namespace/name` of their Service. */
  readonly subsetsOf: ReadonlyMap<string, ReadonlySet<string>>;
}

function indexMeshTargets(all: readonly CheckedObject[], kinds: KindRegistry): MeshTargets {
  const byKind = new Map<string, Set<string>>();
  const services = new Map<string, Record<string, any>>();
  const pods = new Map<string, Pods[]>();
  for (const o of all) {
    const ns = o.json.metadata?.namespace ?? '';
    const key = `${o.json.kind}|${ns}`;
    if (!byKind.has(key)) byKind.set(key, new Set());
    byKind.get(key)!.add(o.json.metadata?.name);
    if (o.json.kind === 'Service' && o.json.apiVersion === 'v1') services.set(`${ns}/${o.json.metadata?.name}`, o.json);
    for (const t of kinds.podTemplates(o.json)) {
      const containers: any[] = [...(t.spec.containers ?? []), ...(t.spec.initContainers ?? [])];
      if (!pods.has(ns)) pods.set(ns, []);
      pods.get(ns)!.push({ namespace: ns, labels: t.metadata.labels ?? {}, ports: containers.flatMap((c) => c.ports ?? []) });
    }
  }
  const namespaces = new Set(all.filter((o) => o.json.kind === 'Namespace' && o.json.apiVersion === 'v1').map((o) => o.json.metadata?.name));
  const subsetsOf = new Map<string, Set<string>>();
  for (const o of all) {
    if (o.json.kind !== 'DestinationRule') continue;
    const svc = serviceOfHost(namespaces, String(o.json.spec?.host ?? ''), o.json.metadata?.namespace ?? '');
    if (!svc) continue;
    const set = subsetsOf.get(svc.join('/')) ?? new Set<string>();
    for (const s of o.json.spec?.subsets ?? []) set.add(s.name);
    subsetsOf.set(svc.join('/'), set);
  }
  return { byKind, services, pods, namespaces, subsetsOf };
}

/** The Service a mesh host names, `[namespace, name]`, when it is in one of the namespaces in view. */
function serviceOfHost(namespaces: ReadonlySet<string>, host: string, ns: string): [string, string] | undefined {
  const parts = host.replace(/\.svc\.cluster\.local$/, '').replace(/\.svc$/, '').split('.');
  if (parts.length === 1) return namespaces.has(ns) ? [ns, parts[0]!] : undefined;
  if (parts.length === 2 && namespaces.has(parts[1]!)) return [parts[1]!, parts[0]!];
  return undefined;
}

function checkAgainst(objects: readonly CheckedObject[], targets: MeshTargets): Finding[] {
  const findings: Finding[] = [];
  const { services, namespaces, subsetsOf } = targets;
  const exists = (kind: string, ns: string, name: string) => targets.byKind.get(`${kind}|${ns}`)?.has(name) ?? false;
  const serviceOf = (host: string, ns: string) => serviceOfHost(namespaces, host, ns);
  const podsIn = (ns: string) => targets.pods.get(ns) ?? [];
  for (const o of objects) {
    const { kind, apiVersion = '' } = o.json;
    const ns = o.json.metadata?.namespace ?? '';
    const spec = o.json.spec ?? {};
    if (kind === 'VirtualService' && apiVersion.startsWith('networking.istio.io/')) {
      (spec.http ?? []).forEach((h: any, i: number) => {
        const route: any[] = h.route ?? [];
        if (route.length > 1 || route.some((r) => r.weight !== undefined)) {
          const sum = route.reduce((n, r) => n + (r.weight ?? 0), 0);
          if (sum !== 100) findings.push(findingOf(MESH_RULES.weights, o, `spec.http[${i}].route`, `weights sum to ${sum}, not 100`));
        }
        route.forEach((r, j) => {
          const field = `spec.http[${i}].route[${j}].destination`;
          const svc = serviceOf(String(r.destination?.host ?? ''), ns);
          if (!svc) return;
          if (!services.has(svc.join('/'))) findings.push(findingOf(MESH_RULES.host, o, `${field}.host`, `${r.destination.host} is no Service of namespace ${svc[0]}`));
          else if (r.destination.subset !== undefined && !subsetsOf.get(svc.join('/'))?.has(r.destination.subset)) {
            findings.push(findingOf(MESH_RULES.subset, o, `${field}.subset`, `subset "${r.destination.subset}" is defined by no DestinationRule of ${r.destination.host}`));
          }
        });
      });
    }
    if (kind === 'DestinationRule' && apiVersion.startsWith('networking.istio.io/')) {
      const svc = serviceOf(String(spec.host ?? ''), ns);
      const service = svc ? services.get(svc.join('/')) : undefined;
      if (svc && !service) findings.push(findingOf(MESH_RULES.host, o, 'spec.host', `${spec.host} is no Service of namespace ${svc[0]}`));
      (spec.subsets ?? []).forEach((s: any, i: number) => {
        if (!service) return;
        const selector = { matchLabels: { ...service.spec?.selector, ...s.labels } };
        if (!podsIn(svc![0]).some((p) => matchesSelector(selector, p.labels))) {
          findings.push(findingOf(MESH_RULES.subsetPods, o, `spec.subsets[${i}].labels`, `subset "${s.name}" (${JSON.stringify(s.labels ?? {})}) selects no pod behind Service ${svc![1]}`));
        }
      });
    }
    if (kind === 'AuthorizationPolicy' && apiVersion.startsWith('security.istio.io/')) {
      (spec.rules ?? []).forEach((r: any, i: number) =>
        (r.from ?? []).forEach((f: any, j: number) =>
          (f.source?.principals ?? []).forEach((p: string, k: number) => {
            const m = /^[^/]+\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(p);
            if (m && namespaces.has(m[1]) && !exists('ServiceAccount', m[1]!, m[2]!)) {
              findings.push(findingOf(MESH_RULES.principal, o, `spec.rules[${i}].from[${j}].source.principals[${k}]`, `${p}: no ServiceAccount ${m[2]} in namespace ${m[1]}`));
            }
          }),
        ),
      );
    }
    if (!apiVersion.startsWith('policy.linkerd.io/') && !(kind === 'HTTPRoute' && apiVersion.startsWith('gateway.networking.k8s.io/'))) continue;
    if (kind === 'Server') {
      const selected = podsIn(ns).filter((p) => matchesSelector(spec.podSelector, p.labels));
      const port = spec.port;
      // A port name must be a named container port; a number is matched against traffic, declared or not.
      if (typeof port === 'string' && selected.length && !selected.some((p) => p.ports.some((cp) => cp.name === port))) {
        findings.push(findingOf(MESH_RULES.serverPort, o, 'spec.port', `${JSON.stringify(port)} is not a port of the pods it selects`));
      }
    }
    if (kind === 'MeshTLSAuthentication') {
      (spec.identityRefs ?? []).forEach((r: any, i: number) => {
        const refNs = r.namespace ?? ns;
        if (r.kind === 'ServiceAccount' && namespaces.has(refNs) && !exists('ServiceAccount', refNs, r.name)) {
          findings.push(findingOf(MESH_RULES.principal, o, `spec.identityRefs[${i}]`, `no ServiceAccount ${r.name} in namespace ${refNs}`));
        }
      });
    }
    const refs: [string, any][] = [];
    if (kind === 'AuthorizationPolicy') {
      refs.push(['spec.targetRef', spec.targetRef]);
      (spec.requiredAuthenticationRefs ?? []).forEach((r: any, i: number) => refs.push([`spec.requiredAuthenticationRefs[${i}]`, r]));
    }
    if (kind === 'HTTPRoute') (spec.parentRefs ?? []).forEach((r: any, i: number) => refs.push([`spec.parentRefs[${i}]`, r]));
    for (const [field, r] of refs) {
      if (!r?.name || r.kind === 'Namespace') continue;
      const refNs = r.namespace ?? ns;
      // A parentRef without a kind names a Gateway (Gateway API's default).
      const refKind = r.kind ?? 'Gateway';
      if (namespaces.has(refNs) && !exists(refKind, refNs, r.name)) findings.push(findingOf(MESH_RULES.policyRef, o, field, `${refKind} ${r.name} does not exist in namespace ${refNs}`));
    }
    if (kind === 'HTTPRoute' && apiVersion.startsWith('gateway.networking.k8s.io/')) {
      (spec.rules ?? []).forEach((rule: any, i: number) =>
        (rule.backendRefs ?? []).forEach((b: any, j: number) => {
          const refNs = b.namespace ?? ns;
          if ((b.kind ?? 'Service') === 'Service' && namespaces.has(refNs) && !exists('Service', refNs, b.name)) {
            findings.push(findingOf(MESH_RULES.backend, o, `spec.rules[${i}].backendRefs[${j}]`, `Service ${b.name} does not exist in namespace ${refNs}`));
          }
        }),
      );
    }
  }
  return findings;
}

/** The targets of the whole synth, indexed the first time a stack has mesh objects to check. */
const MESH_TARGETS = new ContextSlot<MeshTargets>('mesh targets', (context) => indexMeshTargets(context.manifests.flatMap((m) => m.objects), context.kinds));

const isMeshObject = (o: CheckedObject) => {
  const apiVersion = String(o.json.apiVersion ?? '');
  return /^(networking|security)\.istio\.io\/|^policy\.linkerd\.io\//.test(apiVersion) || (o.json.kind === 'HTTPRoute' && apiVersion.startsWith('gateway.networking.k8s.io/'));
};

/** The mesh reference checks of one synthesized stack, as errors that stop synth; a waived rule (waive() or an opt-out annotation) is left out. */
export function checkMeshObjects(context: SynthContext, manifest: StackManifest): KeelsonError[] {
  if (!manifest.objects.some(isMeshObject)) return [];
  const findings = applyWaivers(checkAgainst(manifest.objects, context.state(MESH_TARGETS)), manifest.objects, waiversOf(context.root), context.kinds);
  return findings
    .filter((f) => f.waived === undefined)
    .map((f) => new KeelsonError({ path: f.path, field: `${f.object} ${f.field}`, value: f.rule, rule: f.message, hint: f.fix }));
}
