import type { Chart } from 'cdk8s';
import { describeValue, KeelsonError } from '../core/errors.js';
import { matchesSelector } from '../core/checks/objects.js';
import { KindRegistry } from '../core/kinds.js';
import type { StackManifest } from '../core/manifest.js';
import type { Workload } from '../core/workload.js';
import type { Connection } from './connection-graph.js';
import { Peer } from './peer.js';
import type { RoutePort, WorkloadRoutes } from './route.js';

/** A label selector as it appears in manifests. */
export interface LabelSelectorJson {
  /** Labels a pod must carry with exactly these values. @default - none */
  readonly matchLabels?: Readonly<Record<string, string>>;
  /** Requirements (`In`, `NotIn`, `Exists`, `DoesNotExist`) a pod must meet. @default - none */
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

/** A pod template found in the output, with what the checks need. */
export interface PodTemplateInfo {
  /** Namespace of the object that holds it. */
  readonly namespace: string;
  /** Labels of the pods it makes. */
  readonly labels: Readonly<Record<string, string>>;
  /** Named container ports. */
  readonly portNames: ReadonlySet<string>;
  /** Environment variables with a literal value, per container. */
  readonly env: readonly { readonly name: string; readonly value: string }[];
}

function isEmptySelector(s: LabelSelectorJson | undefined): boolean {
  return !s || (!Object.keys(s.matchLabels ?? {}).length && !(s.matchExpressions ?? []).length);
}

const INDEXES = new WeakMap<readonly StackManifest[], PodIndex>();

/** The pod templates of one synth, by namespace and label, so selector checks stay linear. */
export class PodIndex {
  /** The index of `all` (built once per synth), with the kinds of the tree the stacks belong to. */
  public static of(all: readonly StackManifest[]): PodIndex {
    let index = INDEXES.get(all);
    if (!index) INDEXES.set(all, (index = new PodIndex(all, all[0] ? KindRegistry.forTree(all[0].chart) : KindRegistry.builtIns())));
    return index;
  }

  /** Pod templates by the construct path of the object that holds them (an object may hold several). */
  public readonly byPath = new Map<string, PodTemplateInfo[]>();
  private readonly byNamespace = new Map<string, PodTemplateInfo[]>();
  private readonly byLabel = new Map<string, PodTemplateInfo[]>();

  /** Indexes the pod templates of every registered kind in `all`. */
  public constructor(all: readonly StackManifest[], kinds: KindRegistry) {
    for (const m of all) {
      for (const o of m.objects) {
        for (const template of kinds.podTemplates(o.json)) {
          const containers: any[] = [...(template.spec.containers ?? []), ...(template.spec.initContainers ?? [])];
          const info: PodTemplateInfo = {
            namespace: o.json.metadata?.namespace ?? '',
            labels: template.metadata.labels ?? {},
            portNames: new Set(containers.flatMap((c) => (c.ports ?? []).map((p: any) => p.name).filter(Boolean))),
            env: containers.flatMap((c) => (c.env ?? []).filter((e: any) => typeof e.value === 'string')),
          };
          push(this.byPath, o.path, info);
          push(this.byNamespace, info.namespace, info);
          for (const [k, v] of Object.entries(info.labels)) push(this.byLabel, `${info.namespace}\u0000${k}=${v}`, info);
        }
      }
    }
  }

  /** The pod templates in `namespace` that `selector` selects. */
  public select(namespace: string, selector: LabelSelectorJson): PodTemplateInfo[] {
    let candidates = this.byNamespace.get(namespace) ?? [];
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
      const bucket = this.byLabel.get(`${namespace}\u0000${k}=${v}`) ?? [];
      if (bucket.length < candidates.length) candidates = bucket;
    }
    return candidates.filter((p) => matchesSelector(selector, p.labels));
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Every NetworkPolicy of the stack (generated or not) must select at least one pod. */
export function checkPolicySelectors(manifest: StackManifest, index: PodIndex): KeelsonError[] {
  const errors: KeelsonError[] = [];
  for (const o of manifest.objects) {
    if (o.json.kind !== 'NetworkPolicy' || !String(o.json.apiVersion).startsWith('networking.k8s.io/')) continue;
    const selector: LabelSelectorJson | undefined = o.json.spec?.podSelector;
    const namespace: string = o.json.metadata?.namespace ?? '';
    if (isEmptySelector(selector) || index.select(namespace, selector!).length) continue;
    errors.push(
      new KeelsonError({
        path: o.path,
        field: 'spec.podSelector',
        value: selector,
        rule: `matches no pod in namespace ${JSON.stringify(namespace)}`,
        hint: 'Select labels that the pod template of the workload it protects carries',
      }),
    );
  }
  return errors;
}

/** A workload peer whose stack is in the output must run at least one pod its selector matches. */
export function checkPeersHavePods(connections: readonly Connection[], index: PodIndex, synthesized: ReadonlySet<Chart>): KeelsonError[] {
  const errors: KeelsonError[] = [];
  for (const c of connections) {
    const peer = c.method === 'allowFrom' ? c.source : c.target;
    if (peer instanceof Peer || !synthesized.has(peer.stack)) continue;
    if (index.select(peer.namespace, { matchLabels: peer.selector }).length) continue;
    errors.push(
      new KeelsonError({
        path: c.declaredBy.node.path,
        field: c.method,
        value: peer.node.path,
        rule: `resolves to nothing: no pod in namespace ${JSON.stringify(peer.namespace)} has the labels ${describeValue(peer.selector)}`,
        hint: 'Connect to a workload that runs pods, or fix the labels of its pod template',
      }),
    );
  }
  return errors;
}

/** Every named port a workload admits traffic on must be a named container port of its pods. */
export function checkPortsExposed(routes: readonly WorkloadRoutes[], index: PodIndex): KeelsonError[] {
  const errors: KeelsonError[] = [];
  for (const { workload: w, ingress } of routes) {
    const pods = index.select(w.namespace, { matchLabels: w.selector });
    if (!pods.length) continue;
    const named = new Set(pods.flatMap((p) => [...p.portNames]));
    const missing = new Set(ingress.flatMap((r) => r.ports ?? []).filter((p) => typeof p.port === 'string' && !named.has(p.port)).map((p) => p.port as string));
    for (const name of [...missing].sort()) {
      errors.push(
        new KeelsonError({
          path: w.node.path,
          field: 'ports',
          value: name,
          rule: `is not a port its pods expose (named container ports: ${[...named].sort().join(', ') || 'none'})`,
          hint: 'Give the container port the same name as the workload port',
        }),
      );
    }
  }
  return errors;
}

const SERVICE_HOST = /([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.svc(?:\.cluster\.local)?(?::(\d+))?/g;

/**
 * A workload whose environment names another workload's Service host (as `api.url` or
 * `db.url` do) depends on it; its egress policy must let it through, on the port the
 * value names when it names one.
 */
export function checkDependencies(
  members: readonly Workload[],
  manifest: StackManifest,
  index: PodIndex,
  workloadsByHost: ReadonlyMap<string, Workload>,
  portsAllowed: (from: Workload, to: Workload) => readonly RoutePort[] | undefined,
): KeelsonError[] {
  const byPath = new Map(members.map((w) => [w.node.path, w]));
  const errors: KeelsonError[] = [];
  const reported = new Set<string>();
  for (const o of manifest.objects) {
    const pods = index.byPath.get(o.path);
    if (!pods) continue;
    const owner = ownerOf(o.path, byPath);
    if (!owner) continue;
    for (const { name, value } of pods.flatMap((p) => p.env)) {
      for (const match of value.matchAll(SERVICE_HOST)) {
        const target = workloadsByHost.get(`${match[1]}.${match[2]}`);
        if (!target || target === owner) continue;
        const servicePort = match[3] === undefined ? undefined : Number(match[3]);
        const port = servicePort === undefined ? undefined : target.ports.find((p) => p.port === servicePort);
        const allowed = portsAllowed(owner, target);
        const ok = allowed !== undefined && (servicePort === undefined || (port !== undefined && allowed.some((p) => p.port === port.name && p.protocol === port.protocol)));
        const key = `${owner.node.path}|${name}|${target.node.path}`;
        if (ok || reported.has(key)) continue;
        reported.add(key);
        const on = servicePort === undefined ? '' : port ? ` on port ${servicePort} (${port.name})` : ` on port ${servicePort}`;
        errors.push(
          new KeelsonError({
            path: owner.node.path,
            field: `env.${name}`,
            value,
            rule:
              servicePort !== undefined && !port
                ? `names port ${servicePort} of ${target.node.path}, which does not expose it`
                : `needs egress to ${target.node.path}${on}, which the network policies deny`,
            hint: port || servicePort === undefined ? `Declare the connection: ${target.node.id}.allowFrom(${owner.node.id}) or ${owner.node.id}.allowTo(${target.node.id})` : 'Use one of its Service ports',
          }),
        );
      }
    }
  }
  return errors;
}

function ownerOf(path: string, byPath: ReadonlyMap<string, Workload>): Workload | undefined {
  for (let p = path; p.includes('/'); p = p.slice(0, p.lastIndexOf('/'))) {
    const w = byPath.get(p);
    if (w) return w;
  }
  return undefined;
}
