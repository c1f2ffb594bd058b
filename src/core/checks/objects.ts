import type { CheckedObject } from './finding.js';

/** A pod template inside an object, with the field path it sits at. */
export interface PodTemplate {
  /** Labels and annotations of the pods. */
  readonly metadata: Record<string, any>;
  /** The pod spec. */
  readonly spec: Record<string, any>;
  /** Field path of the pod spec, e.g. `spec.template.spec`. */
  readonly field: string;
}

/** One container (or init container) of a pod template, with its field path. */
export interface ContainerAt {
  readonly container: Record<string, any>;
  readonly field: string;
  readonly init: boolean;
}

/** Kinds whose pods run until stopped (probes, disruption budgets and policies apply). */
export const LONG_RUNNING_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController']);

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The pod template of a Pod, workload or CronJob; undefined for other kinds. */
export function podTemplateOf(json: Record<string, any>): PodTemplate | undefined {
  const at = (template: unknown, field: string): PodTemplate | undefined =>
    isObject(template) && isObject(template.spec) ? { metadata: isObject(template.metadata) ? template.metadata : {}, spec: template.spec, field } : undefined;
  switch (json.kind) {
    case 'Pod':
      return at(json, 'spec');
    case 'PodTemplate':
      return at(json.template, 'template.spec');
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'Job':
      return at(json.spec?.template, 'spec.template.spec');
    case 'CronJob':
      return at(json.spec?.jobTemplate?.spec?.template, 'spec.jobTemplate.spec.template.spec');
    default:
      return undefined;
  }
}

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

/** Objects with a pod template, in `namespace`. */
export function podsInNamespace(objects: readonly CheckedObject[], namespace: string): { obj: CheckedObject; pod: PodTemplate }[] {
  const out: { obj: CheckedObject; pod: PodTemplate }[] = [];
  for (const obj of objects) {
    const pod = podTemplateOf(obj.json);
    if (pod && namespaceOf(obj.json) === namespace) out.push({ obj, pod });
  }
  return out;
}

/** The replica count a workload runs with at most (HPA max when autoscaled); undefined when not a replicated workload. */
export function maxReplicasOf(obj: CheckedObject, objects: readonly CheckedObject[]): number | undefined {
  const json = obj.json;
  if (!['Deployment', 'StatefulSet', 'ReplicaSet'].includes(json.kind)) return undefined;
  const hpa = objects.find(
    (o) => o.json.kind === 'HorizontalPodAutoscaler' && namespaceOf(o.json) === namespaceOf(json) && o.json.spec?.scaleTargetRef?.kind === json.kind && o.json.spec?.scaleTargetRef?.name === json.metadata?.name,
  );
  if (hpa) return Number(hpa.json.spec?.maxReplicas ?? 1);
  return json.spec?.replicas === undefined ? 1 : Number(json.spec.replicas);
}

export { isObject };
