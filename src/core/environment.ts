import { ErrorContext } from './errors.js';
import { isDnsLabel, isDnsSubdomain } from './names.js';
import { checkKnownKeys, checkObject, propKeys } from './props.js';
import type { MeshProfile } from './mesh-profile.js';
import { SIZE_NAMES, type SizeName } from './sizes.js';

/** How the cluster exposes GPUs: what app code should not need to know. */
export interface GpuClusterProfile {
  /** Key of the taint on GPU nodes (tolerated by every GPU pod); `null` when GPU nodes are not tainted. @default 'nvidia.com/gpu' */
  readonly taintKey?: string | null;
  /** Node label that names the GPU model: GPU Feature Discovery's, or e.g. GKE's `cloud.google.com/gke-accelerator`. @default 'nvidia.com/gpu.product' */
  readonly productLabel?: string;
  /** Product names the cluster's nodes carry; a `product` outside the list is an error. @default - the names GPU Feature Discovery or GKE write, for their labels; any name for other labels */
  readonly products?: readonly string[];
  /** How the device plugin exposes MIG slices: `none` (whole GPUs only), `single` (as `nvidia.com/gpu`), `mixed` (as `nvidia.com/mig-<profile>`). @default 'none' */
  readonly migStrategy?: 'none' | 'single' | 'mixed';
  /** Time-slicing: how many pods share one GPU; with `renameByDefault` the resource is `nvidia.com/gpu.shared`. @default - no sharing */
  readonly timeSlicing?: { readonly replicas: number; readonly renameByDefault?: boolean };
  /** GPUs on each GPU node: the most one pod can get. @default 8 */
  readonly gpusPerNode?: number;
  /** RuntimeClass GPU pods run with, e.g. `nvidia`. @default - the cluster's default runtime */
  readonly runtimeClassName?: string;
}

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
/** Every {@link VerticalUpdateMode}. */
const VERTICAL_UPDATE_MODES: readonly VerticalUpdateMode[] = ['Off', 'Initial', 'Recreate', 'InPlaceOrRecreate'];

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
  /** How the cluster exposes GPUs (taint key, product label, MIG strategy, time-slicing, GPUs per node), so app code names GPUs only. @default - GPU Feature Discovery's labels, GPU nodes tainted `nvidia.com/gpu`, no MIG, 8 GPUs per node */
  readonly gpu?: GpuClusterProfile;
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
export type EnvironmentOverrides = Partial<Omit<EnvironmentProfile, 'autoscaling' | 'networkPolicies' | 'monitoring' | 'gpu'>> & {
  readonly gpu?: GpuClusterProfile;
  readonly autoscaling?: Partial<AutoscalingPolicy>;
  readonly networkPolicies?: Partial<NetworkPolicySettings>;
  readonly monitoring?: MonitoringSettings;
};

/**
 * Derives a new environment from an existing one:
 * `defineEnvironment(production, { name: 'prod-eu', replicas: 4 })`.
 */
export function defineEnvironment(base: EnvironmentProfile, overrides: EnvironmentOverrides & { name: string }): EnvironmentProfile {
  const ctx = new ErrorContext(`defineEnvironment(${JSON.stringify(overrides?.name)})`);
  checkObject(ctx, 'overrides', overrides, false);
  checkKnownKeys(ctx, '', overrides, propKeys<EnvironmentOverrides>()(...PROFILE_KEYS));
  checkObject(ctx, 'autoscaling', overrides.autoscaling);
  checkKnownKeys(ctx, 'autoscaling', overrides.autoscaling, AUTOSCALING_KEYS);
  checkObject(ctx, 'networkPolicies', overrides.networkPolicies);
  checkKnownKeys(ctx, 'networkPolicies', overrides.networkPolicies, NETWORK_POLICY_KEYS);
  const profile: EnvironmentProfile = Object.freeze({
    ...base,
    ...overrides,
    autoscaling: Object.freeze({ ...base.autoscaling, ...overrides.autoscaling }),
    networkPolicies: Object.freeze({ ...base.networkPolicies, ...overrides.networkPolicies }),
    ...(base.monitoring || overrides.monitoring ? { monitoring: Object.freeze({ ...base.monitoring, ...overrides.monitoring }) } : {}),
    ...(base.gpu || overrides.gpu ? { gpu: Object.freeze({ ...base.gpu, ...overrides.gpu }) } : {}),
  });
  checkEnvironment(ctx, '', profile);
  return profile;
}

const PROFILE_KEYS = propKeys<EnvironmentProfile>()(
  'name', 'replicas', 'autoscaling', 'defaultSize', 'sizeShift', 'podDisruptionBudgets', 'topologySpread', 'preStopSeconds',
  'ingressClassName', 'certIssuer', 'allowLatestTag', 'networkPolicies', 'kubernetesVersion', 'featureGates', 'monitoring', 'gpu', 'mesh',
);
const AUTOSCALING_KEYS = propKeys<AutoscalingPolicy>()('enabled', 'minReplicasFloor', 'maxReplicasCap', 'scaleToZero', 'verticalUpdateMode');
const NETWORK_POLICY_KEYS = propKeys<NetworkPolicySettings>()('defaultDeny', 'ingressControllerNamespace', 'monitoringNamespace');
const MONITORING_KEYS = propKeys<MonitoringSettings>()('selectorLabels', 'scrapeInterval', 'pageSeverity', 'ticketSeverity', 'alertLabels', 'runbookBaseUrl', 'dashboardLabels');
/** The keys of {@link GpuClusterProfile}, checked with the profile and again where GPUs are resolved. */
export const GPU_CLUSTER_KEYS = propKeys<GpuClusterProfile>()('taintKey', 'productLabel', 'products', 'migStrategy', 'timeSlicing', 'gpusPerNode', 'runtimeClassName');
/** The keys of {@link GpuClusterProfile.timeSlicing}. */
export const GPU_TIME_SLICING_KEYS = propKeys<NonNullable<GpuClusterProfile['timeSlicing']>>()('replicas', 'renameByDefault');
const FEATURE_GATE = /^[A-Z][A-Za-z0-9]*$/;

/**
 * Checks an environment profile: no unknown keys at any level, every value one the cluster
 * accepts (names, counts, versions), and no contradiction (`minReplicasFloor` above
 * `maxReplicasCap`). `field` prefixes the fields (`env` inside a Stack's props).
 */
export function checkEnvironment(ctx: ErrorContext, field: string, env: EnvironmentProfile): void {
  const at = (f: string) => (field ? `${field}.${f}` : f);
  checkObject(ctx, field || 'env', env, false);
  checkKnownKeys(ctx, field, env, PROFILE_KEYS);
  ctx.check(typeof env.name === 'string' && isDnsLabel(env.name), at('name'), env.name, 'is not a valid environment name (DNS-1123 label)', 'Use lower-case letters, digits and "-", e.g. "prod-eu"');
  ctx.check(Number.isInteger(env.replicas) && env.replicas >= 1, at('replicas'), env.replicas, 'must be a whole number from 1');
  checkObject(ctx, at('autoscaling'), env.autoscaling, false);
  checkKnownKeys(ctx, at('autoscaling'), env.autoscaling, AUTOSCALING_KEYS);
  ctx.check(typeof env.autoscaling.enabled === 'boolean', at('autoscaling.enabled'), env.autoscaling.enabled, 'must be true or false');
  for (const key of ['minReplicasFloor', 'maxReplicasCap'] as const) {
    const v = env.autoscaling[key];
    if (v !== undefined) ctx.check(Number.isInteger(v) && v >= 1, at(`autoscaling.${key}`), v, 'must be a whole number from 1');
  }
  if (env.autoscaling.scaleToZero !== undefined) ctx.check(typeof env.autoscaling.scaleToZero === 'boolean', at('autoscaling.scaleToZero'), env.autoscaling.scaleToZero, 'must be true or false');
  const modes: readonly unknown[] = VERTICAL_UPDATE_MODES;
  if (env.autoscaling.verticalUpdateMode !== undefined) {
    ctx.check(modes.includes(env.autoscaling.verticalUpdateMode), at('autoscaling.verticalUpdateMode'), env.autoscaling.verticalUpdateMode, `must be one of ${VERTICAL_UPDATE_MODES.map((m) => JSON.stringify(m)).join(', ')}`);
  }
  const { minReplicasFloor: floor, maxReplicasCap: cap } = env.autoscaling;
  if (floor !== undefined && cap !== undefined) {
    ctx.check(floor <= cap, at('autoscaling.minReplicasFloor'), floor, `is greater than ${at('autoscaling.maxReplicasCap')} (${cap})`, 'Lower the floor or raise the cap');
  }
  ctx.check(SIZE_NAMES.includes(env.defaultSize), at('defaultSize'), env.defaultSize, 'is not a size preset', `Use one of ${SIZE_NAMES.join(', ')}`);
  ctx.check(Number.isInteger(env.sizeShift) && Math.abs(env.sizeShift) < SIZE_NAMES.length, at('sizeShift'), env.sizeShift, `must be a whole number from ${1 - SIZE_NAMES.length} to ${SIZE_NAMES.length - 1}`);
  for (const key of ['podDisruptionBudgets', 'topologySpread', 'allowLatestTag'] as const) {
    ctx.check(typeof env[key] === 'boolean', at(key), env[key], 'must be true or false');
  }
  ctx.check(Number.isInteger(env.preStopSeconds) && env.preStopSeconds >= 0, at('preStopSeconds'), env.preStopSeconds, 'must be a whole number of seconds >= 0');
  ctx.check(typeof env.ingressClassName === 'string' && isDnsSubdomain(env.ingressClassName), at('ingressClassName'), env.ingressClassName, 'is not a valid IngressClass name (DNS-1123 subdomain)');
  ctx.check(typeof env.certIssuer === 'string' && isDnsSubdomain(env.certIssuer), at('certIssuer'), env.certIssuer, 'is not a valid ClusterIssuer name (DNS-1123 subdomain)');
  checkObject(ctx, at('networkPolicies'), env.networkPolicies, false);
  checkKnownKeys(ctx, at('networkPolicies'), env.networkPolicies, NETWORK_POLICY_KEYS);
  ctx.check(typeof env.networkPolicies.defaultDeny === 'boolean', at('networkPolicies.defaultDeny'), env.networkPolicies.defaultDeny, 'must be true or false');
  for (const key of ['ingressControllerNamespace', 'monitoringNamespace'] as const) {
    const v = env.networkPolicies[key];
    ctx.check(typeof v === 'string' && isDnsLabel(v), at(`networkPolicies.${key}`), v, 'is not a valid namespace name (DNS-1123 label)');
  }
  checkObject(ctx, at('monitoring'), env.monitoring);
  checkKnownKeys(ctx, at('monitoring'), env.monitoring, MONITORING_KEYS);
  checkObject(ctx, at('gpu'), env.gpu);
  checkKnownKeys(ctx, at('gpu'), env.gpu, GPU_CLUSTER_KEYS);
  if (env.gpu?.timeSlicing !== undefined) {
    checkObject(ctx, at('gpu.timeSlicing'), env.gpu.timeSlicing);
    checkKnownKeys(ctx, at('gpu.timeSlicing'), env.gpu.timeSlicing, GPU_TIME_SLICING_KEYS);
  }
  if (env.kubernetesVersion !== undefined) {
    ctx.check(typeof env.kubernetesVersion === 'string' && /^1\.\d{1,2}$/.test(env.kubernetesVersion), at('kubernetesVersion'), env.kubernetesVersion, 'is not a Kubernetes minor version like "1.29"');
  }
  if (env.featureGates !== undefined) {
    ctx.check(Array.isArray(env.featureGates), at('featureGates'), env.featureGates, 'must be a list of feature gate names');
    env.featureGates.forEach((g, i) => ctx.check(typeof g === 'string' && FEATURE_GATE.test(g), at(`featureGates[${i}]`), g, 'is not a feature gate name (UpperCamelCase, e.g. "SidecarContainers")'));
  }
}
