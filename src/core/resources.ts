import { k8s } from 'cdk8s-plus-28';
import { SIZES, SIZE_NAMES, type SizeName } from './sizes.js';
import type { EnvironmentProfile } from './environment.js';
import { ErrorContext } from './errors.js';
import { sharedConstant } from './l1-json.js';
import { checkKnownKeys, propKeys } from './props.js';
import { parseCpu, parseMemory, parseStorage, type ByteQuantity, type CpuQuantity, type Quantity } from './quantity.js';

/** A domain-qualified extended resource name, e.g. `nvidia.com/gpu` or `nvidia.com/mig-1g.10gb`. */
export type ExtendedResourceName = `${string}/${string}`;

/**
 * Amounts for requests or limits. `null` leaves the field out instead of taking the size
 * preset's value (e.g. `limits: { cpu: null }` for no CPU limit).
 */
export interface ResourceAmounts {
  /** CPU: cores (`"0.5"`, `2`) or millicores (`"250m"`). @default - from the size preset */
  readonly cpu?: CpuQuantity | null;
  /** Memory with a Kubernetes suffix (`"512Mi"`, `"2Gi"`). @default - from the size preset */
  readonly memory?: ByteQuantity | null;
  /** Scratch disk (logs, emptyDirs on disk, the writable layer). @default - from the size preset */
  readonly ephemeralStorage?: ByteQuantity | null;
  /** Extended resources, whole numbers, e.g. `'nvidia.com/gpu': 1`. Kubernetes requires requests = limits for them. @default - none */
  readonly [extended: ExtendedResourceName]: number | undefined;
}

/** Explicit resources; each field overrides the size preset's. */
export interface ResourceProps {
  /** What the scheduler reserves. @default - from the size preset */
  readonly requests?: ResourceAmounts;
  /** The most the container may use. @default - from the size preset */
  readonly limits?: ResourceAmounts;
  /** Extended resources requested and limited alike, e.g. `{ 'nvidia.com/gpu': 1 }`. @default - none */
  readonly extended?: Readonly<Record<ExtendedResourceName, number>>;
}

/** The named keys of {@link ResourceAmounts}; the others are extended resources (`domain/name`). */
const BASE = propKeys<Omit<ResourceAmounts, ExtendedResourceName>>()('cpu', 'memory', 'ephemeralStorage');
const EXTENDED = /^(?!kubernetes\.io\/|requests\.)[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** The size preset a workload runs as, after the environment's `sizeShift`. */
export function presetOf(ctx: ErrorContext, env: EnvironmentProfile, size: SizeName | undefined): (typeof SIZES)[SizeName] {
  const chosen = size ?? env.defaultSize;
  const index = SIZE_NAMES.indexOf(chosen);
  if (index < 0) throw ctx.error('size', size, `is not a size preset (${SIZE_NAMES.join(', ')})`);
  return SIZES[SIZE_NAMES[Math.min(SIZE_NAMES.length - 1, Math.max(0, index + env.sizeShift))]!];
}

/**
 * Resolves a container's resources: the size preset (shifted by the environment's
 * `sizeShift`), overridden field by field by explicit requests and limits (`null` leaves
 * a field out). Requests may not exceed limits; extended resources need requests = limits.
 * `field` prefixes error fields (e.g. `sidecars[0].resources`).
 */
export function resolveResources(
  ctx: ErrorContext,
  env: EnvironmentProfile,
  size: SizeName | undefined,
  explicit: ResourceProps | undefined,
  field = 'resources',
): k8s.ResourceRequirements {
  const preset = presetOf(ctx, env, size);
  if (explicit !== undefined) {
    ctx.check(explicit !== null && typeof explicit === 'object', field, explicit, 'must be { requests?, limits?, extended? }');
    checkKnownKeys(ctx, field, explicit, propKeys<ResourceProps>()('requests', 'limits', 'extended'));
  }
  for (const side of ['requests', 'limits'] as const) {
    const amounts = explicit?.[side];
    if (amounts === undefined) continue;
    ctx.check(amounts !== null && typeof amounts === 'object', `${field}.${side}`, amounts, 'must be an object like { cpu: "500m", memory: "512Mi" }');
    for (const key of Object.keys(amounts)) {
      if ((BASE as readonly string[]).includes(key)) continue;
      if (!key.includes('/')) checkKnownKeys(ctx, `${field}.${side}`, { [key]: (amounts as any)[key] }, BASE);
      ctx.check(EXTENDED.test(key), `${field}.${side}`, key, 'is not a valid extended resource name (domain/name, e.g. "nvidia.com/gpu")');
    }
  }
  const parsers = { cpu: parseCpu, memory: parseMemory, ephemeralStorage: parseStorage } as const;
  const presetValue = { requests: preset.requests, limits: preset.limits };
  const amount = (side: 'requests' | 'limits', key: (typeof BASE)[number]): Quantity | undefined => {
    const given = explicit?.[side]?.[key];
    if (given === null) return undefined;
    const f = `${field}.${side}.${key}`;
    if (given !== undefined) return parsers[key](ctx, f, given);
    if (side === 'limits') {
      // A raised request lifts the preset's limit with it, so the request never breaks the limit.
      const req = explicit?.requests?.[key];
      const limit = parsers[key](ctx, f, presetValue.limits[key]);
      if (req !== undefined && req !== null) {
        const r = parsers[key](ctx, `${field}.requests.${key}`, req);
        return r.amount > limit.amount ? r : limit;
      }
      return limit;
    }
    return parsers[key](ctx, f, presetValue.requests[key]);
  };
  const requests: Record<string, k8s.Quantity> = {};
  const limits: Record<string, k8s.Quantity> = {};
  const NAMES = { cpu: 'cpu', memory: 'memory', ephemeralStorage: 'ephemeral-storage' } as const;
  for (const key of BASE) {
    const req = amount('requests', key);
    const lim = amount('limits', key);
    if (req && lim) {
      ctx.check(req.amount <= lim.amount, `${field}.requests.${key}`, req.text, `exceeds the ${NAMES[key]} limit ${lim.text}`, `Raise limits.${key} or lower requests.${key}`);
    }
    if (req) requests[NAMES[key]] = k8s.Quantity.fromString(req.text);
    if (lim) limits[NAMES[key]] = k8s.Quantity.fromString(lim.text);
  }
  const extended = new Map<string, { requests?: number; limits?: number; field: string }>();
  const note = (name: string, side: 'requests' | 'limits', value: unknown, f: string) => {
    ctx.check(EXTENDED.test(name), f, name, 'is not a valid extended resource name (domain/name, e.g. "nvidia.com/gpu")');
    ctx.check(typeof value === 'number' && Number.isInteger(value) && value >= 1, `${f}.${name}`, value, 'must be a whole number of at least 1', 'Extended resources such as GPUs cannot be shared by fractions');
    const e = extended.get(name) ?? { field: f };
    const before = e[side];
    ctx.check(before === undefined || before === value, `${f}.${name}`, value, `contradicts ${before} set elsewhere for ${name}`);
    e[side] = value as number;
    extended.set(name, e);
  };
  for (const [name, value] of Object.entries(explicit?.extended ?? {})) {
    note(name, 'requests', value, `${field}.extended`);
    note(name, 'limits', value, `${field}.extended`);
  }
  for (const side of ['requests', 'limits'] as const) {
    for (const [name, value] of Object.entries(explicit?.[side] ?? {})) if (name.includes('/') && value !== undefined) note(name, side, value, `${field}.${side}`);
  }
  for (const [name, e] of [...extended].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (e.limits === undefined) {
      throw ctx.error(`${field}.requests.${name}`, e.requests, 'is requested without a limit', `Kubernetes needs requests = limits for extended resources: set limits["${name}"] too, or use extended: { "${name}": ${e.requests} }`);
    }
    if (e.requests !== undefined && e.requests !== e.limits) {
      throw ctx.error(`${field}.requests.${name}`, e.requests, `differs from its limit ${e.limits}`, 'Kubernetes cannot overcommit extended resources: make requests equal limits');
    }
    requests[name] = k8s.Quantity.fromNumber(e.limits);
    limits[name] = k8s.Quantity.fromNumber(e.limits);
  }
  const values = (map: Record<string, k8s.Quantity>) => Object.entries(sortKeys(map)).map(([k, q]) => [k, q.value]);
  // Most workloads take a size preset as it is: equal requirements share one frozen rendering.
  return sharedConstant(`resources|${JSON.stringify([values(requests), values(limits)])}`, () => ({
    ...(Object.keys(requests).length ? { requests: sortKeys(requests) } : {}),
    ...(Object.keys(limits).length ? { limits: sortKeys(limits) } : {}),
  }));
}

function sortKeys<T>(map: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(map).sort().map((k) => [k, map[k]!]));
}
