import { Construct } from 'constructs';
import { ErrorContext } from '../core/errors.js';
import { KubeObject } from '../core/kube-object.js';
import { standardLabels } from '../core/labels.js';
import { checkDnsLabel } from '../core/names.js';
import { checkKnownKeys, propKeys } from '../core/props.js';
import { parseCpu, parseMemory, type ByteQuantity, type CpuQuantity } from '../core/quantity.js';
import { Stack } from '../core/stack.js';
import { ClusterQueue as ClusterQueueL1, ClusterQueueSpecResourceGroupsFlavorsResourcesNominalQuota as Quota } from '../imports/kueue.x-k8s.io.js';
import { ResourceFlavor } from './resource-flavor.js';

/** The quota a ClusterQueue hands out on one flavor of nodes. */
export interface FlavorQuota {
  /** The flavor (a {@link ResourceFlavor}, or the name of one applied elsewhere). */
  readonly flavor: ResourceFlavor | string;
  /** CPU quota. @default 0 */
  readonly cpu?: CpuQuantity;
  /** Memory quota. @default 0 */
  readonly memory?: ByteQuantity;
  /** GPU quota (`nvidia.com/gpu`). @default 0 */
  readonly gpus?: number;
  /** Other extended resources, e.g. `{ 'nvidia.com/mig-1g.10gb': 14 }`. @default - none */
  readonly extended?: Readonly<Record<`${string}/${string}`, number>>;
}

/** Props of a {@link ClusterQueue}. */
export interface ClusterQueueProps {
  /** `metadata.name` (cluster-wide). @default - the construct id */
  readonly name?: string;
  /** Quotas, one per flavor, tried in order. Kueue needs every flavor to cover the same resources: a resource one quota leaves out gets 0 there. */
  readonly quotas: readonly FlavorQuota[];
  /** Cohort whose queues borrow each other's unused quota. @default - none */
  readonly cohort?: string;
  /** Namespaces whose LocalQueues may point at this queue. @default - every namespace */
  readonly namespaces?: readonly string[];
}

const quota = (v: string | number): Quota => (typeof v === 'number' ? Quota.fromNumber(v) : Quota.fromString(v));
const QUOTA_KEYS = propKeys<FlavorQuota>()('flavor', 'cpu', 'memory', 'gpus', 'extended');
const KEYS = propKeys<ClusterQueueProps>()('name', 'quotas', 'cohort', 'namespaces');

/**
 * A Kueue `ClusterQueue` (kueue.x-k8s.io/v1beta2, cluster-scoped): the quota of CPU,
 * memory and GPUs per flavor that the jobs of its LocalQueues are admitted against.
 */
export class ClusterQueue extends Construct {
  /** `metadata.name`. */
  public readonly name: string;
  /** The ClusterQueue. */
  public readonly clusterQueue: KubeObject;

  constructor(scope: Construct, id: string, props: ClusterQueueProps) {
    super(scope, id);
    const ctx = new ErrorContext(this.node.path);
    const stack = Stack.of(this);
    ctx.check(props !== null && typeof props === 'object', 'props', props, 'are required', 'Pass at least { quotas: [{ flavor, gpus }] }');
    checkKnownKeys(ctx, '', props, KEYS);
    this.name = checkDnsLabel(ctx, props.name === undefined ? 'id' : 'name', props.name ?? id);
    ctx.check(Array.isArray(props.quotas) && props.quotas.length > 0, 'quotas', props.quotas, 'must list at least one flavor quota', 'e.g. [{ flavor: gpuNodes, cpu: 64, memory: "512Gi", gpus: 16 }]');
    const rows = props.quotas.map((q, i) => {
      const f = `quotas[${i}]`;
      ctx.check(q !== null && typeof q === 'object', f, q, 'must be { flavor, cpu?, memory?, gpus?, extended? }');
      checkKnownKeys(ctx, f, q, QUOTA_KEYS);
      const flavor = q.flavor instanceof ResourceFlavor ? q.flavor.name : checkDnsLabel(ctx, `${f}.flavor`, q.flavor);
      const amounts: Record<string, string | number> = {};
      if (q.cpu !== undefined) amounts.cpu = parseCpu(ctx, `${f}.cpu`, q.cpu).text;
      if (q.memory !== undefined) amounts.memory = parseMemory(ctx, `${f}.memory`, q.memory).text;
      const whole = (field: string, v: unknown) => ctx.check(typeof v === 'number' && Number.isInteger(v) && v >= 0, field, v, 'must be a whole number of at least 0');
      if (q.gpus !== undefined) {
        whole(`${f}.gpus`, q.gpus);
        amounts['nvidia.com/gpu'] = q.gpus;
      }
      for (const [name, v] of Object.entries(q.extended ?? {})) {
        ctx.check(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name), `${f}.extended`, name, 'is not an extended resource name (domain/name)');
        whole(`${f}.extended.${name}`, v);
        amounts[name] = v;
      }
      ctx.check(Object.keys(amounts).length > 0, f, q, 'sets no quota', 'Set cpu, memory, gpus or extended');
      return { field: f, flavor, amounts };
    });
    const seen = new Set<string>();
    for (const r of rows) {
      ctx.check(!seen.has(r.flavor), `${r.field}.flavor`, r.flavor, 'is listed twice');
      seen.add(r.flavor);
    }
    const order = ['cpu', 'memory'];
    const covered = [...new Set(rows.flatMap((r) => Object.keys(r.amounts)))].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || (a < b ? -1 : 1));
    if (props.cohort !== undefined) checkDnsLabel(ctx, 'cohort', props.cohort);
    if (props.namespaces !== undefined) {
      ctx.check(Array.isArray(props.namespaces) && props.namespaces.length > 0, 'namespaces', props.namespaces, 'must list at least one namespace (leave it out for every namespace)');
      props.namespaces.forEach((n, i) => checkDnsLabel(ctx, `namespaces[${i}]`, n));
    }
    this.clusterQueue = KubeObject.create(this, 'cluster-queue', ClusterQueueL1, {
      metadata: { name: this.name, labels: standardLabels({ name: this.name, partOf: stack.partOf, component: 'queue' }) },
      spec: {
        ...(props.cohort !== undefined ? { cohortName: props.cohort } : {}),
        namespaceSelector: props.namespaces ? { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...props.namespaces] }] } : {},
        resourceGroups: [{
          coveredResources: covered,
          flavors: rows.map((r) => ({ name: r.flavor, resources: covered.map((name) => ({ name, nominalQuota: quota(r.amounts[name] ?? 0) })) })),
        }],
      },
    });
  }
}
