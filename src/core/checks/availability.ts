import { findingOf, type Finding, type Rule } from './finding.js';
import type { PodTemplate } from '../kinds.js';
import { isObject, namespaceOf, type ObjectIndex } from './objects.js';

const rule = (id: string, summary: string, fix: string): Rule => ({ id, severity: 'warning', family: 'availability', summary, fix });

/** Availability and isolation of workloads: disruption budgets, spreading, network policies. */
export const AVAILABILITY_RULES = {
  missingPdb: rule('missing-pdb', 'a workload that runs more than one replica has a PodDisruptionBudget', 'Add a PodDisruptionBudget (maxUnavailable: 1) that selects the pods'),
  pdbBlocksEviction: rule('pdb-blocks-eviction', 'a PodDisruptionBudget allows at least one eviction', 'Use maxUnavailable >= 1, or a minAvailable below the replica count'),
  missingAntiAffinity: rule('missing-anti-affinity', 'replicas are spread over nodes', 'Add topologySpreadConstraints on kubernetes.io/hostname or a podAntiAffinity'),
  hpaMinReplicas: rule('hpa-min-replicas', 'an autoscaler keeps at least two replicas', 'Set minReplicas to 2 or more so one pod can fail'),
  missingNetworkPolicy: rule('missing-network-policy', 'every pod is selected by a NetworkPolicy', 'Add a NetworkPolicy that selects the pods and admits only their clients'),
} as const;

/** The availability family. */
export function checkAvailability(index: ObjectIndex): Finding[] {
  const out: Finding[] = [];
  const R = AVAILABILITY_RULES;
  const { objects, kinds } = index;
  // The pod templates some NetworkPolicy / PodDisruptionBudget selects, computed once per selector.
  const selectedBy = (kind: string) => {
    const selected = new Set<PodTemplate>();
    for (const o of objects) {
      if (o.json.kind !== kind) continue;
      const selector = kinds.selectionOf(o.json)?.selector;
      if (isObject(selector)) for (const p of index.podsSelectedBy(namespaceOf(o.json), selector)) selected.add(p.pod);
    }
    return selected;
  };
  const withPolicy = selectedBy('NetworkPolicy');
  const withBudget = selectedBy('PodDisruptionBudget');
  for (const obj of objects) {
    const { json } = obj;
    const ns = namespaceOf(json);
    const add = (r: Rule, field: string, message: string) => out.push(findingOf(r, obj, field, message));
    if (json.kind === 'HorizontalPodAutoscaler' && (json.spec?.minReplicas ?? 1) < 2) add(R.hpaMinReplicas, 'spec.minReplicas', `is ${json.spec?.minReplicas ?? '1 (default)'}`);
    if (json.kind === 'PodDisruptionBudget') {
      const { maxUnavailable, minAvailable } = json.spec ?? {};
      if (maxUnavailable === 0 || maxUnavailable === '0%') add(R.pdbBlocksEviction, 'spec.maxUnavailable', 'is 0, so node drains hang');
      if (minAvailable === '100%') add(R.pdbBlocksEviction, 'spec.minAvailable', 'is 100%, so node drains hang');
    }
    const pods = kinds.podTemplates(json);
    if (!pods.length || !kinds.runsUntilStopped(json)) continue;
    for (const pod of pods) {
      if (!withPolicy.has(pod)) add(R.missingNetworkPolicy, `${pod.templateField ? `${pod.templateField}.` : ''}metadata.labels`, `no NetworkPolicy in namespace ${ns} selects these pods, so any pod may connect to them`);
    }
    const replicas = index.maxReplicasOf(obj);
    if (replicas === undefined || replicas < 2) continue;
    if (!pods.some((p) => withBudget.has(p))) add(R.missingPdb, kinds.definitionOf(json)?.replicasField ?? 'spec.replicas', `runs up to ${replicas} replicas but no PodDisruptionBudget selects its pods`);
    for (const pod of pods) {
      const spreads = (pod.spec.topologySpreadConstraints ?? []).length > 0 || pod.spec.affinity?.podAntiAffinity !== undefined;
      if (!spreads) add(R.missingAntiAffinity, `${pod.field}.topologySpreadConstraints`, `runs up to ${replicas} replicas with nothing that spreads them over nodes`);
    }
  }
  return out;
}
