import { findingOf, type CheckedObject, type Finding, type Rule } from './finding.js';
import { containersOf, isObject, namespaceOf, type ObjectIndex } from './objects.js';

const rule = (id: string, summary: string, fix: string): Rule => ({ id, severity: 'error', family: 'references', summary, fix });

/** How autoscalers relate to their targets and to each other. */
export const AUTOSCALER_RULES = {
  targetKind: rule(
    'scale-target-kind',
    'an autoscaler acts on a kind it can: a replica count behind a /scale subresource for an HPA or KEDA ScaledObject, pods for a VPA',
    'Point scaleTargetRef at a Deployment, StatefulSet or another kind with a /scale subresource, and a VPA\'s targetRef at a workload that runs pods',
  ),
  conflict: rule(
    'autoscaler-conflict',
    'a workload has at most one replica autoscaler (KEDA makes its own HPA), and a VPA that acts leaves alone the resources an HPA scales on',
    'Keep one HPA or ScaledObject per workload; set the VPA\'s updateMode to "Off" or leave the HPA\'s resource out of its controlledResources',
  ),
  maxAllowed: rule(
    'vpa-max-allowed',
    'a VPA\'s maxAllowed can take effect: within the container\'s limit where the VPA keeps limits (RequestsOnly), and within the namespace\'s ResourceQuota',
    'Lower maxAllowed (or raise the limit or the quota)',
  ),
} as const;

const QUANTITY = /^((?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;
const FACTOR: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The size of a Kubernetes quantity (`"500m"` → 0.5, `"1Gi"` → 2^30); undefined when it is not one. */
export function quantityAmount(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  const match = typeof value === 'string' ? QUANTITY.exec(value) : null;
  return match ? Number(match[1]) * (match[2] ? FACTOR[match[2]]! : 1) : undefined;
}

const VPA_GROUP = 'autoscaling.k8s.io/';
const isVpa = (json: Record<string, any>) => json.kind === 'VerticalPodAutoscaler' && String(json.apiVersion).startsWith(VPA_GROUP);

/** The compute resources a replica autoscaler scales on: an HPA's (container) resource metrics, a ScaledObject's cpu and memory triggers. */
export function resourcesScaledOn(json: Record<string, any>): string[] {
  if (json.kind === 'HorizontalPodAutoscaler') {
    return (Array.isArray(json.spec?.metrics) ? json.spec.metrics : []).map((m: any) => m?.resource?.name ?? m?.containerResource?.name).filter((n: unknown) => typeof n === 'string');
  }
  if (json.kind === 'ScaledObject') {
    return (Array.isArray(json.spec?.triggers) ? json.spec.triggers : []).map((t: any) => t?.type).filter((t: unknown) => t === 'cpu' || t === 'memory');
  }
  return [];
}

/** A quantity for a message: bytes as Mi/Gi, cores as they are. */
function round(amount: number): string {
  if (amount >= 2 ** 30) return `${+(amount / 2 ** 30).toFixed(2)}Gi`;
  if (amount >= 2 ** 20) return `${+(amount / 2 ** 20).toFixed(2)}Mi`;
  return `${+amount.toFixed(3)}`;
}

interface Scaled {
  readonly scaler: CheckedObject;
  readonly target: CheckedObject;
}

/**
 * The autoscalers family of references: targets of the right kind, one replica autoscaler
 * per workload, VPAs that do not fight an HPA and stay within limits and quotas.
 */
export function checkAutoscalers(index: ObjectIndex): Finding[] {
  const out: Finding[] = [];
  const R = AUTOSCALER_RULES;
  const replicaScalers = new Map<string, Scaled>();
  const vpas: { readonly obj: CheckedObject; readonly target: CheckedObject; readonly key: string }[] = [];
  for (const obj of index.objects) {
    const ns = namespaceOf(obj.json);
    for (const ref of index.kinds.referencesOf(obj.json)) {
      const target = index.find(ref.kind, ns, ref.name);
      if (!target) continue;
      const what = `${ref.kind} ${ns}/${ref.name}`;
      if (ref.target === 'scalable' && index.kinds.replicasOf(target.json) === undefined) {
        out.push(findingOf(R.targetKind, obj, ref.field, `${what} has no replica count to scale (its kind has no /scale subresource)`));
      } else if (ref.target === 'pods' && index.kinds.podTemplates(target.json).length === 0) {
        out.push(findingOf(R.targetKind, obj, ref.field, `${what} runs no pods whose resources could be set`));
      }
      const key = `${ref.kind}|${ns}|${ref.name}`;
      if (ref.maxReplicasField !== undefined) {
        const first = replicaScalers.get(key);
        if (first) {
          out.push(findingOf(R.conflict, obj, ref.field, `${what} is also scaled by ${first.scaler.json.kind} ${first.scaler.json.metadata?.name}: two autoscalers would fight over its replica count`));
        } else replicaScalers.set(key, { scaler: obj, target });
      }
      if (isVpa(obj.json)) vpas.push({ obj, target, key });
    }
  }
  for (const { obj, target, key } of vpas) out.push(...checkVpa(index, obj, target, replicaScalers.get(key)?.scaler));
  return out;
}

/** The policy of a VPA for one container: its own, else the `*` default. */
function policyFor(policies: readonly any[], container: string): { policy: any; index: number } | undefined {
  const i = policies.findIndex((p) => p?.containerName === container);
  const j = i >= 0 ? i : policies.findIndex((p) => p?.containerName === '*');
  return j >= 0 ? { policy: policies[j], index: j } : undefined;
}

function checkVpa(index: ObjectIndex, obj: CheckedObject, target: CheckedObject, replicaScaler: CheckedObject | undefined): Finding[] {
  const out: Finding[] = [];
  const R = AUTOSCALER_RULES;
  const json = obj.json;
  const ns = namespaceOf(json);
  const mode = json.spec?.updatePolicy?.updateMode ?? 'Recreate';
  const policies: any[] = Array.isArray(json.spec?.resourcePolicy?.containerPolicies) ? json.spec.resourcePolicy.containerPolicies : [];
  const containers = index.kinds.podTemplates(target.json).flatMap((pod) => containersOf(pod).filter((c) => !c.init).map((c) => c.container));
  const scaledOn = replicaScaler ? resourcesScaledOn(replicaScaler.json) : [];
  if (mode !== 'Off' && scaledOn.length) {
    for (const c of containers) {
      const found = policyFor(policies, c.name);
      if (found?.policy?.mode === 'Off') continue;
      const controlled: unknown[] = Array.isArray(found?.policy?.controlledResources) ? found.policy.controlledResources : ['cpu', 'memory'];
      const shared = scaledOn.filter((r) => controlled.includes(r));
      if (shared.length) {
        out.push(
          findingOf(
            R.conflict,
            obj,
            'spec.updatePolicy.updateMode',
            `"${mode}" sets the ${shared.join(' and ')} of container ${c.name} of ${target.json.kind} ${ns}/${target.json.metadata?.name}, which ${replicaScaler!.json.kind} ${replicaScaler!.json.metadata?.name} scales on: the two would fight`,
          ),
        );
        break;
      }
    }
  }
  const quotas = index.ofKind('ResourceQuota', ns);
  policies.forEach((policy, i) => {
    const max = isObject(policy?.maxAllowed) ? policy.maxAllowed : undefined;
    if (!max) return;
    const requestsOnly = policy.controlledValues === 'RequestsOnly';
    const applies = policy.containerName === '*' ? containers.filter((c) => !policies.some((p) => p?.containerName === c.name)) : containers.filter((c) => c.name === policy.containerName);
    for (const resource of ['cpu', 'memory'] as const) {
      const allowed = quantityAmount(max[resource]);
      if (allowed === undefined) continue;
      const field = `spec.resourcePolicy.containerPolicies[${i}].maxAllowed.${resource}`;
      const shown = JSON.stringify(max[resource]);
      for (const c of applies) {
        const limitText = c.resources?.limits?.[resource];
        const limit = quantityAmount(limitText);
        const request = quantityAmount(c.resources?.requests?.[resource]) ?? limit;
        // RequestsOnly keeps the limit, and a request above its limit is refused; RequestsAndLimits scales the limit with the request.
        if (requestsOnly && limit !== undefined && allowed > limit) {
          out.push(findingOf(R.maxAllowed, obj, field, `${shown} is above the ${resource} limit ${JSON.stringify(limitText)} of container ${c.name}, which RequestsOnly keeps`));
        }
        const maxLimit = requestsOnly ? limit : limit !== undefined && request ? (allowed * limit) / request : undefined;
        for (const quota of quotas) {
          for (const [key, value] of [[`requests.${resource}`, allowed], [resource, allowed], [`limits.${resource}`, maxLimit]] as const) {
            const hard = quantityAmount(quota.json.spec?.hard?.[key]);
            if (hard === undefined || value === undefined || value <= hard) continue;
            const what = key.startsWith('limits.') ? `lets the ${resource} limit of container ${c.name} grow to ${round(value)} (limits scale with requests)` : `lets the ${resource} request of container ${c.name} grow`;
            out.push(findingOf(R.maxAllowed, obj, field, `${shown} ${what}, above ${key} ${JSON.stringify(quota.json.spec.hard[key])} of ResourceQuota ${ns}/${quota.json.metadata?.name}`));
          }
        }
      }
    }
  });
  return out;
}
