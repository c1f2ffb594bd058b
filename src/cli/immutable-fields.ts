/** A change the API server refuses to apply to an existing object, and what to do instead. */
export interface RefusedChange {
  /** The fields that changed, e.g. `spec.selector`. */
  readonly fields: readonly string[];
  /** Why the API server refuses it. */
  readonly reason: string;
  /** What to run so the change applies. */
  readonly action: string;
}

type Json = Record<string, any>;

const valueAt = (json: unknown, field: string): unknown => field.split('.').reduce<any>((v, k) => (v && typeof v === 'object' ? v[k] : undefined), json);
const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
const changed = (before: Json, after: Json, fields: readonly string[]) => fields.filter((f) => differs(valueAt(before, f), valueAt(after, f)));

/** The fields of a StatefulSet's spec that may change in place; every other one is immutable. */
const STATEFULSET_MUTABLE = new Set(['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds', 'revisionHistoryLimit']);

function target(kind: string, json: Json): string {
  const ns = json.metadata?.namespace;
  return `${kind.toLowerCase()} ${json.metadata?.name}${ns ? ` -n ${ns}` : ''}`;
}

/** Per kind: which changed fields the API server refuses in place. */
const RULES: Record<string, (before: Json, after: Json) => RefusedChange | undefined> = {
  'apps/StatefulSet': (b, a) => {
    const keys = [...new Set([...Object.keys(b.spec ?? {}), ...Object.keys(a.spec ?? {})])].filter((k) => !STATEFULSET_MUTABLE.has(k)).sort();
    const fields = changed(b, a, keys.map((k) => `spec.${k}`));
    if (!fields.length) return undefined;
    const claims = fields.includes('spec.volumeClaimTemplates') ? ' (existing PersistentVolumeClaims keep their size and class: patch or recreate each one first)' : '';
    return {
      fields,
      reason: 'a StatefulSet may change only replicas, template, updateStrategy, persistentVolumeClaimRetentionPolicy and minReadySeconds',
      action: `kubectl delete ${target('statefulset', a)} --cascade=orphan, then apply: the pods and volumes stay and the new StatefulSet adopts them${claims}`,
    };
  },
  'apps/Deployment': (b, a) => selectorRule(b, a, 'deployment'),
  'apps/DaemonSet': (b, a) => selectorRule(b, a, 'daemonset'),
  'apps/ReplicaSet': (b, a) => selectorRule(b, a, 'replicaset'),
  'batch/Job': (b, a) => {
    const fields = changed(b, a, ['spec.template', 'spec.selector', 'spec.completionMode']);
    return fields.length ? { fields, reason: 'a Job\'s pod template, selector and completion mode are immutable', action: `kubectl delete ${target('job', a)}, then apply: the Job runs again` } : undefined;
  },
  '/Service': (b, a) => {
    const fields = changed(b, a, ['spec.clusterIP', 'spec.clusterIPs']).filter((f) => valueAt(b, f) !== undefined && valueAt(a, f) !== undefined);
    const type = (v: Json) => v.spec?.type ?? 'ClusterIP';
    if (type(b) !== type(a) && (type(b) === 'ExternalName' || type(a) === 'ExternalName')) fields.push('spec.type');
    return fields.length ? { fields, reason: 'a Service keeps its cluster IP for life (also when it becomes or stops being ExternalName)', action: `kubectl delete ${target('service', a)}, then apply: the name stays, the cluster IP changes` } : undefined;
  },
  '/PersistentVolumeClaim': (b, a) => {
    const fields = changed(b, a, ['spec.storageClassName', 'spec.accessModes', 'spec.volumeMode', 'spec.volumeName', 'spec.selector']);
    return fields.length ? { fields, reason: 'a bound claim cannot change its class, access modes, volume mode or volume', action: `create a claim under a new name, copy the data, then delete ${target('persistentvolumeclaim', a)}` } : undefined;
  },
  'rbac.authorization.k8s.io/RoleBinding': (b, a) => roleRefRule(b, a, 'rolebinding'),
  'rbac.authorization.k8s.io/ClusterRoleBinding': (b, a) => roleRefRule(b, a, 'clusterrolebinding'),
  '/ConfigMap': (b, a) => immutableData(b, a, 'configmap'),
  '/Secret': (b, a) => immutableData(b, a, 'secret'),
};

function selectorRule(b: Json, a: Json, kind: string): RefusedChange | undefined {
  const fields = changed(b, a, ['spec.selector']);
  return fields.length ? { fields, reason: `a ${kind}'s selector is immutable in apps/v1`, action: `kubectl delete ${target(kind, a)}, then apply (the pods are replaced)` } : undefined;
}

function roleRefRule(b: Json, a: Json, kind: string): RefusedChange | undefined {
  const fields = changed(b, a, ['roleRef']);
  return fields.length ? { fields, reason: 'a binding\'s roleRef is immutable', action: `kubectl delete ${target(kind, a)}, then apply` } : undefined;
}

function immutableData(b: Json, a: Json, kind: string): RefusedChange | undefined {
  if (b.immutable !== true) return undefined;
  const fields = changed(b, a, ['data', 'binaryData', 'stringData', 'immutable']);
  return fields.length ? { fields, reason: `the ${kind} is marked immutable`, action: `kubectl delete ${target(kind, a)}, then apply (pods that mount it keep the old content until they restart)` } : undefined;
}

/** The change from `before` to `after` (one object, same kind and name) that the API server refuses in place, if any. */
export function refusedChange(before: Json, after: Json): RefusedChange | undefined {
  const apiVersion = typeof after.apiVersion === 'string' ? after.apiVersion : '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return RULES[`${group}/${after.kind}`]?.(before, after);
}
