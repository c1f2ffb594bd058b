import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { KubeObject } from '../core/kube-object.js';
import { PodWorkload, WORKLOAD_KEYS, type PodWorkloadOptions, type WorkloadProps } from '../core/pod-workload.js';
import { propKeys } from '../core/props.js';
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
}

/** The keys of {@link DeploymentWorkloadProps}. */
export const DEPLOYMENT_KEYS = propKeys<DeploymentWorkloadProps>()(...WORKLOAD_KEYS, 'replicas', 'autoscale', 'disruption');

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

  protected constructor(scope: Construct, id: string, props: DeploymentWorkloadProps, options: PodWorkloadOptions) {
    super(scope, id, props, { ...options, keys: [...DEPLOYMENT_KEYS, ...options.keys] });
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
