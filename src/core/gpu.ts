import type { k8s } from 'cdk8s-plus-28';
import { GPU_CLUSTER_KEYS, GPU_TIME_SLICING_KEYS, type EnvironmentProfile, type GpuClusterProfile } from './environment.js';
import { ErrorContext } from './errors.js';
import { isDnsSubdomain, isLabelValue } from './names.js';
import { checkKnownKeys, editDistance, propKeys } from './props.js';
import { parseMemory, type ByteQuantity } from './quantity.js';
import { isLabelKey } from './scheduling.js';

/** GPUs for a workload's main container: `gpu: { count: 4, product: 'NVIDIA-H100-80GB-HBM3' }`. */
export interface GpuProps {
  /** GPUs (or MIG slices of `mig`) per pod, requested and limited alike. */
  readonly count: number;
  /**
   * GPU model the pods need, as the cluster's product label spells it (GPU Feature
   * Discovery: `NVIDIA-L4`, `NVIDIA-A100-SXM4-80GB`; GKE: `nvidia-l4`). Adds a node selector.
   * @default - any GPU model
   */
  readonly product?: string;
  /** MIG profile, e.g. `1g.10gb`, on clusters whose MIG strategy is `single` or `mixed`. @default - whole GPUs */
  readonly mig?: string;
  /** Size of the memory-backed `/dev/shm` (NCCL and PyTorch data loaders need more than the runtime's 64Mi). It counts against the memory limit. @default - 1Gi per GPU */
  readonly shm?: ByteQuantity;
  /** RuntimeClass that exposes the GPUs to the container, e.g. `nvidia`. @default - the environment's `gpu.runtimeClassName`, else the cluster's default runtime */
  readonly runtimeClassName?: string;
}

/** What a GPU request turns into in the pod. */
export interface ResolvedGpu {
  /** GPUs (or slices) per pod. */
  readonly count: number;
  /** The extended resource, e.g. `nvidia.com/gpu` or `nvidia.com/mig-1g.10gb`. */
  readonly resource: `${string}/${string}`;
  /** Node selector entries (the product label), when a product is named. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** The toleration of the GPU nodes' taint, when they are tainted. */
  readonly toleration?: k8s.Toleration;
  /** Size of `/dev/shm`. */
  readonly shm: string;
  /** RuntimeClass of the pods, when one is set. */
  readonly runtimeClassName?: string;
}

const GPU_KEYS = propKeys<GpuProps>()('count', 'product', 'mig', 'shm', 'runtimeClassName');

/** GPU Feature Discovery's product label. */
export const GFD_PRODUCT_LABEL = 'nvidia.com/gpu.product';
/** GKE's accelerator label. */
export const GKE_ACCELERATOR_LABEL = 'cloud.google.com/gke-accelerator';

/** Product names GPU Feature Discovery writes (the driver's name with spaces as dashes). */
export const GFD_PRODUCTS: readonly string[] = [
  'Tesla-T4', 'Tesla-V100-SXM2-16GB', 'Tesla-V100-SXM2-32GB', 'Tesla-V100-PCIE-16GB', 'Tesla-V100-PCIE-32GB',
  'NVIDIA-A10', 'NVIDIA-A10G', 'NVIDIA-A30', 'NVIDIA-A40', 'NVIDIA-A100-SXM4-40GB', 'NVIDIA-A100-SXM4-80GB', 'NVIDIA-A100-PCIE-40GB', 'NVIDIA-A100-80GB-PCIe',
  'NVIDIA-L4', 'NVIDIA-L40', 'NVIDIA-L40S', 'NVIDIA-H100-80GB-HBM3', 'NVIDIA-H100-PCIe', 'NVIDIA-H100-NVL', 'NVIDIA-H200', 'NVIDIA-H20', 'NVIDIA-B200', 'NVIDIA-GH200-480GB',
];

/** Accelerator names GKE labels its GPU nodes with. */
export const GKE_ACCELERATORS: readonly string[] = [
  'nvidia-tesla-t4', 'nvidia-tesla-v100', 'nvidia-tesla-p100', 'nvidia-tesla-p4', 'nvidia-l4', 'nvidia-tesla-a100', 'nvidia-a100-80gb', 'nvidia-h100-80gb', 'nvidia-h100-mega-80gb', 'nvidia-h200-141gb', 'nvidia-b200',
];

/** MIG profiles of the A30, A100 (40 and 80 GB), H100 (80, 94 and 96 GB) and H200. */
export const MIG_PROFILES: readonly string[] = [
  '1g.6gb', '1g.6gb+me', '2g.12gb', '2g.12gb+me', '4g.24gb',
  '1g.5gb', '1g.5gb+me', '1g.10gb', '2g.10gb', '3g.20gb', '4g.20gb', '7g.40gb',
  '1g.10gb+me', '1g.20gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb',
  '1g.12gb', '1g.12gb+me', '1g.24gb', '2g.24gb', '3g.47gb', '4g.47gb', '7g.94gb',
  '1g.24gb+me', '1g.48gb', '2g.48gb', '3g.96gb', '4g.96gb', '7g.96gb',
  '1g.18gb', '1g.18gb+me', '1g.35gb', '2g.35gb', '3g.71gb', '4g.71gb', '7g.141gb',
];

/** The environment's GPU conventions with defaults filled in, checked. */
export function gpuCluster(env: EnvironmentProfile): Required<Omit<GpuClusterProfile, 'timeSlicing' | 'runtimeClassName' | 'taintKey' | 'products'>> & Pick<GpuClusterProfile, 'timeSlicing' | 'runtimeClassName' | 'products'> & { readonly taintKey: string | null } {
  const g = env.gpu ?? {};
  const ctx = new ErrorContext(`environment ${env.name}`);
  checkKnownKeys(ctx, 'gpu', g, GPU_CLUSTER_KEYS);
  const productLabel = g.productLabel ?? GFD_PRODUCT_LABEL;
  ctx.check(isLabelKey(productLabel), 'gpu.productLabel', productLabel, 'is not a valid label key');
  const taintKey = g.taintKey === undefined ? 'nvidia.com/gpu' : g.taintKey;
  if (taintKey !== null) ctx.check(typeof taintKey === 'string' && isLabelKey(taintKey), 'gpu.taintKey', taintKey, 'is not a valid taint key');
  const migStrategy = g.migStrategy ?? 'none';
  ctx.check(['none', 'single', 'mixed'].includes(migStrategy), 'gpu.migStrategy', migStrategy, 'must be "none", "single" or "mixed"');
  const gpusPerNode = g.gpusPerNode ?? 8;
  ctx.check(Number.isInteger(gpusPerNode) && gpusPerNode >= 1, 'gpu.gpusPerNode', gpusPerNode, 'must be a whole number of at least 1');
  if (g.timeSlicing !== undefined) {
    checkKnownKeys(ctx, 'gpu.timeSlicing', g.timeSlicing, GPU_TIME_SLICING_KEYS);
    ctx.check(Number.isInteger(g.timeSlicing.replicas) && g.timeSlicing.replicas >= 2, 'gpu.timeSlicing.replicas', g.timeSlicing.replicas, 'must be a whole number of at least 2 (pods per GPU)');
  }
  const products = g.products ?? (productLabel === GKE_ACCELERATOR_LABEL ? GKE_ACCELERATORS : productLabel === GFD_PRODUCT_LABEL ? GFD_PRODUCTS : undefined);
  return { productLabel, taintKey, migStrategy, gpusPerNode, ...(products ? { products } : {}), ...(g.timeSlicing ? { timeSlicing: g.timeSlicing } : {}), ...(g.runtimeClassName ? { runtimeClassName: g.runtimeClassName } : {}) };
}

/** The closest name of `known` to `name`, as a "did you mean" hint. */
function nearestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(3, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * Checks a GPU request against the environment's cluster and turns it into the extended
 * resource, node selector, toleration, `/dev/shm` size and runtime class of the pod.
 */
export function resolveGpu(ctx: ErrorContext, env: EnvironmentProfile, field: string, props: GpuProps): ResolvedGpu {
  ctx.check(props !== null && typeof props === 'object' && !Array.isArray(props), field, props, 'must be { count, product?, mig?, shm?, runtimeClassName? }');
  checkKnownKeys(ctx, field, props, GPU_KEYS);
  const cluster = gpuCluster(env);
  const { count } = props;
  ctx.check(typeof count === 'number' && Number.isInteger(count) && count >= 1, `${field}.count`, count, 'must be a whole number of at least 1', 'Name the GPUs (or MIG slices) each pod needs');
  let resource: `${string}/${string}` = cluster.timeSlicing?.renameByDefault ? 'nvidia.com/gpu.shared' : 'nvidia.com/gpu';
  let productValue = props.product;
  if (props.product !== undefined) {
    ctx.check(typeof props.product === 'string', `${field}.product`, props.product, 'must be a product name');
    ctx.check(isLabelValue(props.product), `${field}.product`, props.product, 'is not a valid label value');
    if (cluster.products && !cluster.products.includes(props.product)) {
      const near = nearestName(props.product, cluster.products);
      throw ctx.error(`${field}.product`, props.product, `is not a GPU product the cluster's nodes carry in ${cluster.productLabel}`, near ? `Did you mean "${near}"?` : `Known: ${cluster.products.join(', ')} (or list yours in the environment's gpu.products)`);
    }
  }
  if (props.mig !== undefined) {
    ctx.check(cluster.migStrategy !== 'none', `${field}.mig`, props.mig, `needs a cluster that exposes MIG slices, but environment ${env.name} has gpu.migStrategy "none"`, 'Set gpu.migStrategy to "single" or "mixed" in the environment, or ask for whole GPUs');
    if (typeof props.mig !== 'string' || !MIG_PROFILES.includes(props.mig)) {
      const near = typeof props.mig === 'string' ? nearestName(props.mig.replace(/^(nvidia\.com\/)?mig-/, ''), MIG_PROFILES) : undefined;
      throw ctx.error(`${field}.mig`, props.mig, 'is not a MIG profile (<compute>g.<memory>gb, e.g. "1g.10gb", "3g.40gb")', near ? `Did you mean "${near}"?` : 'See the MIG profiles of your GPU model');
    }
    ctx.check(cluster.timeSlicing === undefined, `${field}.mig`, props.mig, 'cannot be combined with the cluster\'s time-slicing in this profile');
    if (cluster.migStrategy === 'mixed') resource = `nvidia.com/mig-${props.mig}`;
    else if (props.product !== undefined) productValue = `${props.product}-MIG-${props.mig}`;
  } else {
    const perNode = cluster.gpusPerNode * (cluster.timeSlicing?.replicas ?? 1);
    ctx.check(count <= perNode, `${field}.count`, count, `exceeds the ${perNode} GPUs a node of environment ${env.name} has (gpu.gpusPerNode)`, 'Use fewer GPUs per pod and more pods (nodes), or raise gpusPerNode if the nodes have more');
    if (cluster.timeSlicing && !cluster.timeSlicing.renameByDefault && productValue !== undefined) productValue = `${productValue}-SHARED`;
  }
  const shm = props.shm ?? `${count}Gi`;
  parseMemory(ctx, `${field}.shm`, shm);
  const runtimeClassName = props.runtimeClassName ?? cluster.runtimeClassName;
  if (runtimeClassName !== undefined) ctx.check(typeof runtimeClassName === 'string' && isDnsSubdomain(runtimeClassName), `${field}.runtimeClassName`, runtimeClassName, 'is not a valid RuntimeClass name');
  return {
    count,
    resource,
    nodeSelector: productValue !== undefined ? { [cluster.productLabel]: productValue } : {},
    ...(cluster.taintKey !== null ? { toleration: { key: cluster.taintKey, operator: 'Exists', effect: 'NoSchedule' } } : {}),
    shm: String(shm),
    ...(runtimeClassName !== undefined ? { runtimeClassName } : {}),
  };
}
