import { valueAt, type PodTemplate } from '../kinds.js';
import { PROXY_RESOURCE_ANNOTATIONS } from '../mesh-profile.js';
import { quantityAmount } from './autoscalers.js';
import { fieldPath, findingOf, type CheckedObject, type Finding, type Rule } from './finding.js';
import { containersOf, isObject, namespaceOf, type ObjectIndex } from './objects.js';

const rule = (id: string, summary: string, fix: string): Rule => ({ id, severity: 'error', family: 'quota', summary, fix });

/** What the namespace's admission control refuses: pods beyond the ResourceQuota, containers above the LimitRange. */
export const QUOTA_RULES = {
  fit: rule(
    'quota-fit',
    'a namespace\'s ResourceQuota holds what its workloads run at their peak: the autoscaler\'s maximum replicas, the rolling-update surge, a rollout\'s second version, Jobs\' parallelism, and the mesh proxy the pods\' annotations give resources to',
    'Give the namespace a larger quota (the Team\'s quota size), or lower replicas, autoscaler maximums or sizes',
  ),
  limitRange: rule(
    'limit-range-max',
    'a container\'s limits (and the injected mesh proxy\'s) are within the maximum of its namespace\'s LimitRange',
    'Use a smaller size, or give the namespace a larger LimitRange maximum (the Team\'s quota size)',
  ),
} as const;

/** Compute resources a quota counts per container: `requests.cpu`, `limits.memory`, … */
type Amounts = Map<string, number>;

/** One object's pods at their peak. */
interface Demand {
  readonly obj: CheckedObject;
  /** Pods at the peak. */
  readonly pods: number;
  /** How the pods add up, e.g. `10 + 3 surge`. */
  readonly why: string;
  /** Requests and limits of one pod, by quota key (`requests.cpu`, `limits.memory`, …), its mesh proxy included. */
  readonly perPod: Amounts;
  /** The share of `perPod` that the injected mesh proxy takes. */
  readonly proxy: Amounts;
}

/** The `type: Container` entries of the LimitRanges of a namespace. */
function containerLimits(index: ObjectIndex, ns: string): { obj: CheckedObject; item: Record<string, any>; i: number }[] {
  return index.ofKind('LimitRange', ns).flatMap((obj) =>
    (Array.isArray(obj.json.spec?.limits) ? obj.json.spec.limits : []).flatMap((item: unknown, i: number) => (isObject(item) && item.type === 'Container' ? [{ obj, item, i }] : [])),
  );
}

/**
 * A container's requests and limits as admission sees them: a missing request is its limit,
 * else the LimitRange's `defaultRequest`; a missing limit the LimitRange's `default`.
 */
function containerAmounts(c: Record<string, any>, defaults: readonly Record<string, any>[]): Amounts {
  const out: Amounts = new Map();
  const requests = isObject(c.resources?.requests) ? c.resources.requests : {};
  const limits = isObject(c.resources?.limits) ? c.resources.limits : {};
  const fromDefaults = (key: 'default' | 'defaultRequest', r: string) => defaults.map((d) => quantityAmount(d[key]?.[r])).find((v) => v !== undefined);
  const names = new Set([...Object.keys(requests), ...Object.keys(limits), 'cpu', 'memory']);
  for (const r of names) {
    const limit = quantityAmount(limits[r]) ?? fromDefaults('default', r);
    const request = quantityAmount(requests[r]) ?? quantityAmount(limits[r]) ?? fromDefaults('defaultRequest', r) ?? limit;
    if (request !== undefined) out.set(`requests.${r}`, request);
    if (limit !== undefined) out.set(`limits.${r}`, limit);
  }
  return out;
}

/**
 * The mesh proxy a pod's annotations give requests and limits to (Istio's `sidecar.istio.io/proxyCPU`…,
 * Linkerd's `config.linkerd.io/proxy-cpu-request`…), as the container the injector adds; undefined without them.
 */
function proxyContainer(pod: PodTemplate): { container: Record<string, any>; annotations: Record<string, string | undefined> } | undefined {
  const annotations = isObject(pod.metadata?.annotations) ? pod.metadata.annotations : {};
  for (const keys of Object.values(PROXY_RESOURCE_ANNOTATIONS)) {
    const found = Object.entries(keys).filter(([, a]) => annotations[a] !== undefined);
    if (!found.length) continue;
    const resources: Record<string, Record<string, unknown>> = { requests: {}, limits: {} };
    for (const [key, a] of found) {
      const [side, r] = key.split('.') as [string, string];
      resources[side]![r] = annotations[a];
    }
    return { container: { resources }, annotations: Object.fromEntries(found) };
  }
  return undefined;
}

/** A pod's effective requests and limits: its containers (and sidecars, and the mesh proxy) together, or its largest init container if that is more. */
function podAmounts(pod: PodTemplate, defaults: readonly Record<string, any>[]): { perPod: Amounts; proxy: Amounts } {
  const sum: Amounts = new Map();
  const init: Amounts = new Map();
  const injected = proxyContainer(pod);
  const proxy = injected ? containerAmounts(injected.container, defaults) : new Map<string, number>();
  for (const [k, v] of proxy) sum.set(k, v);
  for (const c of containersOf(pod)) {
    if (c.field.includes('.ephemeralContainers[')) continue;
    const sidecar = c.init && c.container.restartPolicy === 'Always';
    for (const [k, v] of containerAmounts(c.container, defaults)) {
      if (c.init && !sidecar) init.set(k, Math.max(init.get(k) ?? 0, v));
      else sum.set(k, (sum.get(k) ?? 0) + v);
    }
  }
  for (const [k, v] of init) sum.set(k, Math.max(sum.get(k) ?? 0, v));
  return { perPod: sum, proxy };
}

/** `25%` of `of`, rounded up, or a whole number as it is. */
function surgeOf(value: unknown, of: number): number {
  if (typeof value === 'string' && value.endsWith('%')) return Math.ceil((of * Number(value.slice(0, -1))) / 100) || 0;
  return Number.isFinite(Number(value)) ? Number(value) : 0;
}

/** Extra pods while a new version starts beside the old one: a Deployment's maxSurge, a Rollout's canary or second colour. */
function extraPods(json: Record<string, any>, max: number): { pods: number; what: string } | undefined {
  const strategy = json.spec?.strategy;
  if (json.kind === 'Deployment' && String(json.apiVersion).startsWith('apps/')) {
    if (strategy?.type === 'Recreate') return undefined;
    return { pods: surgeOf(strategy?.rollingUpdate?.maxSurge ?? '25%', max), what: 'surge' };
  }
  if (json.kind === 'Rollout' && String(json.apiVersion).startsWith('argoproj.io/')) {
    if (strategy?.blueGreen) return { pods: Number(strategy.blueGreen.previewReplicaCount ?? max), what: 'second colour' };
    // Through a traffic router the stable pods stay until the canary runs at full size; otherwise the canary surges like a Deployment.
    if (strategy?.canary?.trafficRouting) return { pods: max, what: 'canary at full size' };
    return { pods: surgeOf(strategy?.canary?.maxSurge ?? '25%', max), what: 'surge' };
  }
  return undefined;
}

/** How many pods of one template run at most, and why. */
function templatePods(index: ObjectIndex, obj: CheckedObject, pod: PodTemplate, only: boolean): { pods: number; why: string } {
  const json = obj.json;
  if (only && index.kinds.replicasOf(json) !== undefined) {
    const max = index.maxReplicasOf(obj) ?? 1;
    const extra = extraPods(json, max);
    return extra && extra.pods > 0 ? { pods: max + extra.pods, why: `${max} + ${extra.pods} ${extra.what}` } : { pods: max, why: `${max}` };
  }
  const parent = pod.templateField.replace(/\.?template$/, '');
  const at = (f: string) => valueAt(json, parent ? `${parent}.${f}` : f);
  const perRun = Number(at('replicas') ?? at('parallelism') ?? 1);
  if (json.kind === 'ScaledJob') {
    const jobs = Number(json.spec?.maxReplicaCount ?? 100);
    return { pods: jobs * perRun, why: `${jobs} jobs × ${perRun}` };
  }
  return { pods: perRun, why: `${perRun}` };
}

/** A quantity for a message: bytes as Mi/Gi, cores and counts as they are. */
function shown(key: string, amount: number): string {
  if (key.endsWith('memory') || key.endsWith('storage')) {
    if (amount >= 2 ** 30) return `${+(amount / 2 ** 30).toFixed(2)}Gi`;
    return `${+(amount / 2 ** 20).toFixed(1)}Mi`;
  }
  return `${+amount.toFixed(3)}`;
}

/** `count/<resource>[.<group>]` of an object: its kind in the plural, lower-case, and its API group. */
function countKey(json: Record<string, any>): string {
  const kind = String(json.kind).toLowerCase();
  const plural = kind.endsWith('s') ? `${kind}es` : kind.endsWith('y') ? `${kind.slice(0, -1)}ies` : `${kind}s`;
  const apiVersion = String(json.apiVersion);
  return `count/${plural}${apiVersion.includes('/') ? `.${apiVersion.split('/')[0]}` : ''}`;
}

/** Quota keys that count objects under their older names. */
const OBJECT_QUOTA_ALIASES: Readonly<Record<string, string>> = {
  services: 'count/services',
  secrets: 'count/secrets',
  configmaps: 'count/configmaps',
  replicationcontrollers: 'count/replicationcontrollers',
  resourcequotas: 'count/resourcequotas',
  persistentvolumeclaims: 'count/persistentvolumeclaims',
};

/** What a namespace's objects take of the quotas that are not about pods: the total and who takes it. */
interface ObjectQuota {
  amount: number;
  readonly by: Map<string, number>;
}

/**
 * The object quotas of a namespace: `count/…` of every object; `services.loadbalancers` and
 * `services.nodeports` (a LoadBalancer Service takes a node port per port unless
 * `allocateLoadBalancerNodePorts: false`); PersistentVolumeClaims and `requests.storage`,
 * including a StatefulSet's claim templates at its most replicas.
 */
function objectQuotas(index: ObjectIndex, objects: readonly CheckedObject[]): Map<string, ObjectQuota> {
  const out = new Map<string, ObjectQuota>();
  const add = (key: string, obj: CheckedObject, amount: number) => {
    if (!amount) return;
    let q = out.get(key);
    if (!q) out.set(key, (q = { amount: 0, by: new Map() }));
    const who = `${obj.json.kind} ${obj.json.metadata?.name}`;
    q.amount += amount;
    q.by.set(who, (q.by.get(who) ?? 0) + amount);
  };
  for (const obj of objects) {
    const json = obj.json;
    add(countKey(json), obj, 1);
    if (json.kind === 'Service' && json.apiVersion === 'v1') {
      const ports: any[] = Array.isArray(json.spec?.ports) ? json.spec.ports : [];
      if (json.spec?.type === 'NodePort') add('services.nodeports', obj, ports.length);
      if (json.spec?.type === 'LoadBalancer') {
        add('services.loadbalancers', obj, 1);
        add('services.nodeports', obj, json.spec.allocateLoadBalancerNodePorts === false ? ports.filter((p) => p?.nodePort !== undefined).length : ports.length);
      }
    }
    const claims: { replicas: number; claim: Record<string, any> }[] =
      json.kind === 'PersistentVolumeClaim' && json.apiVersion === 'v1'
        ? [{ replicas: 1, claim: json }]
        : json.kind === 'StatefulSet' && Array.isArray(json.spec?.volumeClaimTemplates)
          ? json.spec.volumeClaimTemplates.map((claim: Record<string, any>) => ({ replicas: index.maxReplicasOf(obj) ?? 1, claim }))
          : [];
    for (const { replicas, claim } of claims) {
      if (json.kind !== 'PersistentVolumeClaim') add('count/persistentvolumeclaims', obj, replicas);
      add('requests.storage', obj, replicas * (quantityAmount(claim.spec?.resources?.requests?.storage) ?? 0));
    }
  }
  return out;
}

/** The quota keys checked against pods: `pods` and compute `requests.*`/`limits.*` (bare `cpu`/`memory` are requests). */
function resourceOf(key: string): string | undefined {
  if (key === 'pods' || key === 'count/pods') return 'pods';
  if (key.startsWith('requests.') || key.startsWith('limits.')) return key === 'requests.storage' ? undefined : key;
  if (key === 'cpu' || key === 'memory' || key === 'ephemeral-storage') return `requests.${key}`;
  return undefined;
}

/**
 * The quota family: per namespace with a ResourceQuota, what its pods need at their peak
 * (each scalable workload at its autoscaler's maximum, plus the surge of a rolling update,
 * a blue-green rollout's second colour or a canary at full size beside the stable pods; Jobs
 * at their parallelism; requests defaulted by the LimitRange as admission would) against every
 * `pods`, `requests.*` and `limits.*` of the quota, and the objects of each `count/…` against it;
 * a quota with scopes is left alone. And every container's limits against the LimitRange's maximum.
 */
export function checkQuotas(index: ObjectIndex): Finding[] {
  const out: Finding[] = [];
  const byNamespace = new Map<string, CheckedObject[]>();
  for (const o of index.objects) if (o.json.kind === 'ResourceQuota' || o.json.kind === 'LimitRange') byNamespace.set(namespaceOf(o.json), []);
  if (!byNamespace.size) return out;
  for (const o of index.objects) byNamespace.get(namespaceOf(o.json))?.push(o);
  for (const [ns, objects] of byNamespace) {
    const limitItems = containerLimits(index, ns);
    const defaults = limitItems.map((l) => l.item);
    const demands: Demand[] = [];
    for (const obj of objects) {
      const pods = index.kinds.podTemplates(obj.json);
      for (const pod of pods) {
        const { pods: count, why } = templatePods(index, obj, pod, pods.length === 1);
        demands.push({ obj, pods: count, why, ...podAmounts(pod, defaults) });
        out.push(...checkLimitRange(obj, pod, limitItems));
      }
    }
    const counted = objectQuotas(index, objects);
    for (const quota of index.ofKind('ResourceQuota', ns)) {
      const spec = quota.json.spec ?? {};
      if (spec.scopes?.length || spec.scopeSelector) continue;
      for (const [key, hardValue] of Object.entries(isObject(spec.hard) ? spec.hard : {})) {
        const resource = resourceOf(key);
        const hard = quantityAmount(hardValue);
        if (hard === undefined) continue;
        const objectQuota = counted.get(OBJECT_QUOTA_ALIASES[key] ?? key);
        if (!resource && objectQuota && objectQuota.amount > hard * (1 + 1e-9)) {
          const top = [...objectQuota.by].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([what, n]) => `${what} ${shown(key, n)}`);
          const more = objectQuota.by.size > 3 ? `, and ${objectQuota.by.size - 3} more` : '';
          out.push(
            findingOf(
              QUOTA_RULES.fit,
              quota,
              fieldPath(['spec', 'hard', key]),
              `namespace ${ns} needs ${key} ${shown(key, objectQuota.amount)}, above the quota's ${JSON.stringify(hardValue)}, so the API server refuses what goes beyond it: ${top.join(', ')}${more}`,
              'Give the namespace a larger quota (the Team\'s quota size), or make fewer of these objects',
            ),
          );
        }
        if (!resource) continue;
        const parts = demands
          .map((d) => ({ d, amount: resource === 'pods' ? d.pods : d.pods * (d.perPod.get(resource) ?? 0) }))
          .filter((p) => p.amount > 0)
          .sort((a, b) => b.amount - a.amount);
        const peak = parts.reduce((s, p) => s + p.amount, 0);
        if (peak <= hard * (1 + 1e-9)) continue;
        const name = (d: Demand) => `${d.obj.json.kind} ${d.obj.json.metadata?.name}`;
        const podCount = (d: Demand) => `${d.pods} pod${d.pods === 1 ? '' : 's'}${d.why === String(d.pods) ? '' : ` = ${d.why}`}`;
        const proxyOf = (d: Demand) => (resource === 'pods' ? 0 : (d.proxy.get(resource) ?? 0));
        const top = parts.slice(0, 3).map(({ d, amount }) =>
          resource === 'pods'
            ? `${name(d)} ${podCount(d)}`
            : `${name(d)} ${shown(resource, amount)} (${podCount(d)}, ${shown(resource, d.perPod.get(resource)!)} each${proxyOf(d) ? `, ${shown(resource, proxyOf(d))} of it the mesh proxy` : ''})`,
        );
        const more = parts.length > 3 ? `, and ${parts.length - 3} more` : '';
        const proxies = parts.reduce((s, p) => s + p.d.pods * proxyOf(p.d), 0);
        const proxyShare = proxies ? `; the injected mesh proxies take ${shown(resource, proxies)} of the peak` : '';
        out.push(
          findingOf(
            QUOTA_RULES.fit,
            quota,
            fieldPath(['spec', 'hard', key]),
            `namespace ${ns} needs ${resource === 'pods' ? `${peak} pods` : `${key} ${shown(resource, peak)}`} at its peak, above the quota's ${JSON.stringify(hardValue)}, so admission refuses the pods beyond it: ${top.join(', ')}${more}${proxyShare}`,
          ),
        );
      }
    }
  }
  return out;
}

/** Limits of a pod's containers above a LimitRange's `max`: the LimitRanger refuses the pod. */
function checkLimitRange(obj: CheckedObject, pod: PodTemplate, items: readonly { obj: CheckedObject; item: Record<string, any>; i: number }[]): Finding[] {
  const out: Finding[] = [];
  const injected = proxyContainer(pod);
  for (const { obj: range, item } of items) {
    if (!isObject(item.max)) continue;
    for (const c of containersOf(pod)) {
      const limits = isObject(c.container.resources?.limits) ? c.container.resources.limits : {};
      for (const [r, maxValue] of Object.entries(item.max)) {
        const max = quantityAmount(maxValue);
        const limit = quantityAmount(limits[r]);
        if (max === undefined || limit === undefined || limit <= max) continue;
        out.push(
          findingOf(
            QUOTA_RULES.limitRange,
            obj,
            `${c.field}.resources.limits.${r}`,
            `${JSON.stringify(limits[r])} is above the maximum ${JSON.stringify(maxValue)} of LimitRange ${namespaceOf(range.json)}/${range.json.metadata?.name}, so admission refuses the pods`,
          ),
        );
      }
    }
    for (const [r, maxValue] of Object.entries(item.max)) {
      const annotation = injected?.annotations[`limits.${r}`];
      const value = annotation ? injected!.container.resources.limits[r] : undefined;
      const max = quantityAmount(maxValue);
      const limit = quantityAmount(value);
      if (!annotation || max === undefined || limit === undefined || limit <= max) continue;
      out.push(
        findingOf(
          QUOTA_RULES.limitRange,
          obj,
          `${pod.templateField ? `${pod.templateField}.` : ''}${fieldPath(['metadata', 'annotations', annotation])}`,
          `${JSON.stringify(value)}, the injected mesh proxy's limit, is above the maximum ${JSON.stringify(maxValue)} of LimitRange ${namespaceOf(range.json)}/${range.json.metadata?.name}, so admission refuses the pods`,
        ),
      );
    }
  }
  return out;
}
