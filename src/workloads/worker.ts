import type { Construct } from 'constructs';
import { DeploymentWorkload, type DeploymentWorkloadProps } from './deployment-workload.js';

/** Props of a {@link Worker}. */
export interface WorkerProps extends DeploymentWorkloadProps {}

/** The reason recorded on a Worker's pods when it declares no health check. */
const NO_LIVENESS_REASON = 'a worker that declares no health check is restarted when its process exits; set health.live to restart it when stuck';

/**
 * A Deployment that serves no Service: queue consumers, schedulers, load generators.
 * Ports are optional (e.g. a metrics port). Reaches what it consumes through
 * `allowTo` (`worker.allowTo(cache)`); nothing may connect to it unless `allowFrom` says so.
 */
export class Worker extends DeploymentWorkload {
  constructor(scope: Construct, id: string, props: WorkerProps) {
    const noHealth = props && typeof props === 'object' && props.health === undefined;
    super(scope, id, noHealth ? { ...props, podAnnotations: { 'keelson.dev/opt-out-missing-liveness-probe': NO_LIVENESS_REASON, ...props.podAnnotations } } : props, {
      component: 'worker',
      longRunning: true,
      keys: [],
      serviceName: false,
      scrapeThrough: 'pod',
    });
  }
}
