import { k8s } from 'cdk8s-plus-28';
import type { EnvironmentProfile } from './environment.js';
import { ErrorContext } from './errors.js';
import { selectorLabels, sortLabels, standardLabels, type WorkloadIdentity } from './labels.js';
import { sharedConstant } from './l1-json.js';
import type { ResolvedSecurity } from './security.js';

/** A named container port. */
export interface NamedPort {
  /** Port name (IANA_SVC_NAME), e.g. `http`. */
  readonly name: string;
  /** Container port number. */
  readonly port: number;
  /** Transport protocol. @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/** Checks a replica count (0 allowed only where `min` is 0). */
export function checkReplicas(ctx: ErrorContext, field: string, value: unknown, min = 1): number {
  ctx.check(typeof value === 'number' && Number.isInteger(value) && value >= min && value <= 10000, field, value, `must be a whole number from ${min} to 10000`);
  return value as number;
}

/** Everything that goes into one container. */
export interface ContainerSpec {
  /** Container name. */
  readonly name: string;
  /** Checked image reference. */
  readonly image: string;
  /** When the kubelet pulls the image. */
  readonly imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** Named container ports. */
  readonly ports: readonly NamedPort[];
  /** Environment variables, in order. */
  readonly env: k8s.EnvVar[];
  /** Liveness, readiness and startup probes. */
  readonly probes: { livenessProbe?: k8s.Probe; readinessProbe?: k8s.Probe; startupProbe?: k8s.Probe };
  /** Requests and limits. */
  readonly resources: k8s.ResourceRequirements;
  /** Security contexts and the writable mounts they need. */
  readonly security: ResolvedSecurity;
  /** Further volume mounts. @default - none */
  readonly mounts?: readonly k8s.VolumeMount[];
  /** Entrypoint override. @default - the image's */
  readonly command?: readonly string[];
  /** Arguments. @default - the image's */
  readonly args?: readonly string[];
  /** Seconds to sleep in preStop so endpoints drain first; 0 for none. */
  readonly preStopSeconds?: number;
  /** Working directory. @default - the image's */
  readonly workingDir?: string;
  /** `Always` makes an init container a native sidecar (Kubernetes 1.29+, or 1.28 with the SidecarContainers gate). @default - none */
  readonly restartPolicy?: 'Always';
}

/** Builds a container from a checked spec. */
export function buildContainer(spec: ContainerSpec): k8s.Container {
  return {
    name: spec.name,
    image: spec.image,
    imagePullPolicy: spec.imagePullPolicy,
    ...(spec.command ? { command: [...spec.command] } : {}),
    ...(spec.args ? { args: [...spec.args] } : {}),
    ...(spec.workingDir ? { workingDir: spec.workingDir } : {}),
    ...(spec.ports.length ? { ports: spec.ports.map((p) => sharedConstant(`container-port|${p.name}|${p.port}|${p.protocol ?? 'TCP'}`, () => ({ name: p.name, containerPort: p.port, protocol: p.protocol ?? 'TCP' }))) } : {}),
    ...(spec.env.length ? { env: spec.env } : {}),
    ...spec.probes,
    resources: spec.resources,
    securityContext: spec.security.container,
    volumeMounts: [...spec.security.mounts, ...(spec.mounts ?? [])],
    ...(spec.preStopSeconds ? { lifecycle: sharedConstant(`pre-stop-sleep|${spec.preStopSeconds}`, () => ({ preStop: { exec: { command: ['sleep', String(spec.preStopSeconds)] } } })) } : {}),
    ...(spec.restartPolicy ? { restartPolicy: spec.restartPolicy } : {}),
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/** What a pod template needs besides its containers. */
export interface PodTemplateSpec {
  /** Name and labels of the workload. */
  readonly identity: WorkloadIdentity;
  /** The environment profile (spread, preStop drain). */
  readonly env: EnvironmentProfile;
  /** The containers. */
  readonly containers: readonly k8s.Container[];
  /** Init containers, run in order before the containers. @default - none */
  readonly initContainers?: readonly k8s.Container[];
  /** Pod security context and the writable volumes. */
  readonly security: ResolvedSecurity;
  /** ServiceAccount the pods run as. */
  readonly serviceAccountName: string;
  /** Further volumes. @default - none */
  readonly volumes?: readonly k8s.Volume[];
  /** Pod annotations (e.g. config checksums). @default - none */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Seconds the pod gets to stop after SIGTERM. @default 30 plus the preStop sleep */
  readonly terminationGracePeriodSeconds?: number;
  /** Spread across zones and nodes (topology spread plus a preferred host anti-affinity) when the environment asks for it. @default env.topologySpread */
  readonly topologySpread?: boolean;
  /** Labels on the pods besides the standard ones (never used in selectors). @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Scheduling and identity fields of the pod spec (node selector, tolerations, affinity, priority, runtime class, hostname). @default - none */
  readonly scheduling?: PodScheduling;
  /** Restart policy of the pods: `Always` for long-running workloads, `OnFailure` or `Never` for Jobs. @default - Kubernetes' default (Always) */
  readonly restartPolicy?: 'Always' | 'OnFailure' | 'Never';
}

/** Checked scheduling fields of a pod spec (see `resolveScheduling`). */
export interface PodScheduling {
  /** Node labels the pod requires. */
  readonly nodeSelector?: Record<string, string>;
  /** Taints the pod tolerates. */
  readonly tolerations?: k8s.Toleration[];
  /** Node and pod (anti-)affinity; a spread workload's own host anti-affinity is added to it. */
  readonly affinity?: k8s.Affinity;
  /** PriorityClass of the pods. */
  readonly priorityClassName?: string;
  /** RuntimeClass of the pods (e.g. `nvidia`, `gvisor`). */
  readonly runtimeClassName?: string;
  /** Hostname of the pod. */
  readonly hostname?: string;
  /** Subdomain: with a headless Service of that name the pod gets `<hostname>.<subdomain>.<namespace>.svc` DNS. */
  readonly subdomain?: string;
}

/** Builds a pod template with the standard labels, security context and scheduling defaults. */
export function buildPodTemplate(spec: PodTemplateSpec): k8s.PodTemplateSpec {
  const annotations = { ...spec.security.annotations, ...spec.annotations };
  const selector = selectorLabels(spec.identity);
  const spread = spec.topologySpread ?? spec.env.topologySpread;
  const scheduling = spec.scheduling ?? {};
  const ownAntiAffinity = spread
    ? { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } } }] }
    : undefined;
  const userAffinity = scheduling.affinity;
  const antiAffinity = ownAntiAffinity && userAffinity?.podAntiAffinity
    ? {
        ...userAffinity.podAntiAffinity,
        preferredDuringSchedulingIgnoredDuringExecution: [...(userAffinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution ?? []), ...ownAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution],
      }
    : (userAffinity?.podAntiAffinity ?? ownAntiAffinity);
  const affinity = userAffinity || antiAffinity ? { ...userAffinity, ...(antiAffinity ? { podAntiAffinity: antiAffinity } : {}) } : undefined;
  return {
    metadata: {
      labels: sortLabels({ ...spec.labels, ...standardLabels(spec.identity) }),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec: {
      serviceAccountName: spec.serviceAccountName,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: spec.security.pod,
      ...(spec.initContainers?.length ? { initContainers: [...spec.initContainers] } : {}),
      containers: [...spec.containers],
      volumes: [...spec.security.volumes, ...(spec.volumes ?? [])],
      terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30 + spec.env.preStopSeconds,
      ...(spec.restartPolicy ? { restartPolicy: spec.restartPolicy } : {}),
      ...(scheduling.nodeSelector ? { nodeSelector: scheduling.nodeSelector } : {}),
      ...(scheduling.tolerations?.length ? { tolerations: scheduling.tolerations } : {}),
      ...(scheduling.priorityClassName ? { priorityClassName: scheduling.priorityClassName } : {}),
      ...(scheduling.runtimeClassName ? { runtimeClassName: scheduling.runtimeClassName } : {}),
      ...(scheduling.hostname ? { hostname: scheduling.hostname } : {}),
      ...(scheduling.subdomain ? { subdomain: scheduling.subdomain } : {}),
      ...(affinity ? { affinity } : {}),
      ...(spread
        ? {
            topologySpreadConstraints: ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
              maxSkew: 1,
              topologyKey,
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: selector },
            })),
          }
        : {}),
    },
  };
}
