import type { EnvironmentProfile } from '../src/core/environment.js';

/** Local and preview clusters: one small replica, no HPAs, no disruption budgets; queue workers scale to zero, VPAs set requests at pod creation. */
export const dev: EnvironmentProfile = Object.freeze({
  name: 'dev',
  replicas: 1,
  autoscaling: Object.freeze({ enabled: false, maxReplicasCap: 1, scaleToZero: true, verticalUpdateMode: 'Initial' }),
  defaultSize: 'small',
  sizeShift: -1,
  podDisruptionBudgets: false,
  topologySpread: false,
  preStopSeconds: 0,
  ingressClassName: 'nginx',
  certIssuer: 'letsencrypt-staging',
  allowLatestTag: true,
  networkPolicies: Object.freeze({ defaultDeny: false, ingressControllerNamespace: 'ingress-nginx', monitoringNamespace: 'monitoring' }),
});

/** Pre-production: production's shape at lower cost (autoscalers capped at 5 replicas, no preStop drain). */
export const staging: EnvironmentProfile = Object.freeze({
  name: 'staging',
  replicas: 2,
  autoscaling: Object.freeze({ enabled: true, maxReplicasCap: 5 }),
  defaultSize: 'small',
  sizeShift: 0,
  podDisruptionBudgets: true,
  topologySpread: true,
  preStopSeconds: 0,
  ingressClassName: 'nginx',
  certIssuer: 'letsencrypt-staging',
  allowLatestTag: false,
  networkPolicies: Object.freeze({ defaultDeny: true, ingressControllerNamespace: 'ingress-nginx', monitoringNamespace: 'monitoring' }),
  // Nothing in staging wakes anyone up: alerts that would page in production open tickets.
  monitoring: Object.freeze({ selectorLabels: Object.freeze({ release: 'kube-prometheus-stack' }), pageSeverity: 'warning' }),
});

/** Production: at least two replicas, spread over zones and nodes, drained gracefully; VPAs only recommend until a workload opts in. */
export const production: EnvironmentProfile = Object.freeze({
  name: 'production',
  replicas: 3,
  autoscaling: Object.freeze({ enabled: true, minReplicasFloor: 2 }),
  defaultSize: 'small',
  sizeShift: 0,
  podDisruptionBudgets: true,
  topologySpread: true,
  preStopSeconds: 5,
  ingressClassName: 'nginx',
  certIssuer: 'letsencrypt-prod',
  allowLatestTag: false,
  networkPolicies: Object.freeze({ defaultDeny: true, ingressControllerNamespace: 'ingress-nginx', monitoringNamespace: 'monitoring' }),
  monitoring: Object.freeze({ selectorLabels: Object.freeze({ release: 'kube-prometheus-stack' }) }),
});

/** The built-in environments, by name. */
export const environments = { dev, staging, production } as const;
