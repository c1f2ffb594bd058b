import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { ErrorContext } from '../core/errors.js';
import { KubeObject } from '../core/kube-object.js';
import { addWorkloadMonitoring, prepareMetrics, type MetricsProps, type WorkloadMonitoring } from '../observability/workload-monitoring.js';
import { checkAlertPresets, WorkloadAlerts, type AlertPresetsProps } from '../observability/workload-alerts.js';
import { PodWorkload, WORKLOAD_KEYS, type PodWorkloadOptions, type WorkloadProps } from '../core/pod-workload.js';
import { propKeys } from '../core/props.js';
import type { DisruptionProps } from '../scaling/disruption-budget.js';
import { EVENT_KEYS, resolveEventScaling, type EventScalingProps } from '../scaling/event-scaling.js';
import { addReplicaObjects } from '../scaling/replicated.js';
import { resolveReplicaRange, type AutoscaleProps, type ReplicaRange } from '../scaling/replicas.js';
import { templateContainers, type VerticalScalingProps } from '../scaling/vertical-autoscaler.js';
import { sharedConstant } from '../core/l1-json.js';

/** Props of a workload that runs as a Deployment. */
export interface DeploymentWorkloadProps extends WorkloadProps {
  /** Replicas when not autoscaled. @default - the environment's `replicas` */
  readonly replicas?: number;
  /** Autoscale with an HPA (where the environment enables autoscaling). @default - fixed replicas */
  readonly autoscale?: AutoscaleProps;
  /**
   * Scale on events with a KEDA ScaledObject (queue length, consumer lag, a query, a schedule),
   * in every environment, to zero where it allows. KEDA owns the HPA, so `autoscale` cannot be set too.
   * @default - not scaled on events
   */
  readonly scaleOn?: EventScalingProps;
  /** Set the pods' requests from their usage with a VerticalPodAutoscaler. @default - no VPA */
  readonly vpa?: VerticalScalingProps;
  /** Disruption budget settings (emitted when more than one replica can run). @default { maxUnavailable: 1 } */
  readonly disruption?: DisruptionProps;
  /**
   * Have Prometheus scrape the workload: `{ port: 9090 }` adds a `metrics` port (or scrapes a
   * port the container already has), a ServiceMonitor (PodMonitor for a Worker) and the
   * NetworkPolicy admission of the monitoring namespace on that port only.
   * @default - not scraped
   */
  readonly metrics?: MetricsProps;
  /**
   * The preset alerts (crash looping, pods not ready, replicas mismatch, rollout stuck, HPA at
   * its maximum): `false` removes them all, `{ crashLooping: false, podsNotReady: { for: '30m' } }`
   * removes or tunes one.
   * @default - every preset, where `metrics` is set; none otherwise
   */
  readonly alerts?: false | AlertPresetsProps;
}

/** The keys of {@link DeploymentWorkloadProps}. */
export const DEPLOYMENT_KEYS = propKeys<DeploymentWorkloadProps>()(...WORKLOAD_KEYS, 'replicas', 'autoscale', 'scaleOn', 'vpa', 'disruption', 'metrics', 'alerts');

/** How a Deployment workload is scraped: through its Service (ServiceMonitor) or its pods (PodMonitor). */
export interface DeploymentWorkloadOptions extends PodWorkloadOptions {
  readonly scrapeThrough: 'service' | 'pod';
}

/**
 * Base of the stateless workloads (WebService, Worker): a Deployment that rolls with no
 * unavailable pod, an HPA when autoscaled or a KEDA ScaledObject when scaled on events, a
 * VPA when asked for, and a PDB when more than one replica can run.
 */
export abstract class DeploymentWorkload extends PodWorkload {
  /** The Deployment. */
  public readonly deployment: KubeObject;
  /** The HorizontalPodAutoscaler, when autoscaled by `autoscale`. */
  public readonly autoscaler?: KubeObject;
  /** The KEDA ScaledObject, when scaled on events (`scaleOn`). */
  public readonly scaledObject?: KubeObject;
  /** The KEDA TriggerAuthentications of triggers that read Secrets. */
  public readonly triggerAuthentications: readonly KubeObject[];
  /** The VerticalPodAutoscaler, when `vpa` is set. */
  public readonly verticalAutoscaler?: KubeObject;
  /** The PodDisruptionBudget, when more than one replica can run. */
  public readonly disruptionBudget?: KubeObject;
  /** The smallest and largest number of replicas that can run. */
  public readonly replicaRange: ReplicaRange;
  /** The monitor and preset alerts, when `metrics` is set. */
  public readonly monitoring?: WorkloadMonitoring;
  /** The preset alerts, unless removed (with or without `metrics`). */
  public readonly alerts?: WorkloadAlerts;
  /** Name of the port Prometheus scrapes, when `metrics` is set. */
  public readonly metricsPortName?: string;

  protected constructor(scope: Construct, id: string, props: DeploymentWorkloadProps, options: DeploymentWorkloadOptions) {
    const valid = props !== null && typeof props === 'object';
    const metrics = valid ? prepareMetrics(new ErrorContext(scope.node.path ? `${scope.node.path}/${id}` : id), props.metrics, props.ports) : undefined;
    const { scrapeThrough: _scrapeThrough, ...podOptions } = options;
    super(scope, id, metrics ? { ...props, ports: metrics.ports } : props, { ...podOptions, keys: [...DEPLOYMENT_KEYS, ...options.keys] });
    const env = this.stack.env;
    const ctx = this.ctx;
    if (props.scaleOn !== undefined) {
      for (const other of ['autoscale', 'replicas'] as const) {
        if (props[other] !== undefined) {
          throw ctx.error('scaleOn', props.scaleOn, `cannot be set together with ${other}: KEDA makes and owns the HPA that sets the replica count`, `Remove ${other}, or scale on its metrics through autoscale alone`);
        }
      }
    }
    const events = props.scaleOn === undefined ? undefined : resolveEventScaling(ctx, 'scaleOn', env, props.scaleOn, EVENT_KEYS, (trigger) => `${this.name}-${trigger}`);
    // KEDA reads `…FromEnv` values from the env of the workload's main container.
    props.scaleOn?.triggers.forEach((t, i) => {
      if (t.type === 'redis-list' && t.passwordFromEnv !== undefined && props.env?.[t.passwordFromEnv] === undefined) {
        throw ctx.error(`scaleOn.triggers[${i}].passwordFromEnv`, t.passwordFromEnv, 'is not in env', `Add it to env (e.g. ${t.passwordFromEnv}: cache.credentials.password) so KEDA can read it from the container`);
      }
    });
    this.replicaRange = events ? events.range : resolveReplicaRange(ctx, env, props.replicas, props.autoscale);
    const autoscaled = events !== undefined || this.replicaRange.min !== this.replicaRange.max;
    this.deployment = KubeObject.create(this, 'deployment', k8s.KubeDeployment, {
      metadata: this.metadata,
      spec: {
        ...(autoscaled ? {} : { replicas: this.replicaRange.min }),
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selector },
        strategy: sharedConstant('rolling-update', () => ({ type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromNumber(0) } })),
        template: this.podTemplate({ maxReplicas: this.replicaRange.max }),
      },
    });
    this.adoptPodTemplate(this.deployment, ['spec', 'template']);
    const replicated = addReplicaObjects(this, {
      ctx: this.ctx,
      env,
      target: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
      metadata: this.metadata,
      selector: this.selector,
      range: this.replicaRange,
      autoscale: props.autoscale,
      events: events && { scaling: events, behavior: props.scaleOn!.behavior },
      vertical: props.vpa === undefined ? undefined : { scaling: props.vpa, containers: templateContainers(this.deployment, ['spec', 'template']) },
      disruption: props.disruption,
    });
    this.autoscaler = replicated.autoscaler;
    this.scaledObject = replicated.scaledObject;
    this.triggerAuthentications = replicated.triggerAuthentications;
    this.verticalAutoscaler = replicated.verticalAutoscaler;
    this.disruptionBudget = replicated.disruptionBudget;
    const target = { kind: 'Deployment', name: this.name, namespace: this.namespace, autoscaled: this.autoscaler !== undefined } as const;
    if (metrics) {
      this.metricsPortName = metrics.portName;
      this.monitoring = addWorkloadMonitoring(this, { through: options.scrapeThrough, metrics: props.metrics!, portName: metrics.portName, target, alerts: props.alerts, labels: this.metadata.labels });
      this.alerts = this.monitoring.alerts;
    } else if (props.alerts !== undefined) {
      const presets = checkAlertPresets(this.ctx, 'alerts', props.alerts);
      if (presets !== false) this.alerts = new WorkloadAlerts(this, 'alerts', { target, presets, labels: this.metadata.labels });
    }
    this.finishPodTemplates();
  }
}
