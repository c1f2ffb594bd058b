import { k8s } from 'cdk8s-plus-28';
import type { SizeName } from './sizes.js';
import { toEnvVars, type EnvValue } from './env-value.js';
import type { EnvironmentProfile } from './environment.js';
import { ErrorContext } from './errors.js';
import { parseImage } from './image.js';
import { checkDnsLabel } from './names.js';
import { resolvePort, type PortProps, type ResolvedPort } from './ports.js';
import { buildProbes, type HealthChecks } from './probes.js';
import { buildContainer as buildContainerSpec } from './pod.js';
import { checkKnownKeys } from './props.js';
import { resolveResources, type ResourceProps } from './resources.js';
import { resolveSecurity, type ResolvedSecurity, type SecurityProps } from './security.js';
import { resolveMounts, type MountProps, type ResolvedVolumes } from './volumes.js';

/** What runs in one container: image, command, env, ports, health, resources, security, mounts. */
export interface ContainerProps {
  /** Container image with a tag or digest, e.g. `ecommerce/api:v2.1.0`. */
  readonly image: string;
  /** Override the image's entrypoint. @default - the image's */
  readonly command?: readonly string[];
  /** Arguments to the entrypoint. @default - the image's */
  readonly args?: readonly string[];
  /** Working directory. @default - the image's */
  readonly workingDir?: string;
  /** Environment variables: literals, Secret or ConfigMap keys, pod fields, resource values, or values other constructs export. @default {} */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** Ports the container listens on. @default - none */
  readonly ports?: readonly PortProps[];
  /** Liveness, readiness and startup checks. @default - TCP checks on the first port (gRPC health for grpc), none without ports */
  readonly health?: HealthChecks;
  /** Resource preset. @default - the environment's `defaultSize` */
  readonly size?: SizeName;
  /** Explicit requests, limits and extended resources; override the size preset field by field. @default - from the size preset */
  readonly resources?: ResourceProps;
  /** Security context settings and opt-outs. @default - Pod Security "restricted", UID 10001, read-only root, writable /tmp */
  readonly security?: SecurityProps;
  /** Volumes of the pod mounted into this container. @default - none */
  readonly mounts?: readonly MountProps[];
  /** Image pull policy. @default 'Always' for tags, 'IfNotPresent' for digests */
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** Accept an image tagged `latest` or untagged. @default - the environment's `allowLatestTag` */
  readonly allowLatestTag?: boolean;
}

/** A further container of the pod: a sidecar or an init container. */
export interface NamedContainerProps extends ContainerProps {
  /** Container name (DNS-1123 label), unique in the pod. */
  readonly name: string;
}

/** The keys of {@link ContainerProps}, for the closed-props check. */
export const CONTAINER_KEYS = ['image', 'command', 'args', 'workingDir', 'env', 'ports', 'health', 'size', 'resources', 'security', 'mounts', 'imagePullPolicy', 'allowLatestTag'] as const;

/** How a container runs in its pod. */
export type ContainerRole = 'main' | 'sidecar' | 'native-sidecar' | 'init';

/** A checked container and what the pod needs from it. */
export interface ResolvedContainer {
  /** The container. */
  readonly container: k8s.Container;
  /** Its checked ports. */
  readonly ports: readonly ResolvedPort[];
  /** Its security settings (the main container's also give the pod's). */
  readonly security: ResolvedSecurity;
  /** The label-safe version of its image. */
  readonly version?: string;
}

/** What a container builder needs from its pod. */
export interface ContainerContext {
  /** The environment profile. */
  readonly env: EnvironmentProfile;
  /** The pod's checked volumes. */
  readonly volumes: ResolvedVolumes;
  /** Seconds to sleep in preStop so endpoints drain first; 0 for none. */
  readonly preStopSeconds: number;
}

/**
 * Checks one container's props and builds it. `field` is the prop path of the container
 * (`''` for the workload's main container, whose props sit at the top level).
 */
export function resolveContainer(ctx: ErrorContext, field: string, name: string, props: ContainerProps, role: ContainerRole, pod: ContainerContext): ResolvedContainer {
  const at = (f: string) => (field ? `${field}.${f}` : f);
  if (field) {
    ctx.check(props !== null && typeof props === 'object', field, props, 'must be an object like { name, image }');
    checkKnownKeys(ctx, field, props, ['name', ...CONTAINER_KEYS]);
  }
  const image = parseImage(ctx, at('image'), props.image, props.allowLatestTag ?? pod.env.allowLatestTag);
  const pullPolicy = props.imagePullPolicy ?? (image.digest ? 'IfNotPresent' : 'Always');
  ctx.check(['Always', 'IfNotPresent', 'Never'].includes(pullPolicy), at('imagePullPolicy'), pullPolicy, 'must be "Always", "IfNotPresent" or "Never"');
  for (const key of ['command', 'args'] as const) {
    const list = props[key];
    if (list !== undefined) ctx.check(Array.isArray(list) && list.every((a) => typeof a === 'string'), at(key), list, 'must be a list of strings');
  }
  if (props.workingDir !== undefined) ctx.check(typeof props.workingDir === 'string' && props.workingDir.startsWith('/'), at('workingDir'), props.workingDir, 'must be an absolute path');
  if (props.ports !== undefined) ctx.check(Array.isArray(props.ports), at('ports'), props.ports, 'must be a list of { containerPort, protocol?, name? }');
  const ports = (props.ports ?? []).map((p, i) => resolvePort(ctx, `${at('ports')}[${i}]`, p));
  if (role === 'init') {
    ctx.check(ports.length === 0, at('ports'), props.ports, 'are not allowed on an init container: it exits before the pod serves', 'Move the port to a sidecar or the main container');
    if (props.health !== undefined) {
      const which = Object.keys(props.health ?? {}).filter((k) => k !== 'slowStart');
      throw ctx.error(at(`health${which.length ? `.${which[0]}` : ''}`), props.health, 'is not allowed on an init container: Kubernetes runs no probes on containers that run to completion', 'Remove health, or run it as a sidecar');
    }
  }
  const main = ports.find((p) => !p.metricsOnly) ?? ports[0];
  const probeTarget = main && main.transport === 'TCP' ? { port: main.containerPort, portName: main.name, grpc: main.appProtocol === 'grpc' } : undefined;
  const probes = role === 'init' ? {} : buildProbes(ctx, props.health, probeTarget, at('health'));
  const security = resolveSecurity(ctx, props.security, at('security'), role === 'main' ? '' : `${name}-`);
  if (role !== 'main') {
    ctx.check(props.security?.fsGroup === undefined, at('security.fsGroup'), props.security?.fsGroup, 'is a pod-wide setting', 'Set fsGroup on the workload\'s own security props');
  }
  const env = props.env === undefined ? [] : toEnvVars(ctx, at('env'), props.env);
  const resources = resolveResources(ctx, pod.env, props.size, props.resources, at('resources'));
  const mounts = resolveMounts(ctx, at('mounts'), props.mounts, pod.volumes, security.mounts);
  const container = buildContainerSpec({
    name,
    image: image.ref,
    imagePullPolicy: pullPolicy,
    command: props.command,
    args: props.args,
    workingDir: props.workingDir,
    ports: ports.map((p) => ({ name: p.name, port: p.containerPort, protocol: p.transport })),
    env,
    probes,
    resources,
    security,
    mounts,
    preStopSeconds: role === 'main' ? pod.preStopSeconds : 0,
    restartPolicy: role === 'native-sidecar' ? 'Always' : undefined,
  });
  return { container, ports, security, version: image.version };
}

/** Checks a sidecar's or init container's name. */
export function checkContainerName(ctx: ErrorContext, field: string, value: unknown): string {
  return checkDnsLabel(ctx, field, value);
}
