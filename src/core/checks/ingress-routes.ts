import { describeObject, findingOf, type CheckedObject, type Finding, type Rule } from './finding.js';

/** Routes that two objects of one app claim. */
export const INGRESS_RULES = {
  // A warning: the stacks of one app may be applied to different clusters.
  sameRoute: {
    id: 'ingress-route-conflict',
    severity: 'warning',
    family: 'references',
    summary: 'no two Ingresses of one app (one ingress class) route the same host and path',
    fix: 'Give each environment its own host (e.g. staging.shop.example.com), or waive the rule when the stacks go to different clusters',
  } satisfies Rule,
} as const;

/**
 * Ingresses that route the same host and path with the same ingress class, in any namespace
 * of the set: one controller on one cluster serves only one of them. Each later Ingress is
 * reported against the first one.
 */
export function checkIngressRoutes(objects: readonly CheckedObject[]): Finding[] {
  const first = new Map<string, CheckedObject>();
  const out: Finding[] = [];
  for (const obj of objects) {
    const json = obj.json;
    if (json.kind !== 'Ingress' || !String(json.apiVersion).startsWith('networking.k8s.io/')) continue;
    const ingressClass = json.spec?.ingressClassName ?? json.metadata?.annotations?.['kubernetes.io/ingress.class'] ?? '';
    const rules: any[] = Array.isArray(json.spec?.rules) ? json.spec.rules : [];
    rules.forEach((r, i) => {
      const paths: any[] = Array.isArray(r?.http?.paths) ? r.http.paths : [];
      paths.forEach((p, j) => {
        const host = typeof r?.host === 'string' ? r.host : '*';
        const route = `${ingressClass}|${host}|${p?.path ?? '/'}`;
        const other = first.get(route);
        if (!other) first.set(route, obj);
        else if (other !== obj) {
          const at = `host ${JSON.stringify(host)} path ${JSON.stringify(p?.path ?? '/')}`;
          out.push(findingOf(INGRESS_RULES.sameRoute, obj, `spec.rules[${i}].http.paths[${j}]`, `${at} is also routed by ${describeObject(other.json)} (${other.path}); one controller serves only one of them`));
        }
      });
    });
  }
  return out;
}
