import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { KubeObject } from '../core/kube-object.js';
import { PodWorkload, type WorkloadProps } from '../core/pod-workload.js';
import type { DisruptionProps } from '../scaling/disruption-budget.js';
import { addReplicaObjects } from '../scaling/replicated.js';
import { resolveReplicaRange, type AutoscaleProps, type ReplicaRange } from '../scaling/replicas.js';

/** Props of a {@link Worker}. */
export interface WorkerProps extends WorkloadProps {
  /** Replicas when not autoscaled. @default - the environment's `replicas` */
  readonly replicas?: number;
  /** Autoscale with an HPA (where the environment enables autoscaling). @default - fixed replicas */
  readonly autoscale?: AutoscaleProps;
  /** Disruption budget settings (emitted when more than one replica can run). @default { maxUnavailable: 1 } */
  readonly disruption?: DisruptionProps;
}

/** The reason recorded on a Worker's pods when it declares no health check. */
const NO_LIVENESS_REASON = 'a worker that declares no health check is restarted when its process exits; set health.live to restart it when stuck';

/**
 * A Deployment that serves no Service: queue consumers, schedulers, load generators.
 * Ports are optional (e.g. a metrics port). Reaches what it consumes through
 * `allowTo` (`worker.allowTo(cache)`); nothing may connect to it unless `allowFrom` says so.
 */
export class Worker extends PodWorkload {
  /** The Deployment. */
  public readonly deployment: KubeObject;
  /** The HorizontalPodAutoscaler, when autoscaled. */
  public readonly autoscaler?: KubeObject;
  /** The PodDisruptionBudget, when more than one replica can run. */
  public readonly disruptionBudget?: KubeObject;
  /** The smallest and largest number of replicas that can run. */
  public readonly replicaRange: ReplicaRange;

  constructor(scope: Construct, id: string, props: WorkerProps) {
    const noHealth = props && typeof props === 'object' && props.health === undefined;
    super(scope, id, noHealth ? { ...props, podAnnotations: { 'keelson.dev/opt-out-missing-liveness-probe': NO_LIVENESS_REASON, ...props.podAnnotations } } : props, {
      component: 'worker',
      longRunning: true,
      keys: ['replicas', 'autoscale', 'disruption'],
      serviceName: false,
    });
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
  }
}
