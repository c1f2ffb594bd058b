import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { ErrorContext } from '../core/errors.js';
import { KubeObject } from '../core/kube-object.js';
import { addWorkloadMonitoring, prepareMetrics, type MetricsProps, type WorkloadMonitoring } from '../observability/workload-monitoring.js';
import { checkAlertPresets, WorkloadAlerts, type AlertPresetsProps } from '../observability/workload-alerts.js';
import { PodWorkload, type PodWorkloadOptions, type WorkloadProps } from '../core/pod-workload.js';
import type { DisruptionProps } from '../scaling/disruption-budget.js';
import { addReplicaObjects } from '../scaling/replicated.js';
import { resolveReplicaRange, type AutoscaleProps, type ReplicaRange } from '../scaling/replicas.js';

/** Props of a workload that runs as a Deployment. */
export interface DeploymentWorkloadProps extends WorkloadProps {
  /** Replicas when not autoscaled. @default - the environment's `replicas` */
  readonly replicas?: number;
  /** Autoscale with an HPA (where the environment enables autoscaling). @default - fixed replicas */
  readonly autoscale?: AutoscaleProps;
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

/** The keys {@link DeploymentWorkloadProps} adds to the workload's. */
export const DEPLOYMENT_KEYS = ['replicas', 'autoscale', 'disruption', 'metrics', 'alerts'];

/** How a Deployment workload is scraped: through its Service (ServiceMonitor) or its pods (PodMonitor). */
export interface DeploymentWorkloadOptions extends PodWorkloadOptions {
  readonly scrapeThrough: 'service' | 'pod';
}

/**
 * Base of the stateless workloads (WebService, Worker): a Deployment that rolls with no
 * unavailable pod, an HPA when autoscaled, and a PDB when more than one replica can run.
 */
export abstract class DeploymentWorkload extends PodWorkload {
  /** The Deployment. */
  public readonly deployment: KubeObject;
  /** The HorizontalPodAutoscaler, when autoscaled. */
  public readonly autoscaler?: KubeObject;
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
    super(scope, id, metrics ? { ...props, ports: metrics.ports } : props, { ...options, keys: [...DEPLOYMENT_KEYS, ...options.keys] });
    const env = this.stack.env;
    this.replicaRange = resolveReplicaRange(this.ctx, env, props.replicas, props.autoscale);
    const autoscaled = this.replicaRange.min !== this.replicaRange.max;
    this.deployment = KubeObject.create(this, 'deployment', k8s.KubeDeployment, {
      metadata: this.metadata,
      spec: {
        ...(autoscaled ? {} : { replicas: this.replicaRange.min }),
        revisionHistoryLimit: 5,
        selector: { matchLabels: { ...this.selector } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
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
      disruption: props.disruption,
    });
    this.autoscaler = replicated.autoscaler;
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
  }
}
