import { valueAt, type FoundSelection, type KindRegistry, type PodTemplate } from '../kinds.js';
import type { CheckedObject } from './finding.js';

export type { PodTemplate } from '../kinds.js';

/** One container (or init container) of a pod template, with its field path. */
export interface ContainerAt {
  /** The container as JSON. */
  readonly container: Record<string, any>;
  /** Field path of the container, e.g. `spec.template.spec.containers[0]`. */
  readonly field: string;
  /** True for init and ephemeral containers. */
  readonly init: boolean;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Containers and init containers of a pod spec. */
export function containersOf(pod: PodTemplate): ContainerAt[] {
  const out: ContainerAt[] = [];
  for (const [key, init] of [['initContainers', true], ['containers', false], ['ephemeralContainers', true]] as const) {
    const list = pod.spec[key];
    if (!Array.isArray(list)) continue;
    list.forEach((container, i) => {
      if (isObject(container)) out.push({ container, field: `${pod.field}.${key}[${i}]`, init });
    });
  }
  return out;
}

/** True when every label of `selector` is on `labels` (a Service-style equality selector). */
export function matchesLabels(selector: Record<string, unknown>, labels: Record<string, unknown> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** True when a LabelSelector (`matchLabels` and `matchExpressions`) selects `labels`. An empty selector selects everything. */
export function matchesSelector(selector: Record<string, any> | undefined, labels: Record<string, unknown> | undefined): boolean {
  if (!isObject(selector)) return false;
  if (isObject(selector.matchLabels) && !matchesLabels(selector.matchLabels, labels)) return false;
  for (const e of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
    const value = labels?.[e?.key];
    const values: unknown[] = Array.isArray(e?.values) ? e.values : [];
    const ok =
      e?.operator === 'In' ? values.includes(value) :
      e?.operator === 'NotIn' ? !values.includes(value) :
      e?.operator === 'Exists' ? value !== undefined :
      e?.operator === 'DoesNotExist' ? value === undefined : false;
    if (!ok) return false;
  }
  return true;
}

/** Namespace of an object (`default` when it has none). */
export function namespaceOf(json: Record<string, any>): string {
  return json.metadata?.namespace ?? 'default';
}

/** A workload's pod template, with the object that owns it. */
export interface OwnedPod {
  /** The object that holds the pod template. */
  readonly obj: CheckedObject;
  /** The pod template. */
  readonly pod: PodTemplate;
}

/**
 * Lookups over one set of objects, built once so that every check stays linear in
 * the number of objects: by kind/namespace/name, pods by namespace and by label,
 * and autoscalers by target.
 */
export class ObjectIndex {
  private readonly byName = new Map<string, CheckedObject>();
  private readonly byKind = new Map<string, CheckedObject[]>();
  private readonly podsByNamespace = new Map<string, OwnedPod[]>();
  private readonly podsByLabel = new Map<string, OwnedPod[]>();
  private readonly maxByTarget = new Map<string, number>();

  constructor(
    public readonly objects: readonly CheckedObject[],
    /** The kinds the objects are read with. */
    public readonly kinds: KindRegistry,
  ) {
    for (const obj of objects) {
      const { json } = obj;
      const ns = namespaceOf(json);
      const name = json.metadata?.name;
      if (!this.byName.has(`${json.kind}|${ns}|${name}`)) this.byName.set(`${json.kind}|${ns}|${name}`, obj);
      push(this.byKind, `${json.kind}|${ns}`, obj);
      for (const ref of kinds.referencesOf(json)) {
        const max = ref.maxReplicasField === undefined ? undefined : valueAt(json, ref.maxReplicasField);
        if (max !== undefined) this.maxByTarget.set(`${ns}|${ref.kind}|${ref.name}`, Number(max));
      }
      for (const pod of kinds.podTemplates(json)) {
        const owned = { obj, pod };
        push(this.podsByNamespace, ns, owned);
        const labels = isObject(pod.metadata.labels) ? pod.metadata.labels : {};
        for (const [k, v] of Object.entries(labels)) push(this.podsByLabel, `${ns}|${k}=${String(v)}`, owned);
      }
    }
  }

  /** The object of `kind` named `name` in `namespace`. */
  find(kind: string, namespace: string, name: unknown): CheckedObject | undefined {
    return this.byName.get(`${kind}|${namespace}|${name}`);
  }

  /** Objects of `kind` in `namespace`. */
  ofKind(kind: string, namespace: string): readonly CheckedObject[] {
    return this.byKind.get(`${kind}|${namespace}`) ?? [];
  }

  /** Pods in `namespace` that a LabelSelector selects (an empty selector selects all). */
  podsSelectedBy(namespace: string, selector: Record<string, any>): OwnedPod[] {
    return this.candidates(namespace, isObject(selector.matchLabels) ? selector.matchLabels : {}).filter((p) => matchesSelector(selector, p.pod.metadata.labels));
  }

  /** Pods in `namespace` whose labels include every pair of a Service-style selector. */
  podsMatchingLabels(namespace: string, selector: Record<string, unknown>): OwnedPod[] {
    return this.candidates(namespace, selector).filter((p) => matchesLabels(selector, p.pod.metadata.labels));
  }

  /** The pods an object's selector selects, when its kind selects other objects' pods; undefined otherwise or for an empty selector. */
  podsSelectedByObject(json: Record<string, any>): OwnedPod[] | undefined {
    const selection = this.kinds.selectionOf(json);
    if (!selection || selection.of !== 'other-pods' || isEmptySelector(selection)) return undefined;
    const ns = namespaceOf(json);
    return selection.form === 'labels' ? this.podsMatchingLabels(ns, selection.selector as Record<string, unknown>) : this.podsSelectedBy(ns, selection.selector as Record<string, any>);
  }

  /** The replica count a scalable object runs with at most (the autoscaler's maximum when one scales it); undefined when its kind has no /scale. */
  maxReplicasOf(obj: CheckedObject): number | undefined {
    const json = obj.json;
    const replicas = this.kinds.replicasOf(json);
    if (replicas === undefined) return undefined;
    return this.maxByTarget.get(`${namespaceOf(json)}|${json.kind}|${json.metadata?.name}`) ?? replicas;
  }

  /** The pods that can match `labels`: those sharing its first pair, or every pod of the namespace. */
  private candidates(namespace: string, labels: Record<string, unknown>): OwnedPod[] {
    const first = Object.entries(labels)[0];
    return (first ? this.podsByLabel.get(`${namespace}|${first[0]}=${String(first[1])}`) : this.podsByNamespace.get(namespace)) ?? [];
  }
}

/** True when a selector selects by nothing (an empty map or LabelSelector), which the checks leave alone. */
function isEmptySelector(selection: FoundSelection): boolean {
  const s = selection.selector;
  if (!isObject(s)) return true;
  if (selection.form === 'labels') return Object.keys(s).length === 0;
  return Object.keys(isObject(s.matchLabels) ? s.matchLabels : {}).length === 0 && (Array.isArray(s.matchExpressions) ? s.matchExpressions : []).length === 0;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export { isObject };
