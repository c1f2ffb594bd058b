import { Construct } from 'constructs';
import { ErrorContext } from '../core/errors.js';
import { resolveGpu } from '../core/gpu.js';
import { KubeObject } from '../core/kube-object.js';
import { standardLabels } from '../core/labels.js';
import { checkDnsLabel } from '../core/names.js';
import { checkKnownKeys, propKeys } from '../core/props.js';
import { checkLabels } from '../core/scheduling.js';
import { Stack } from '../core/stack.js';
import { ResourceFlavor as ResourceFlavorL1 } from '../imports/kueue.x-k8s.io.js';

/** Props of a {@link ResourceFlavor}. */
export interface ResourceFlavorProps {
  /** `metadata.name` (cluster-wide). @default - the construct id */
  readonly name?: string;
  /** GPU model of the flavor's nodes, as the environment's product label spells it; adds that node label. @default - none */
  readonly gpuProduct?: string;
  /** Further node labels of the flavor's nodes; Kueue adds them to admitted pods' node selectors. @default - none */
  readonly nodeLabels?: Readonly<Record<string, string>>;
}

const KEYS = propKeys<ResourceFlavorProps>()('name', 'gpuProduct', 'nodeLabels');

/**
 * A Kueue `ResourceFlavor` (kueue.x-k8s.io/v1beta2, cluster-scoped): a kind of node that
 * ClusterQueues hand out quota for, e.g. the nodes with a given GPU model.
 */
export class ResourceFlavor extends Construct {
  /** `metadata.name`. */
  public readonly name: string;
  /** The ResourceFlavor. */
  public readonly resourceFlavor: KubeObject;

  constructor(scope: Construct, id: string, props: ResourceFlavorProps = {}) {
    super(scope, id);
    const ctx = new ErrorContext(this.node.path);
    const stack = Stack.of(this);
    checkKnownKeys(ctx, '', props, KEYS);
    this.name = checkDnsLabel(ctx, props.name === undefined ? 'id' : 'name', props.name ?? id);
    const nodeLabels = props.nodeLabels === undefined ? {} : checkLabels(ctx, 'nodeLabels', props.nodeLabels);
    if (props.gpuProduct !== undefined) Object.assign(nodeLabels, resolveGpu(ctx, stack.env, 'gpuProduct', { count: 1, product: props.gpuProduct }).nodeSelector);
    this.resourceFlavor = KubeObject.create(this, 'resource-flavor', ResourceFlavorL1, {
      metadata: { name: this.name, labels: standardLabels({ name: this.name, partOf: stack.partOf, component: 'queue' }) },
      spec: Object.keys(nodeLabels).length ? { nodeLabels } : {},
    });
  }
}
