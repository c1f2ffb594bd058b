import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { waiveImplied } from './checks/waivers.js';
import { checkContainerName, CONTAINER_KEYS, resolveContainer, type ContainerProps, type NamedContainerProps, type ResolvedContainer } from './container.js';
import { parseDuration, type Duration } from './duration.js';
import { toEnvVars, type EnvValue } from './env-value.js';
import { nativeSidecars } from './environment.js';
import { resolveGpu, type GpuProps, type ResolvedGpu } from './gpu.js';
import type { ErrorContext } from './errors.js';
import { KubeObject } from './kube-object.js';
import { LABEL, selectorLabels, sortLabels, standardLabels, type WorkloadIdentity } from './labels.js';
import { checkDnsLabel, checkServiceName } from './names.js';
import { buildPodTemplate } from './pod.js';
import { checkDistinctPorts } from './ports.js';
import { checkKnownKeys, propKeys } from './props.js';
import { checkAnnotations, checkLabels, resolveScheduling, SCHEDULING_KEYS, type SchedulingProps } from './scheduling.js';
import { resolveVolumes, type ResolvedVolumes, type VolumeProps } from './volumes.js';
import { Workload, type WorkloadPort } from './workload.js';
import { parseMemory, type ByteQuantity } from './quantity.js';

/** What every workload's pods share besides the main container: more containers, volumes, metadata, scheduling. */
export interface PodProps extends SchedulingProps {
  /** `metadata.name` of every object. @default - the construct id */
  readonly name?: string;
  /** `app.kubernetes.io/component`. @default - the workload's role (web, worker, job, …) */
  readonly component?: string;
  /**
   * Containers that run beside the main one (proxies, log shippers, exporters). Native
   * sidecars (init containers with `restartPolicy: Always`, started first and stopped
   * last) where the environment's cluster supports them (Kubernetes 1.29+, or 1.28 with the
   * SidecarContainers gate); plain containers otherwise.
   * @default - none
   */
  readonly sidecars?: readonly NamedContainerProps[];
  /** Containers that run to completion, in order, before the others start (migrations, downloads). @default - none */
  readonly initContainers?: readonly NamedContainerProps[];
  /** Volumes of the pod by name; containers mount them with `mounts`. @default - none */
  readonly volumes?: Readonly<Record<string, VolumeProps>>;
  /** Memory-backed `/dev/shm` of this size in the main container (PyTorch data loaders, browsers). Counts against the memory limit. @default - the runtime's 64Mi */
  readonly shm?: ByteQuantity;
  /** Labels on the pods only (never in selectors). @default - none */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** Annotations on the pods. @default - none */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /** Labels on every object of the workload and its pods. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Annotations on every object of the workload. @default - none */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Sleep before SIGTERM so load balancers stop sending traffic; `0` for none. @default - the environment's `preStopSeconds` for serving workloads, 0 otherwise */
  readonly preStop?: Duration;
  /**
   * GPUs for the main container: the extended resource (requests = limits), the node
   * selector of a named product, the toleration of the GPU nodes' taint, a memory-backed
   * `/dev/shm` and the runtime class, as the environment's `gpu` profile says the cluster
   * spells them.
   * @default - no GPU
   */
  readonly gpu?: GpuProps;
}

/** Props of a workload: its main container at the top level, and the pod around it. */
export interface WorkloadProps extends ContainerProps, PodProps {}

/** The keys of {@link WorkloadProps}, for the closed-props checks of subclasses. */
export const WORKLOAD_KEYS = propKeys<WorkloadProps>()(
  ...CONTAINER_KEYS,
  ...propKeys<PodProps>()(...SCHEDULING_KEYS, 'name', 'component', 'sidecars', 'initContainers', 'volumes', 'shm', 'podLabels', 'podAnnotations', 'labels', 'annotations', 'preStop', 'gpu'),
);

/** How a subclass runs its pods. */
export interface PodWorkloadOptions {
  /** Default `app.kubernetes.io/component`. */
  readonly component: string;
  /** Whether the pods serve until stopped (`true`) or run to completion. */
  readonly longRunning: boolean;
  /** Props keys the subclass accepts besides {@link WORKLOAD_KEYS} (a {@link propKeys} list of its props). */
  readonly keys: readonly string[];
  /** Longest name; Service names are DNS-1035 labels, others DNS-1123. @default 63 */
  readonly maxNameLength?: number;
  /** Whether the name becomes a Service name (DNS-1035: starts with a letter). */
  readonly serviceName: boolean;
  /** Ports the subclass put in front of the props' `ports` from props of its own, so errors name the others by their index as given. @default 0 */
  readonly portsFromProps?: number;
  /** Volumes each pod gets from the controller's volumeClaimTemplates (StatefulSets), mountable by name. @default - none */
  readonly claimTemplates?: readonly string[];
}

const POD_WORKLOAD_OPTION_KEYS = propKeys<PodWorkloadOptions>()('component', 'longRunning', 'keys', 'maxNameLength', 'serviceName', 'portsFromProps', 'claimTemplates');
const SHM_VOLUME = 'dshm';
const CONFIG_CHECKSUM = 'keelson.dev/config-checksum';

/** The resolved parts a pod template is built from. */
interface TemplateInputs {
  readonly main: ResolvedContainer;
  readonly extras: { readonly sidecars: ResolvedContainer[]; readonly init: ResolvedContainer[]; readonly native: boolean };
  readonly volumes: ResolvedVolumes;
  readonly podMeta: { readonly labels: Record<string, string>; readonly annotations: Record<string, string> };
  readonly grace?: number;
  readonly spreadChoice?: boolean;
  readonly preStopSeconds: number;
  readonly scheduling: ReturnType<typeof resolveScheduling>['scheduling'];
}

const RESERVED_LABELS: readonly string[] = Object.values(LABEL);

/** The props with the GPU's resource, scheduling and `/dev/shm` merged in; a prop that says otherwise is an error. */
function withGpu(ctx: ErrorContext, props: WorkloadProps, gpu: ResolvedGpu): WorkloadProps {
  ctx.check(props.shm === undefined, 'shm', props.shm, 'is set besides gpu, which sizes /dev/shm of GPU pods', 'Set gpu.shm instead');
  for (const side of ['extended', 'requests', 'limits'] as const) {
    const given = (props.resources?.[side] as Record<string, unknown> | undefined)?.[gpu.resource];
    ctx.check(given === undefined, `resources.${side}.${gpu.resource}`, given, 'is set besides gpu, which requests the GPUs itself', 'Set gpu.count only');
  }
  for (const [key, value] of Object.entries(gpu.nodeSelector)) {
    const given = props.nodeSelector?.[key];
    ctx.check(given === undefined || given === value, `nodeSelector.${key}`, given, `contradicts gpu.product, which selects ${JSON.stringify(value)}`);
  }
  if (gpu.runtimeClassName !== undefined) {
    ctx.check(props.runtimeClassName === undefined || props.runtimeClassName === gpu.runtimeClassName, 'runtimeClassName', props.runtimeClassName, `contradicts the GPU runtime class ${JSON.stringify(gpu.runtimeClassName)}`, 'Set gpu.runtimeClassName instead');
  }
  const tolerated = (props.tolerations ?? []).some((t) => t?.key === gpu.toleration?.key && (t?.effect === undefined || t.effect === 'NoSchedule'));
  return {
    ...props,
    shm: gpu.shm,
    resources: { ...props.resources, extended: { ...props.resources?.extended, [gpu.resource]: gpu.count } },
    ...(Object.keys(gpu.nodeSelector).length ? { nodeSelector: { ...props.nodeSelector, ...gpu.nodeSelector } } : {}),
    ...(gpu.toleration && !tolerated ? { tolerations: [...(props.tolerations ?? []), { key: gpu.toleration.key, operator: 'Exists' as const, effect: 'NoSchedule' as const }] } : {}),
    ...(gpu.runtimeClassName !== undefined ? { runtimeClassName: gpu.runtimeClassName } : {}),
  };
}

/**
 * Base of the workloads that run pods from props: a main container at the top level of
 * the props, sidecars, init containers, volumes, scheduling and metadata, all checked when
 * the construct is created. Subclasses choose the controller (Deployment, Job, CronJob,
 * StatefulSet) and call {@link podTemplate} to get its template.
 */
export abstract class PodWorkload extends Workload {
  /** `metadata.name` of the objects. */
  public readonly name: string;
  /** Labels that select the workload's pods. */
  public readonly selector: Readonly<Record<string, string>>;
  /** Ports of every container, with their Service ports. */
  public readonly ports: readonly WorkloadPort[];
  /** The ServiceAccount the pods run as. */
  public readonly serviceAccount: KubeObject;
  /** The ConfigMaps generated for `files` / `fromFiles` volumes, by volume name. */
  public readonly configMaps: Readonly<Record<string, KubeObject>>;
  /** The GPUs of each pod, when `gpu` is set. */
  public readonly gpu?: ResolvedGpu;

  /** Name, labels and version of the workload. */
  protected readonly identity: WorkloadIdentity;
  /** Metadata every object of the workload carries. */
  protected readonly metadata: { readonly name: string; readonly labels: Record<string, string>; readonly annotations?: Record<string, string> };
  /** What {@link podTemplate} builds from; dropped by {@link finishPodTemplates}. */
  private templateInputs?: TemplateInputs;
  private templates: { readonly owner: KubeObject; readonly path: readonly string[] }[] = [];

  protected constructor(scope: Construct, id: string, props: WorkloadProps, options: PodWorkloadOptions) {
    super(scope, id);
    const ctx = this.ctx;
    if (!props || typeof props !== 'object') throw ctx.error('props', props, 'are required', 'Pass at least { image }');
    checkKnownKeys(ctx, 'PodWorkload options', options, POD_WORKLOAD_OPTION_KEYS);
    checkKnownKeys(ctx, '', props, [...WORKLOAD_KEYS, ...options.keys]);
    const env = this.stack.env;
    const rawName = props.name ?? id;
    const nameField = props.name === undefined ? 'id' : 'name';
    this.name = options.serviceName ? checkServiceName(ctx, nameField, rawName, options.maxNameLength) : checkDnsLabel(ctx, nameField, rawName, options.maxNameLength);

    const userLabels = props.labels === undefined ? {} : checkLabels(ctx, 'labels', props.labels);
    const podLabels = props.podLabels === undefined ? {} : checkLabels(ctx, 'podLabels', props.podLabels);
    for (const [field, map] of [['labels', userLabels], ['podLabels', podLabels]] as const) {
      const clash = Object.keys(map).find((k) => RESERVED_LABELS.includes(k));
      if (clash) throw ctx.error(`${field}.${clash}`, map[clash], 'is a standard label Keelson sets itself', 'Use name, component or the image tag to change it');
    }
    const annotations = props.annotations === undefined ? undefined : checkAnnotations(ctx, 'annotations', props.annotations);
    const podAnnotations = props.podAnnotations === undefined ? {} : checkAnnotations(ctx, 'podAnnotations', props.podAnnotations);

    if (props.gpu !== undefined) {
      this.gpu = resolveGpu(ctx, env, 'gpu', props.gpu);
      props = withGpu(ctx, props, this.gpu);
    }
    let volumeProps = props.volumes;
    if (props.shm !== undefined) {
      ctx.check(!props.volumes?.[SHM_VOLUME], 'volumes', SHM_VOLUME, 'is the volume name of shm');
      volumeProps = { ...props.volumes, [SHM_VOLUME]: { emptyDir: { medium: 'Memory', sizeLimit: props.shm } } };
    }
    const volumes = resolveVolumes(ctx, 'volumes', this.name, volumeProps, props.shm === undefined ? ['tmp', SHM_VOLUME] : ['tmp'], options.claimTemplates);
    const preStopSeconds = props.preStop === undefined ? (options.longRunning ? env.preStopSeconds : 0) : parseDuration(ctx, 'preStop', props.preStop, 0);
    const containerCtx = { env, volumes, preStopSeconds, portsFromProps: options.portsFromProps };
    const mainProps: ContainerProps = props.shm === undefined ? props : { ...props, mounts: [...(props.mounts ?? []), { path: '/dev/shm', volume: SHM_VOLUME, readOnly: false }] };
    const main = resolveContainer(ctx, '', this.name, mainProps, 'main', containerCtx);
    if (props.env) this.recordConsumedValues(props.env);
    const memoryLimit = main.container.resources?.limits?.memory?.value;
    if (props.shm !== undefined && typeof memoryLimit === 'string') {
      const shm = parseMemory(ctx, 'shm', props.shm);
      const fromGpu = this.gpu !== undefined;
      ctx.check(
        shm.amount < parseMemory(ctx, 'resources.limits.memory', memoryLimit).amount,
        fromGpu ? 'gpu.shm' : 'shm',
        props.shm,
        `is not below the memory limit ${memoryLimit} (resources.limits.memory or the size preset), which /dev/shm counts against${fromGpu && props.gpu?.shm === undefined ? ' (GPU pods get 1Gi of /dev/shm per GPU)' : ''}`,
        fromGpu ? 'Give the pod more memory (resources.limits.memory or a larger size) or set gpu.shm' : 'Raise the memory limit or shrink shm',
      );
    }

    const native = nativeSidecars(env);
    const names = new Map<string, string>([[this.name, 'the main container']]);
    const named = (field: string, list: readonly NamedContainerProps[] | undefined, role: 'sidecar' | 'native-sidecar' | 'init') => {
      if (list === undefined) return [];
      ctx.check(Array.isArray(list), field, list, 'must be a list of containers ({ name, image, … })');
      return list.map((c, i) => {
        const f = `${field}[${i}]`;
        const name = checkContainerName(ctx, `${f}.name`, c?.name);
        const other = names.get(name);
        if (other) throw ctx.error(`${f}.name`, name, `is also the name of ${other}`, 'Container names must be unique in a pod');
        names.set(name, f);
        const resolved = resolveContainer(ctx, f, name, c, role, containerCtx);
        if (c.env) this.recordConsumedValues(c.env);
        return resolved;
      });
    };
    const sidecars = named('sidecars', props.sidecars, native ? 'native-sidecar' : 'sidecar');
    const init = named('initContainers', props.initContainers, 'init');
    if (!options.longRunning && sidecars.length && !native) {
      throw ctx.error('sidecars', props.sidecars!.map((s) => s.name), 'need native sidecars in a workload that runs to completion: a plain sidecar keeps the pod running after the main container exits', 'Set the environment\'s kubernetesVersion to 1.29 or later (or featureGates: ["SidecarContainers"] on 1.28)');
    }
    const allPorts = [
      ...main.ports.map((port, i) => ({ field: i < (options.portsFromProps ?? 0) ? 'port' : `ports[${i - (options.portsFromProps ?? 0)}]`, port })),
      ...sidecars.flatMap((s, j) => s.ports.map((port, i) => ({ field: `sidecars[${j}].ports[${i}]`, port }))),
    ];
    checkDistinctPorts(ctx, allPorts);
    this.ports = allPorts.map(({ port }) => ({
      name: port.name,
      port: port.servicePort,
      containerPort: port.containerPort,
      protocol: port.transport,
      ...(port.appProtocol ? { appProtocol: port.appProtocol } : {}),
      ...(port.metricsOnly ? { metricsOnly: true } : {}),
    }));

    const sched = resolveScheduling(ctx, props);
    const grace = sched.terminationGracePeriodSeconds;
    if (grace !== undefined && preStopSeconds > 0) {
      ctx.check(grace > preStopSeconds, 'terminationGracePeriod', props.terminationGracePeriod, `leaves no time to stop after the ${preStopSeconds}s preStop sleep`, 'Make it longer than preStop');
    }

    this.identity = { name: this.name, partOf: this.stack.partOf, component: props.component ?? options.component, version: main.version };
    if (props.component !== undefined) checkDnsLabel(ctx, 'component', props.component);
    this.selector = selectorLabels(this.identity);
    this.metadata = { name: this.name, labels: sortLabels({ ...userLabels, ...standardLabels(this.identity) }), ...(annotations ? { annotations } : {}) };
    this.templateInputs = {
      main,
      extras: { sidecars, init, native },
      volumes,
      podMeta: { labels: { ...userLabels, ...podLabels }, annotations: podAnnotations },
      grace,
      spreadChoice: sched.spread,
      preStopSeconds,
      scheduling: sched.scheduling,
    };

    this.serviceAccount = KubeObject.create(this, 'service-account', k8s.KubeServiceAccount, { metadata: this.metadata, automountServiceAccountToken: false });
    const configMaps: Record<string, KubeObject> = {};
    for (const cm of volumes.configMaps) {
      configMaps[cm.volume] = KubeObject.create(this, `config-${cm.volume}`, k8s.KubeConfigMap, { metadata: { ...this.metadata, name: cm.name }, data: cm.data });
    }
    this.configMaps = configMaps;
  }

  /**
   * The pod template of the workload. `replicas` is the most pods that can run at once
   * (spreading needs more than one); `restartPolicy` is for Jobs.
   */
  protected podTemplate(options: { readonly maxReplicas: number; readonly restartPolicy?: 'OnFailure' | 'Never' }): k8s.PodTemplateSpec {
    const inputs = this.templateInputs;
    if (!inputs) throw this.ctx.error('podTemplate', options, 'was asked for after finishPodTemplates() dropped what templates are built from', 'Build every pod template before calling finishPodTemplates()');
    const { main, extras, volumes, podMeta, grace, spreadChoice, preStopSeconds, scheduling } = inputs;
    const env = this.stack.env;
    const { sidecars, init, native } = extras;
    const checksum: Record<string, string> = volumes.checksum ? { [CONFIG_CHECKSUM]: volumes.checksum } : {};
    const sidecarVolumes = [...sidecars, ...init].flatMap((c) => c.security.volumes);
    const spread = (spreadChoice ?? env.topologySpread) && options.maxReplicas > 1;
    if (!spread && options.maxReplicas > 1 && options.restartPolicy === undefined) {
      waiveImplied(this, 'missing-anti-affinity', spreadChoice === false ? 'spread: false on the workload' : `the ${env.name} environment does not spread replicas (topologySpread: false)`);
    }
    return buildPodTemplate({
      identity: this.identity,
      env,
      containers: [main.container, ...(native ? [] : sidecars.map((s) => s.container))],
      initContainers: [...(native ? sidecars.map((s) => s.container) : []), ...init.map((c) => c.container)],
      security: main.security,
      serviceAccountName: this.name,
      volumes: [...sidecarVolumes, ...volumes.volumes],
      annotations: { ...podMeta.annotations, ...checksum },
      labels: podMeta.labels,
      terminationGracePeriodSeconds: grace ?? 30 + preStopSeconds,
      topologySpread: spread,
      scheduling,
      restartPolicy: options.restartPolicy,
    });
  }

  /**
   * Ends the building of pod templates: the resolved containers, volumes and scheduling they
   * are built from are dropped (kilobytes per workload, megabytes at thousands of services).
   * Call it at the end of the constructor that built the last template; late edits such as
   * {@link env} work on the rendered templates and are not affected.
   */
  protected finishPodTemplates(): void {
    this.templateInputs = undefined;
  }

  /** Records where `owner` keeps this workload's pod template, so late edits (e.g. {@link env}) reach it. */
  protected adoptPodTemplate(owner: KubeObject, path: readonly string[]): void {
    this.templates.push({ owner, path });
  }

  /**
   * Adds an environment variable to the main container after construction, exactly as
   * the `env` prop would have: `api.env('DATABASE_URL', db.url)`.
   */
  public env(name: string, value: EnvValue): this {
    const added = toEnvVars(this.ctx, 'env', { [name]: value });
    for (const { owner, path } of this.templates) {
      let template: any = owner.manifest;
      for (const key of path) template = template?.[key];
      const container = template.spec.containers[0];
      if ((container.env ?? []).some((e: { name: string }) => e.name === name)) throw this.ctx.error(`env.${name}`, name, 'is already set', 'Each variable may be set once');
      // EnvVar fields have the same names in the typed props and in JSON; the round trip drops unset ones.
      container.env = [...(container.env ?? []), ...JSON.parse(JSON.stringify(added))];
    }
    this.recordConsumedValues({ [name]: value });
    return this;
  }
}
