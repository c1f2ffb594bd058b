import type { MeshProfile } from './mesh-profile.js';
import type { SizeName } from './sizes.js';

/** Autoscaling policy of an environment. */
export interface AutoscalingPolicy {
  /** Whether a workload's `autoscale` props produce a HorizontalPodAutoscaler here. */
  readonly enabled: boolean;
  /** Raise every autoscaler's minimum to at least this many replicas. @default - no floor */
  readonly minReplicasFloor?: number;
  /** Cap every autoscaler's maximum at this many replicas. @default - no cap */
  readonly maxReplicasCap?: number;
  /**
   * Event-driven scalers (KEDA) may scale workloads to zero replicas while there is no work
   * (elsewhere their minimum is at least one replica). Event-driven scalers are emitted even
   * where `enabled` is false: a queue consumer needs its scaler to run at all.
   * @default false
   */
  readonly scaleToZero?: boolean;
  /** VPA update mode of workloads whose `vpa` names none; `Off` records recommendations only. @default 'Off' */
  readonly verticalUpdateMode?: VerticalUpdateMode;
}

/**
 * How a VerticalPodAutoscaler applies its recommendations: `Off` only records them,
 * `Initial` sets requests when pods are created, `Recreate` also evicts running pods whose
 * requests are far off, `InPlaceOrRecreate` resizes running pods in place where it can
 * (VPA 1.4 or later and a cluster with in-place pod resize).
 */
export type VerticalUpdateMode = 'Off' | 'Initial' | 'Recreate' | 'InPlaceOrRecreate';

/** How an environment turns the connection graph (`allowFrom` / `allowTo`) into NetworkPolicies. */
export interface NetworkPolicySettings {
  /**
   * Add a namespace-wide NetworkPolicy that denies all ingress and egress except DNS to
   * kube-dns, so pods that no workload policy selects are isolated too.
   */
  readonly defaultDeny: boolean;
  /** Namespace of the ingress controller; workloads with an Ingress admit traffic from it. */
  readonly ingressControllerNamespace: string;
  /** Namespace of Prometheus; workloads with a ServiceMonitor or PodMonitor admit traffic from it. */
  readonly monitoringNamespace: string;
}

/**
 * How an environment's Prometheus operator, Alertmanager and Grafana find what Keelson
 * emits, and how its alerts are routed. The monitoring namespace itself is
 * `networkPolicies.monitoringNamespace`.
 */
export interface MonitoringSettings {
  /**
   * Labels on every ServiceMonitor, PodMonitor and PrometheusRule, so the operator's
   * `serviceMonitorSelector`, `podMonitorSelector` and `ruleSelector` pick them up,
   * e.g. `{ release: 'kube-prometheus-stack' }`.
   * @default - none (an operator that selects every monitor)
   */
  readonly selectorLabels?: Readonly<Record<string, string>>;
  /** Scrape interval of monitors that name none, in Prometheus' duration format. @default '30s' */
  readonly scrapeInterval?: string;
  /** `severity` label of alerts that should wake someone up (fast SLO burn, a database down). @default 'critical' */
  readonly pageSeverity?: string;
  /** `severity` label of alerts that should open a ticket (slow burn, a stuck rollout). @default 'warning' */
  readonly ticketSeverity?: string;
  /** Labels on every alert, for Alertmanager's routing (e.g. `{ team: 'shop' }`). @default - none */
  readonly alertLabels?: Readonly<Record<string, string>>;
  /**
   * Base URL of the team's runbooks: alerts without an upstream runbook link to
   * `<runbookBaseUrl>/<alert name in lower case>`.
   * @default - alerts link to the upstream runbook or documentation of what they watch
   */
  readonly runbookBaseUrl?: string;
  /** Labels that make Grafana's dashboard sidecar load a ConfigMap. @default { grafana_dashboard: '1' } */
  readonly dashboardLabels?: Readonly<Record<string, string>>;
}

/**
 * How an environment runs what the code describes. Props on a construct override
 * the profile; the profile overrides built-in defaults.
 */
export interface EnvironmentProfile {
  /** Short name, used in folder names and labels, e.g. `staging`. */
  readonly name: string;
  /** Replicas of a workload that does not say otherwise (or when autoscaling is off). */
  readonly replicas: number;
  /** Autoscaling on or off, and its bounds. */
  readonly autoscaling: AutoscalingPolicy;
  /** Size preset of a workload that names none. */
  readonly defaultSize: SizeName;
  /** Shift every size preset by this many steps (e.g. -1 runs `medium` as `small` in dev). */
  readonly sizeShift: number;
  /** Emit a PodDisruptionBudget for workloads that can run more than one replica. */
  readonly podDisruptionBudgets: boolean;
  /** Spread replicas across zones and nodes with topologySpreadConstraints. */
  readonly topologySpread: boolean;
  /**
   * Seconds a container sleeps in its preStop hook so load balancers drain it
   * before it stops; 0 turns the hook off.
   */
  readonly preStopSeconds: number;
  /** IngressClass for Ingresses that name none. */
  readonly ingressClassName: string;
  /** cert-manager ClusterIssuer used for Ingress TLS. */
  readonly certIssuer: string;
  /** Allow images tagged `latest` or untagged (never in production). */
  readonly allowLatestTag: boolean;
  /** NetworkPolicy generation: default deny and the namespaces of the ingress controller and monitoring. */
  readonly networkPolicies: NetworkPolicySettings;
  /** The monitoring stack's selector labels, alert severities and routing, dashboards. @default - the defaults of {@link MonitoringSettings} */
  readonly monitoring?: MonitoringSettings;
  /** Kubernetes minor version of the cluster, e.g. `1.29`; decides which features the output may use. @default '1.28' */
  readonly kubernetesVersion?: string;
  /** Feature gates the cluster turns on beyond its version's defaults, e.g. `SidecarContainers` on 1.28. @default - none */
  readonly featureGates?: readonly string[];
  /**
   * The service mesh the stacks of this environment join (`Mesh.istio()`, `Mesh.linkerd()`):
   * sidecar injection or ambient enrolment, strict mTLS, and authorization from the
   * connection graph. A Stack's own `mesh` wins.
   * @default - no mesh
   */
  readonly mesh?: MeshProfile;
}

/** The cluster's Kubernetes minor version (`1.28` → 28). */
export function kubernetesMinor(env: EnvironmentProfile): number {
  const match = /^1\.(\d+)$/.exec(env.kubernetesVersion ?? '1.28');
  if (!match) throw new Error(`environment ${env.name}: kubernetesVersion ${JSON.stringify(env.kubernetesVersion)} is not a version like "1.29"`);
  return Number(match[1]);
}

/** Whether init containers with `restartPolicy: Always` (native sidecars) work on the environment's cluster. */
export function nativeSidecars(env: EnvironmentProfile): boolean {
  return kubernetesMinor(env) >= 29 || (env.featureGates ?? []).includes('SidecarContainers');
}

/** Whether running pods can be resized in place (Kubernetes 1.33 or later, or the `InPlacePodVerticalScaling` feature gate). */
export function inPlaceResize(env: EnvironmentProfile): boolean {
  return kubernetesMinor(env) >= 33 || (env.featureGates ?? []).includes('InPlacePodVerticalScaling');
}

/** A deep-partial override of a profile, for `defineEnvironment`. */
export type EnvironmentOverrides = Partial<Omit<EnvironmentProfile, 'autoscaling' | 'networkPolicies' | 'monitoring'>> & {
  readonly autoscaling?: Partial<AutoscalingPolicy>;
  readonly networkPolicies?: Partial<NetworkPolicySettings>;
  readonly monitoring?: MonitoringSettings;
};

/**
 * Derives a new environment from an existing one:
 * `defineEnvironment(production, { name: 'prod-eu', replicas: 4 })`.
 */
export function defineEnvironment(base: EnvironmentProfile, overrides: EnvironmentOverrides & { name: string }): EnvironmentProfile {
  return Object.freeze({
    ...base,
    ...overrides,
    autoscaling: Object.freeze({ ...base.autoscaling, ...overrides.autoscaling }),
    networkPolicies: Object.freeze({ ...base.networkPolicies, ...overrides.networkPolicies }),
    ...(base.monitoring || overrides.monitoring ? { monitoring: Object.freeze({ ...base.monitoring, ...overrides.monitoring }) } : {}),
  });
}
