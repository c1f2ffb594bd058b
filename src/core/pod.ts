import { k8s } from 'cdk8s-plus-28';
import type { EnvironmentProfile } from './environment.js';
import { ErrorContext } from './errors.js';
import { selectorLabels, standardLabels, type WorkloadIdentity } from './labels.js';
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

/** Checks a port number and returns it. */
export function checkPort(ctx: ErrorContext, field: string, value: unknown): number {
  ctx.check(
    typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535,
    field,
    value,
    'is not a valid port (1-65535)',
    'Use the port number your container listens on',
  );
  return value as number;
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
}

/** Builds a container from a checked spec. */
export function buildContainer(spec: ContainerSpec): k8s.Container {
  return {
    name: spec.name,
    image: spec.image,
    imagePullPolicy: spec.imagePullPolicy,
    ...(spec.command ? { command: [...spec.command] } : {}),
    ...(spec.args ? { args: [...spec.args] } : {}),
    ...(spec.ports.length ? { ports: spec.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol ?? 'TCP' })) } : {}),
    ...(spec.env.length ? { env: spec.env } : {}),
    ...spec.probes,
    resources: spec.resources,
    securityContext: spec.security.container,
    volumeMounts: [...spec.security.mounts, ...(spec.mounts ?? [])],
    ...(spec.preStopSeconds ? { lifecycle: { preStop: { exec: { command: ['sleep', String(spec.preStopSeconds)] } } } } : {}),
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
}

/** Builds a pod template with the standard labels, security context and scheduling defaults. */
export function buildPodTemplate(spec: PodTemplateSpec): k8s.PodTemplateSpec {
  const annotations = { ...spec.security.annotations, ...spec.annotations };
  const selector = selectorLabels(spec.identity);
  const spread = spec.topologySpread ?? spec.env.topologySpread;
  return {
    metadata: {
      labels: standardLabels(spec.identity),
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
      ...(spread
        ? {
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } } }],
              },
            },
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
