import { findingOf, type CheckedObject, type Finding, type Rule } from './finding.js';

/** RBAC that grants everything: what least privilege never needs. */
export const RBAC_RULES = {
  wildcard: { id: 'rbac-wildcard', severity: 'error', family: 'rbac', summary: 'Roles and ClusterRoles name their verbs, resources and API groups (no "*")', fix: 'List the verbs and resources the subject needs; waive the rule with the reason if it truly needs all of them' },
  clusterAdmin: { id: 'rbac-cluster-admin', severity: 'error', family: 'rbac', summary: 'no RoleBinding or ClusterRoleBinding grants cluster-admin', fix: 'Bind a Role with the rules the subject needs; waive the rule with the reason if it truly needs cluster-admin' },
} as const satisfies Record<string, Rule>;

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** The rbac family: wildcard rules and cluster-admin bindings. */
export function checkRbac(objects: readonly CheckedObject[]): Finding[] {
  const out: Finding[] = [];
  for (const obj of objects) {
    const { apiVersion, kind } = obj.json;
    if (typeof apiVersion !== 'string' || !apiVersion.startsWith(`${RBAC_GROUP}/`)) continue;
    if (kind === 'Role' || kind === 'ClusterRole') {
      const rules: unknown = obj.json.rules;
      if (!Array.isArray(rules)) continue;
      rules.forEach((rule: Record<string, unknown>, i) => {
        for (const field of ['verbs', 'resources', 'apiGroups', 'nonResourceURLs'] as const) {
          const list = rule?.[field];
          if (Array.isArray(list) && list.includes('*')) out.push(findingOf(RBAC_RULES.wildcard, obj, `rules[${i}].${field}`, `grants "*" ${field === 'verbs' ? 'verbs' : field}`));
        }
      });
    } else if ((kind === 'RoleBinding' || kind === 'ClusterRoleBinding') && obj.json.roleRef?.kind === 'ClusterRole' && obj.json.roleRef?.name === 'cluster-admin') {
      out.push(findingOf(RBAC_RULES.clusterAdmin, obj, 'roleRef.name', `binds cluster-admin to ${JSON.stringify((obj.json.subjects ?? []).map((s: { kind?: string; name?: string }) => `${s.kind}/${s.name}`))}`));
    }
  }
  return out;
}
