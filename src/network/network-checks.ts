import type { Chart } from 'cdk8s';
import { describeValue, KeelsonError } from '../core/errors.js';
import { matchesSelector } from '../core/checks/objects.js';
import type { StackManifest } from '../core/synth-context.js';
import type { Connection } from '../core/connections.js';
import { Peer } from '../core/peer.js';
import type { KindRegistry } from '../core/kinds.js';
import { Workload } from '../core/workload.js';
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
  /** `Kind/name` of the object that holds it, e.g. `Deployment/api`. */
  readonly owner: string;
  /** Namespace of the object that holds it. */
  readonly namespace: string;
  /** Labels of the pods it makes. */
  readonly labels: Readonly<Record<string, string>>;
  /** Named container ports. */
  readonly portNames: ReadonlySet<string>;
}

function isEmptySelector(s: LabelSelectorJson | undefined): boolean {
  return !s || (!Object.keys(s.matchLabels ?? {}).length && !(s.matchExpressions ?? []).length);
}

/** The pod templates of one synth, by namespace and label, so selector checks stay linear (built once per synth). */
export class PodIndex {
  private readonly byNamespace = new Map<string, PodTemplateInfo[]>();
  private readonly byLabel = new Map<string, PodTemplateInfo[]>();

  /** Indexes the pod templates of every registered kind in `all`. */
  constructor(all: readonly StackManifest[], kinds: KindRegistry) {
    for (const m of all) {
      for (const o of m.objects) {
        for (const template of kinds.podTemplates(o.json)) {
          const containers: any[] = [...(template.spec.containers ?? []), ...(template.spec.initContainers ?? [])];
          const info: PodTemplateInfo = {
            owner: `${o.json.kind}/${o.json.metadata?.name}`,
            namespace: o.json.metadata?.namespace ?? '',
            labels: template.metadata.labels ?? {},
            portNames: new Set(containers.flatMap((c) => (c.ports ?? []).map((p: any) => p.name).filter(Boolean))),
          };
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
export function checkPeersHavePods(connections: readonly Connection<Workload>[], index: PodIndex, synthesized: ReadonlySet<Chart>): KeelsonError[] {
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

/**
 * A workload whose environment consumes a value another workload exports (`api.url`,
 * `db.url`, or text built from them with `ref` / `concat`) depends on it: its egress
 * policy must let it through, on the Service port the value points at when it names one.
 * The dependency is the value's recorded source, never text parsed back out of the env.
 */
export function checkDependencies(
  members: readonly Workload[],
  synthesized: ReadonlySet<Chart>,
  portsAllowed: (from: Workload, to: Workload) => readonly RoutePort[] | undefined,
): KeelsonError[] {
  const errors: KeelsonError[] = [];
  for (const owner of members) {
    const reported = new Set<string>();
    for (const { variable, value } of owner.consumedValues) {
      for (const source of value.sources) {
        const target = source.construct;
        if (!(target instanceof Workload) || target === owner || !synthesized.has(target.stack)) continue;
        const port = source.port === undefined ? undefined : target.ports.find((p) => p.port === source.port);
        const allowed = portsAllowed(owner, target);
        const ok = allowed !== undefined && (port === undefined || allowed.some((p) => p.port === port.name && p.protocol === port.protocol));
        const key = `${variable}|${target.node.path}`;
        if (ok || reported.has(key)) continue;
        reported.add(key);
        const on = port ? ` on port ${port.port} (${port.name})` : '';
        errors.push(
          new KeelsonError({
            path: owner.node.path,
            field: `env.${variable}`,
            value: value.describe(),
            rule: `needs egress to ${target.node.path}${on}, which the network policies deny`,
            hint: `Declare the connection: ${target.node.id}.allowFrom(${owner.node.id}) or ${owner.node.id}.allowTo(${target.node.id})`,
          }),
        );
      }
    }
  }
  return errors;
}
