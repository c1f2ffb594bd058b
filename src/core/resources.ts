import { k8s } from 'cdk8s-plus-28';
import { SIZES, SIZE_NAMES, type SizeName } from './sizes.js';
import type { EnvironmentProfile } from './environment.js';
import { ErrorContext } from './errors.js';
import { parseCpu, parseMemory, type CpuQuantity, type ByteQuantity } from './quantity.js';

/** CPU and memory amounts for requests or limits. */
export interface ResourceAmounts {
  /** CPU: cores (`"0.5"`, `2`) or millicores (`"250m"`). @default - from the size preset */
  readonly cpu?: CpuQuantity;
  /** Memory with a Kubernetes suffix (`"512Mi"`, `"2Gi"`). @default - from the size preset */
  readonly memory?: ByteQuantity;
}

/** Explicit resources; each field overrides the size preset's. */
export interface ResourceProps {
  /** What the scheduler reserves. @default - from the size preset */
  readonly requests?: ResourceAmounts;
  /** The most the container may use. @default - from the size preset */
  readonly limits?: ResourceAmounts;
}

/**
 * Resolves a container's resources: the size preset (shifted by the environment's
 * `sizeShift`), overridden field by field by explicit requests and limits.
 * Requests may not exceed limits.
 */
export function resolveResources(
  ctx: ErrorContext,
  env: EnvironmentProfile,
  size: SizeName | undefined,
  explicit: ResourceProps | undefined,
): k8s.ResourceRequirements {
  const chosen = size ?? env.defaultSize;
  const index = SIZE_NAMES.indexOf(chosen);
  if (index < 0) throw ctx.error('size', size, `is not a size preset (${SIZE_NAMES.join(', ')})`);
  const shifted = SIZE_NAMES[Math.min(SIZE_NAMES.length - 1, Math.max(0, index + env.sizeShift))]!;
  const preset = SIZES[shifted];
  const reqCpu = parseCpu(ctx, 'resources.requests.cpu', explicit?.requests?.cpu ?? preset.requests.cpu);
  const reqMem = parseMemory(ctx, 'resources.requests.memory', explicit?.requests?.memory ?? preset.requests.memory);
  const limCpu = parseCpu(ctx, 'resources.limits.cpu', explicit?.limits?.cpu ?? maxOf(preset.limits.cpu, explicit?.requests?.cpu, parseCpu, ctx));
  const limMem = parseMemory(ctx, 'resources.limits.memory', explicit?.limits?.memory ?? maxOf(preset.limits.memory, explicit?.requests?.memory, parseMemory, ctx));
  ctx.check(reqCpu.amount <= limCpu.amount, 'resources.requests.cpu', reqCpu.text, `exceeds the CPU limit ${limCpu.text}`, 'Raise limits.cpu or lower requests.cpu');
  ctx.check(reqMem.amount <= limMem.amount, 'resources.requests.memory', reqMem.text, `exceeds the memory limit ${limMem.text}`, 'Raise limits.memory or lower requests.memory');
  return {
    requests: {
      'cpu': k8s.Quantity.fromString(reqCpu.text),
      'ephemeral-storage': k8s.Quantity.fromString(preset.requests.ephemeralStorage),
      'memory': k8s.Quantity.fromString(reqMem.text),
    },
    limits: {
      'cpu': k8s.Quantity.fromString(limCpu.text),
      'ephemeral-storage': k8s.Quantity.fromString(preset.limits.ephemeralStorage),
      'memory': k8s.Quantity.fromString(limMem.text),
    },
  };
}

/** The preset limit, or the explicit request when that is larger (so a raised request never breaks the limit). */
function maxOf<T extends string | number>(
  presetLimit: string,
  request: T | undefined,
  parse: (ctx: ErrorContext, field: string, value: unknown) => { text: string; amount: number },
  ctx: ErrorContext,
): string {
  if (request === undefined) return presetLimit;
  const req = parse(ctx, 'resources.requests', request);
  return req.amount > parse(ctx, 'resources.limits', presetLimit).amount ? req.text : presetLimit;
}
