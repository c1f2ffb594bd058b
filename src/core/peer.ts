import { ErrorContext } from './errors.js';
import { checkKnownKeys, checkObject, propKeys } from './props.js';
/** Options of {@link Peer.cidr}. */
export interface CidrPeerOptions {
  /** Blocks inside the CIDR that stay unreachable, each a strict subset of it. @default - none */
  readonly except?: readonly string[];
}

/** Requests a connection allows, for a service mesh that authorizes per route. */
export interface HttpRule {
  /** HTTP methods, e.g. `['GET', 'HEAD']`. @default - every method */
  readonly methods?: readonly string[];
  /** Paths: exact (`/orders`) or a prefix ending in `/*` (`/orders/*`). @default - every path */
  readonly paths?: readonly string[];
}

/** Options of `allowFrom` and `allowTo`. */
export interface ConnectionOptions {
  /**
   * The one port the connection may use. When the target is a workload: one of its
   * declared ports, by name (`'http'`), Service port (`80`) or container port (`8080`).
   * When the target is a namespace, the ingress controller, monitoring or a CIDR block:
   * a port number or a named container port.
   * @default - every port the target workload declares; any port for other targets
   */
  readonly port?: number | string;
  /**
   * Protocol of `port`. For a workload target it narrows the declared ports it matches.
   * @default - the protocol of the target workload's port; 'TCP' for other targets
   */
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
  /**
   * Only these HTTP requests, where the stack runs a service mesh (Istio `to.operation`,
   * Linkerd `HTTPRoute` with a route-level AuthorizationPolicy). NetworkPolicies cannot see
   * requests: they still admit the whole port.
   * @default - every request on the allowed ports
   */
  readonly http?: HttpRule;
}

/** What a {@link Peer} stands for. */
export type PeerKind = 'namespace' | 'ingress-controller' | 'monitoring' | 'cidr' | 'external';

/**
 * A peer that is not a Keelson workload: a whole namespace, the ingress controller,
 * Prometheus, or a CIDR block outside the cluster. Pass it to `allowFrom` / `allowTo`:
 * `api.allowTo(Peer.cidr('10.20.0.0/16'), { port: 443 })`.
 */
export class Peer {
  /** Every pod in the namespace `name`. */
  public static namespace(name: string): Peer {
    return new Peer('namespace', name);
  }

  /** The ingress controller's pods: the environment's `networkPolicies.ingressControllerNamespace`. */
  public static ingressController(): Peer {
    return new Peer('ingress-controller');
  }

  /** Prometheus, so it can scrape: the environment's `networkPolicies.monitoringNamespace`. */
  public static monitoring(): Peer {
    return new Peer('monitoring');
  }

  /** Addresses in `cidr` (IPv4 or IPv6, e.g. `'10.0.0.0/8'`), minus the blocks in `except`. */
  public static cidr(cidr: string, options: CidrPeerOptions = {}): Peer {
    const ctx = new ErrorContext(`Peer.cidr(${JSON.stringify(cidr)})`);
    checkObject(ctx, 'options', options, false);
    checkKnownKeys(ctx, 'options', options, propKeys<CidrPeerOptions>()('except'));
    if (options.except !== undefined) ctx.check(Array.isArray(options.except), 'options.except', options.except, 'must be a list of CIDR blocks');
    return new Peer('cidr', cidr, options.except ?? []);
  }

  /**
   * A service outside the cluster by host name, e.g. `Peer.external('api.stripe.com', 443)`,
   * for `allowTo`. The NetworkPolicy cannot name hosts: it allows `port` to every address
   * outside the private ranges (10/8, 172.16/12, 192.168/16), so no in-cluster pod is reached
   * through it; a service mesh also registers the host (Istio `ServiceEntry`).
   */
  public static external(host: string, port: number): Peer {
    return new Peer('external', host, [], port);
  }

  private constructor(
    /** What the peer stands for. */
    public readonly kind: PeerKind,
    /** The namespace name (`namespace`), the CIDR block (`cidr`) or the host name (`external`); unset for the others. */
    public readonly value?: string,
    /** Blocks excluded from a CIDR peer. */
    public readonly except: readonly string[] = [],
    /** The port of an `external` peer. */
    public readonly port?: number,
  ) {}
}
