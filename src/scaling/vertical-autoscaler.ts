import type { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { quantityAmount, resourcesScaledOn } from '../core/checks/autoscalers.js';
import { inPlaceResize, kubernetesMinor, type VerticalUpdateMode } from '../core/environment.js';
import { ErrorContext } from '../core/errors.js';
import { KubeObject } from '../core/kube-object.js';
import { checkReplicas } from '../core/pod.js';
import { checkKnownKeys, checkObject } from '../core/props.js';
import { parseCpu, parseMemory, type ByteQuantity, type CpuQuantity } from '../core/quantity.js';
import { Stack } from '../core/stack.js';
import {
  VerticalPodAutoscaler,
  VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesControlledValues as ControlledValues,
  VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMaxAllowed as MaxAllowed,
  VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMinAllowed as MinAllowed,
  VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMode as ContainerMode,
  VerticalPodAutoscalerSpecUpdatePolicyUpdateMode as UpdateMode,
  type VerticalPodAutoscalerSpecResourcePolicyContainerPolicies as ContainerPolicy,
} from '../imports/autoscaling.k8s.io.js';
import type { ScaleTarget } from './horizontal-autoscaler.js';

/** CPU and memory bounds of a VPA's recommendations. */
export interface VerticalResources {
  /** CPU, e.g. `"250m"` or `2`. @default - unbounded */
  readonly cpu?: CpuQuantity;
  /** Memory, e.g. `"512Mi"`. @default - unbounded */
  readonly memory?: ByteQuantity;
}

/** How a VPA treats one container. */
export interface VerticalContainerProps {
  /** `Off` leaves the container's resources alone. @default 'Auto' */
  readonly mode?: 'Auto' | 'Off';
  /** Lowest requests the VPA recommends. @default - unbounded */
  readonly minAllowed?: VerticalResources;
  /** Highest requests the VPA recommends (with `RequestsOnly`, at most the container's limits). @default - unbounded */
  readonly maxAllowed?: VerticalResources;
  /** The resources the VPA sets. @default ['cpu', 'memory'] */
  readonly controlledResources?: readonly ('cpu' | 'memory')[];
  /** `RequestsAndLimits` scales limits with requests (keeping their ratio); `RequestsOnly` leaves limits as they are. @default 'RequestsAndLimits' */
  readonly controlledValues?: 'RequestsAndLimits' | 'RequestsOnly';
}

/** Vertical autoscaling of a workload: a VerticalPodAutoscaler (autoscaling.k8s.io/v1). */
export interface VerticalScalingProps {
  /**
   * How recommendations are applied. `InPlaceOrRecreate` needs VPA 1.4 or later (its
   * `InPlaceOrRecreate` feature gate; on by default from 1.5) and a cluster that resizes pods
   * in place (the environment's kubernetesVersion 1.33 or later, or the
   * `InPlacePodVerticalScaling` feature gate).
   * @default - the environment's `autoscaling.verticalUpdateMode` (`Off` when it names none)
   */
  readonly mode?: VerticalUpdateMode;
  /** Per container, by container name; `*` applies to every container not named. @default - every container, cpu and memory, unbounded */
  readonly containers?: Readonly<Record<string, VerticalContainerProps>>;
  /** Fewest live replicas before the VPA evicts a pod to resize it. @default - the VPA's own (2) */
  readonly minReplicas?: number;
}

/** The keys of {@link VerticalScalingProps}. */
const SCALING_KEYS = ['mode', 'containers', 'minReplicas'];
const CONTAINER_KEYS = ['mode', 'minAllowed', 'maxAllowed', 'controlledResources', 'controlledValues'];
const MODES: readonly VerticalUpdateMode[] = ['Off', 'Initial', 'Recreate', 'InPlaceOrRecreate'];

/** A container of the target as the VPA sees it: its name and limits. */
export interface VerticalTargetContainer {
  /** Container name. */
  readonly name: string;
  /** Its resource limits, as in the manifest (`{ cpu: "1", memory: "1Gi" }`). @default - none */
  readonly limits?: Readonly<Record<string, unknown>>;
}

/** An autoscaler that scales the same target's replicas, and the prop it came from. */
export interface ReplicaScaler {
  /** The HorizontalPodAutoscaler or KEDA ScaledObject. */
  readonly object: KubeObject;
  /** The prop that made it, e.g. `autoscale`. */
  readonly field: string;
}

/** Props of a {@link VerticalAutoscaler}. */
export interface VerticalAutoscalerProps {
  /** What to resize: any workload that runs pods. */
  readonly target: ScaleTarget;
  /** The containers of the target's pods. */
  readonly containers: readonly VerticalTargetContainer[];
  /** Mode and per-container policies. */
  readonly scaling: VerticalScalingProps;
  /** The autoscaler of the same target's replicas, checked for conflicts. @default - none */
  readonly replicaScaler?: ReplicaScaler;
  /** Metadata of the VerticalPodAutoscaler. */
  readonly metadata: k8s.ObjectMeta;
  /** Errors name this path and field prefix. @default - the construct's path, `vpa` */
  readonly errors?: { readonly ctx: ErrorContext; readonly field: string };
}

/** The containers of the pod template at `path` of `owner` (a Deployment's `['spec', 'template']`). */
export function templateContainers(owner: KubeObject, path: readonly string[]): VerticalTargetContainer[] {
  let template: any = owner.manifest;
  for (const key of path) template = template?.[key];
  const containers: any[] = Array.isArray(template?.spec?.containers) ? template.spec.containers : [];
  return containers.map((c) => ({ name: c.name, limits: c.resources?.limits }));
}

/**
 * A VerticalPodAutoscaler for any workload. Refuses what cannot work: a mode the cluster
 * does not serve, policies for containers the pods do not have, minAllowed above maxAllowed,
 * maxAllowed above a limit the VPA keeps (`RequestsOnly`), and an acting VPA on a resource
 * an HPA scales on.
 */
export class VerticalAutoscaler extends Construct {
  /** The VerticalPodAutoscaler. */
  public readonly object: KubeObject;
  /** The update mode it runs with. */
  public readonly mode: VerticalUpdateMode;

  constructor(scope: Construct, id: string, props: VerticalAutoscalerProps) {
    super(scope, id);
    const ctx = props.errors?.ctx ?? new ErrorContext(this.node.path);
    const field = props.errors?.field ?? 'vpa';
    const env = Stack.of(this).env;
    const s = props.scaling;
    checkObject(ctx, field, s, false);
    checkKnownKeys(ctx, field, s, SCALING_KEYS);
    const mode = s.mode ?? env.autoscaling.verticalUpdateMode ?? 'Off';
    ctx.check(MODES.includes(mode), `${field}.mode`, mode, `must be one of ${MODES.map((m) => `"${m}"`).join(', ')}`);
    if (mode === 'InPlaceOrRecreate' && !inPlaceResize(env)) {
      throw ctx.error(
        `${field}.mode`,
        mode,
        `needs in-place pod resize, which the ${env.name} environment's cluster (Kubernetes 1.${kubernetesMinor(env)}) does not serve`,
        'Set the environment\'s kubernetesVersion to 1.33 or later (or featureGates: ["InPlacePodVerticalScaling"]) and run VPA 1.4 or later, or use "Recreate"',
      );
    }
    if (s.minReplicas !== undefined) checkReplicas(ctx, `${field}.minReplicas`, s.minReplicas);
    const names = props.containers.map((c) => c.name);
    const policies: ContainerPolicy[] = [];
    const controlled = new Map<string, readonly string[]>();
    const containers = s.containers ?? {};
    checkObject(ctx, `${field}.containers`, containers, false);
    for (const [name, c] of Object.entries(containers)) {
      const f = `${field}.containers.${name}`;
      if (name !== '*' && !names.includes(name)) {
        throw ctx.error(`${field}.containers`, name, 'is not a container of the workload', `Containers: ${names.join(', ')}; use "*" for all of them`);
      }
      checkObject(ctx, f, c, false);
      checkKnownKeys(ctx, f, c, CONTAINER_KEYS);
      if (c.mode !== undefined) ctx.check(c.mode === 'Auto' || c.mode === 'Off', `${f}.mode`, c.mode, 'must be "Auto" or "Off"');
      if (c.controlledValues !== undefined) ctx.check(c.controlledValues === 'RequestsAndLimits' || c.controlledValues === 'RequestsOnly', `${f}.controlledValues`, c.controlledValues, 'must be "RequestsAndLimits" or "RequestsOnly"');
      if (c.controlledResources !== undefined) {
        ctx.check(
          Array.isArray(c.controlledResources) && c.controlledResources.length > 0 && c.controlledResources.every((r) => r === 'cpu' || r === 'memory'),
          `${f}.controlledResources`, c.controlledResources, 'must be a non-empty list of "cpu" and "memory"', 'Use mode: "Off" to leave the container alone',
        );
      }
      const min = this.bounds(ctx, `${f}.minAllowed`, c.minAllowed);
      const max = this.bounds(ctx, `${f}.maxAllowed`, c.maxAllowed);
      for (const r of ['cpu', 'memory'] as const) {
        if (min[r] !== undefined && max[r] !== undefined && min[r]!.amount > max[r]!.amount) {
          throw ctx.error(`${f}.minAllowed.${r}`, c.minAllowed![r], `is greater than ${f}.maxAllowed.${r} (${JSON.stringify(c.maxAllowed![r])})`, 'Set minAllowed <= maxAllowed');
        }
        // RequestsOnly keeps each limit, and a request above its limit is refused; RequestsAndLimits scales limits with requests.
        if (max[r] === undefined || c.controlledValues !== 'RequestsOnly') continue;
        const applies = name === '*' ? props.containers.filter((t) => !(t.name in containers)) : props.containers.filter((t) => t.name === name);
        for (const t of applies) {
          const limit = quantityAmount(t.limits?.[r]);
          if (limit !== undefined && max[r]!.amount > limit) {
            throw ctx.error(
              `${f}.maxAllowed.${r}`,
              c.maxAllowed![r],
              `is above the ${r} limit of container ${t.name} (resources.limits.${r} ${JSON.stringify(t.limits![r])}), which ${f}.controlledValues "RequestsOnly" keeps`,
              `Requests can never exceed their limit; lower maxAllowed.${r} to at most the limit, raise the limit, or let limits scale with "RequestsAndLimits"`,
            );
          }
        }
      }
      if (c.mode !== 'Off') controlled.set(name, c.controlledResources ?? ['cpu', 'memory']);
      else controlled.set(name, []);
      policies.push({
        containerName: name,
        ...(c.mode ? { mode: c.mode as ContainerMode } : {}),
        ...(min.cpu || min.memory ? { minAllowed: this.allowed(min, MinAllowed.fromString) } : {}),
        ...(max.cpu || max.memory ? { maxAllowed: this.allowed(max, MaxAllowed.fromString) } : {}),
        ...(c.controlledResources ? { controlledResources: [...c.controlledResources] } : {}),
        ...(c.controlledValues ? { controlledValues: c.controlledValues as ControlledValues } : {}),
      });
    }
    if (props.replicaScaler && mode !== 'Off') {
      const source = s.mode === undefined ? `(the ${env.name} environment's autoscaling.verticalUpdateMode) ` : '';
      this.checkConflict(ctx, field, mode, source, names, controlled, props.replicaScaler);
    }
    this.mode = mode;
    this.object = KubeObject.create(this, 'resource', VerticalPodAutoscaler, {
      metadata: props.metadata,
      spec: {
        targetRef: { apiVersion: props.target.apiVersion, kind: props.target.kind, name: props.target.name },
        updatePolicy: { updateMode: mode as UpdateMode, ...(s.minReplicas === undefined ? {} : { minReplicas: s.minReplicas }) },
        ...(policies.length ? { resourcePolicy: { containerPolicies: policies } } : {}),
      },
    });
  }

  private bounds(ctx: ErrorContext, field: string, r: VerticalResources | undefined): { cpu?: { text: string; amount: number }; memory?: { text: string; amount: number } } {
    if (r === undefined) return {};
    checkObject(ctx, field, r, false);
    checkKnownKeys(ctx, field, r, ['cpu', 'memory']);
    // Amounts in cores and bytes, comparable with the limits in the manifest.
    const cpu = r.cpu === undefined ? undefined : parseCpu(ctx, `${field}.cpu`, r.cpu).text;
    const memory = r.memory === undefined ? undefined : parseMemory(ctx, `${field}.memory`, r.memory).text;
    return {
      ...(cpu === undefined ? {} : { cpu: { text: cpu, amount: quantityAmount(cpu)! } }),
      ...(memory === undefined ? {} : { memory: { text: memory, amount: quantityAmount(memory)! } }),
    };
  }

  private allowed<T>(b: { cpu?: { text: string }; memory?: { text: string } }, make: (v: string) => T): Record<string, T> {
    return { ...(b.cpu ? { cpu: make(b.cpu.text) } : {}), ...(b.memory ? { memory: make(b.memory.text) } : {}) };
  }

  private checkConflict(ctx: ErrorContext, field: string, mode: string, source: string, names: readonly string[], controlled: ReadonlyMap<string, readonly string[]>, scaler: ReplicaScaler): void {
    const scaledOn = resourcesScaledOn({ kind: scaler.object.kind, spec: scaler.object.manifest.spec });
    for (const name of names) {
      const resources = controlled.get(name) ?? controlled.get('*') ?? ['cpu', 'memory'];
      const shared = scaledOn.find((r) => resources.includes(r));
      if (shared === undefined) continue;
      throw ctx.error(
        `${field}.mode`,
        mode,
        `${source}sets the ${shared} of container ${name}, which ${scaler.field} scales on (the ${scaler.object.kind} scales by ${shared} utilization): the two would fight`,
        `Set ${field}.mode to "Off" (recommendations only), leave ${shared} out with ${field}.containers["*"].controlledResources, or scale on other metrics`,
      );
    }
  }
}
