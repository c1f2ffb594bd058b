import { Construct } from 'constructs';
import { ErrorContext } from '../core/errors.js';
import { KubeObject } from '../core/kube-object.js';
import { standardLabels } from '../core/labels.js';
import { checkDnsLabel } from '../core/names.js';
import { checkKnownKeys, propKeys } from '../core/props.js';
import { Stack } from '../core/stack.js';
import { LocalQueue as LocalQueueL1 } from '../imports/kueue.x-k8s.io.js';
import { ClusterQueue } from './cluster-queue.js';

/** Props of a {@link LocalQueue}. */
export interface LocalQueueProps {
  /** `metadata.name`: what jobs name in `queue`. @default - the construct id */
  readonly name?: string;
  /** The ClusterQueue whose quota the queue's jobs use (a {@link ClusterQueue}, or the name of one applied elsewhere). */
  readonly clusterQueue: ClusterQueue | string;
}

const KEYS = propKeys<LocalQueueProps>()('name', 'clusterQueue');

/**
 * A Kueue `LocalQueue` (kueue.x-k8s.io/v1beta2) in the stack's namespace: jobs with
 * `queue: '<name>'` wait here until their ClusterQueue admits them.
 */
export class LocalQueue extends Construct {
  /** `metadata.name`. */
  public readonly name: string;
  /** The LocalQueue. */
  public readonly localQueue: KubeObject;

  constructor(scope: Construct, id: string, props: LocalQueueProps) {
    super(scope, id);
    const ctx = new ErrorContext(this.node.path);
    ctx.check(props !== null && typeof props === 'object', 'props', props, 'are required', 'Pass { clusterQueue }');
    checkKnownKeys(ctx, '', props, KEYS);
    this.name = checkDnsLabel(ctx, props.name === undefined ? 'id' : 'name', props.name ?? id);
    const clusterQueue = props.clusterQueue instanceof ClusterQueue ? props.clusterQueue.name : checkDnsLabel(ctx, 'clusterQueue', props.clusterQueue);
    this.localQueue = KubeObject.create(this, 'local-queue', LocalQueueL1, {
      metadata: { name: this.name, labels: standardLabels({ name: this.name, partOf: Stack.of(this).partOf, component: 'queue' }) },
      spec: { clusterQueue },
    });
  }
}
