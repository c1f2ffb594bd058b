import type { ErrorContext } from '../core/errors.js';
import type { MeshProxyResources } from '../core/mesh-profile.js';
import { checkKnownKeys, checkObject, propKeys } from '../core/props.js';
import { parseCpu, parseMemory, type ByteQuantity, type CpuQuantity } from '../core/quantity.js';

/** CPU and memory of the injected proxy, either part left out keeps its default. */
export interface ProxyAmounts {
  /** CPU, e.g. `"100m"` or `"0.5"`. @default - the default of {@link ProxyResourceOptions} */
  readonly cpu?: CpuQuantity;
  /** Memory, e.g. `"128Mi"`. @default - the default of {@link ProxyResourceOptions} */
  readonly memory?: ByteQuantity;
}

/**
 * Requests and limits of the proxy a mesh injects into each meshed pod. Written as pod
 * annotations, so the pods' resources (and the namespace's quota) do not depend on the mesh
 * install's own defaults (Istio's is a 2 CPU / 1Gi limit per proxy).
 */
export interface ProxyResourceOptions {
  /** What each proxy requests. @default { cpu: '100m', memory: '128Mi' } */
  readonly requests?: ProxyAmounts;
  /** Each proxy's limits; not below the requests. @default { cpu: '500m', memory: '256Mi' } */
  readonly limits?: ProxyAmounts;
}

/** The proxy resources of a mesh profile when none are given. */
export const DEFAULT_PROXY_RESOURCES: MeshProxyResources = Object.freeze({
  requests: Object.freeze({ cpu: '100m', memory: '128Mi' }),
  limits: Object.freeze({ cpu: '500m', memory: '256Mi' }),
});

const OPTION_KEYS = propKeys<ProxyResourceOptions>()('requests', 'limits');
const AMOUNT_KEYS = propKeys<ProxyAmounts>()('cpu', 'memory');

/** Checks `options` (field `proxyResources`) and fills in the defaults: quantities, and no limit below its request. */
export function proxyResources(ctx: ErrorContext, options: ProxyResourceOptions | undefined): MeshProxyResources {
  const field = 'proxyResources';
  checkObject(ctx, field, options);
  checkKnownKeys(ctx, field, options, OPTION_KEYS);
  const amounts = (side: 'requests' | 'limits') => {
    const given = options?.[side];
    checkObject(ctx, `${field}.${side}`, given);
    checkKnownKeys(ctx, `${field}.${side}`, given, AMOUNT_KEYS);
    const d = DEFAULT_PROXY_RESOURCES[side];
    return {
      cpu: parseCpu(ctx, `${field}.${side}.cpu`, given?.cpu ?? d.cpu),
      memory: parseMemory(ctx, `${field}.${side}.memory`, given?.memory ?? d.memory),
    };
  };
  const requests = amounts('requests');
  const limits = amounts('limits');
  for (const r of ['cpu', 'memory'] as const) {
    ctx.check(
      limits[r].amount >= requests[r].amount,
      `${field}.limits.${r}`,
      limits[r].text,
      `is below the proxy's request ${JSON.stringify(requests[r].text)}: the API server refuses a container whose limit is below its request`,
      `Raise proxyResources.limits.${r}, or lower proxyResources.requests.${r}`,
    );
  }
  return Object.freeze({
    requests: Object.freeze({ cpu: requests.cpu.text, memory: requests.memory.text }),
    limits: Object.freeze({ cpu: limits.cpu.text, memory: limits.memory.text }),
  });
}
