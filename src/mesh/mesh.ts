import { ErrorContext } from '../core/errors.js';
import type { MeshIdentityRef, MeshIngressGateway, MeshProfile } from '../core/mesh-profile.js';
import { checkDnsLabel } from '../core/names.js';
import { checkKnownKeys, propKeys } from '../core/props.js';
import { checkLabels } from '../core/scheduling.js';
import type { Workload } from '../core/workload.js';
import { proxyResources, type ProxyResourceOptions } from './proxy-resources.js';

/** Options of {@link Mesh.istio}. */
export interface IstioMeshOptions {
  /**
   * `sidecar`: an Envoy sidecar per pod, injected through the namespace label (the cluster runs
   * Istio CNI, so no `istio-init` container with NET_ADMIN). `ambient`: ztunnel on every node
   * and no sidecar (no L7 rules without a waypoint, so no canary, per-route rules or retries).
   * @default 'sidecar'
   */
  readonly mode?: 'sidecar' | 'ambient';
  /** Control plane revision: the namespace gets `istio.io/rev: <revision>` instead of `istio-injection: enabled`. @default - the default revision */
  readonly revision?: string;
  /** Namespace of istiod. @default 'istio-system' */
  readonly controlPlaneNamespace?: string;
  /** Trust domain of the mesh's identities (`<trustDomain>/ns/<ns>/sa/<sa>`). @default 'cluster.local' */
  readonly trustDomain?: string;
  /** ServiceAccount of the ingress controller, which runs in the mesh. @default { namespace: 'ingress-nginx', serviceAccount: 'ingress-nginx' } */
  readonly ingressController?: MeshIdentityRef;
  /**
   * Route every WebService's `ingress` through Istio's ingress gateway: an Istio `Gateway`
   * (HTTPS with the Ingress's TLS Secret, which must exist in the gateway's namespace, and a
   * redirect from HTTP) and a `VirtualService` instead of the Ingress. Each part defaults to
   * Istio's own install: namespace `istio-ingress`, selector `istio: ingressgateway`,
   * ServiceAccount `istio-ingressgateway`.
   * @default - an Ingress served by the (meshed) ingress controller
   */
  readonly ingressGateway?: Partial<MeshIngressGateway>;
  /**
   * Requests and limits of the injected Envoy sidecar, written on every meshed pod template as
   * `sidecar.istio.io/proxyCPU`, `proxyCPULimit`, `proxyMemory` and `proxyMemoryLimit` and
   * counted by the quota check. Sidecar mode only.
   * @default { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } }
   */
  readonly proxyResources?: ProxyResourceOptions;
}

/** Options of {@link Mesh.linkerd}. */
export interface LinkerdMeshOptions {
  /** Namespace of Linkerd's control plane (identity, destination, policy). @default 'linkerd' */
  readonly controlPlaneNamespace?: string;
  /** Trust domain of the mesh's identities (`<sa>.<ns>.serviceaccount.identity.linkerd.<trustDomain>`). @default 'cluster.local' */
  readonly trustDomain?: string;
  /** ServiceAccount of the ingress controller, which runs in the mesh. @default { namespace: 'ingress-nginx', serviceAccount: 'ingress-nginx' } */
  readonly ingressController?: MeshIdentityRef;
  /**
   * Requests and limits of the injected linkerd-proxy, written on every meshed pod template as
   * `config.linkerd.io/proxy-cpu-request`, `proxy-cpu-limit`, `proxy-memory-request` and
   * `proxy-memory-limit` and counted by the quota check.
   * @default { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } }
   */
  readonly proxyResources?: ProxyResourceOptions;
}

const ISTIO_KEYS = propKeys<IstioMeshOptions>()('mode', 'revision', 'controlPlaneNamespace', 'trustDomain', 'ingressController', 'ingressGateway', 'proxyResources');
const LINKERD_KEYS = propKeys<LinkerdMeshOptions>()('controlPlaneNamespace', 'trustDomain', 'ingressController', 'proxyResources');
const IDENTITY_KEYS = propKeys<MeshIdentityRef>()('namespace', 'serviceAccount');
const GATEWAY_KEYS = propKeys<MeshIngressGateway>()('namespace', 'selector', 'serviceAccount');
const EXCLUDED = 'keelson.dev/mesh-excluded';
const DEFAULT_INGRESS: MeshIdentityRef = Object.freeze({ namespace: 'ingress-nginx', serviceAccount: 'ingress-nginx' });
const DNS_SUBDOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/**
 * The service mesh a stack runs on, set on the environment profile
 * (`defineEnvironment(production, { name: 'prod', mesh: Mesh.istio() })`) or the Stack
 * (`mesh: Mesh.linkerd()`). The same connection graph then gives strict mTLS and the mesh's
 * identity-based authorization beside the NetworkPolicies; switching meshes is one line.
 */
export class Mesh {
  /** Istio, in sidecar (with Istio CNI) or ambient mode. */
  public static istio(options: IstioMeshOptions = {}): MeshProfile {
    const ctx = new ErrorContext('Mesh.istio');
    checkOptions(ctx, options, ISTIO_KEYS);
    const mode = options.mode ?? 'sidecar';
    ctx.check(mode === 'sidecar' || mode === 'ambient', 'mode', mode, 'must be "sidecar" or "ambient"');
    if (options.revision !== undefined) checkDnsLabel(ctx, 'revision', options.revision);
    ctx.check(!(mode === 'ambient' && options.revision !== undefined), 'revision', options.revision, 'applies to sidecar injection only', 'Leave revision out in ambient mode');
    ctx.check(!(mode === 'ambient' && options.proxyResources !== undefined), 'proxyResources', options.proxyResources, 'applies to sidecar injection only: ambient mode injects no proxy', 'Leave proxyResources out in ambient mode');
    return Object.freeze({
      provider: 'istio',
      mode,
      ...(options.revision ? { revision: options.revision } : {}),
      ...(mode === 'sidecar' ? { proxyResources: proxyResources(ctx, options.proxyResources) } : {}),
      ...(options.ingressGateway !== undefined ? { ingressGateway: ingressGateway(ctx, options.ingressGateway) } : {}),
      ...common(ctx, options, 'istio-system'),
      assumes:
        mode === 'ambient'
          ? 'Istio ambient mode (istio-cni and ztunnel on every node): pods get no sidecar and no init container, so Pod Security "restricted" holds.'
          : 'Istio CNI (the istio-cni node agent sets up traffic redirection): injected pods get no istio-init container with NET_ADMIN and NET_RAW, so Pod Security "restricted" holds.',
    });
  }

  /** Linkerd, with the linkerd-cni plugin. */
  public static linkerd(options: LinkerdMeshOptions = {}): MeshProfile {
    const ctx = new ErrorContext('Mesh.linkerd');
    checkOptions(ctx, options, LINKERD_KEYS);
    return Object.freeze({
      provider: 'linkerd',
      mode: 'sidecar',
      proxyResources: proxyResources(ctx, options.proxyResources),
      ...common(ctx, options, 'linkerd'),
      assumes: 'the linkerd-cni plugin (installed with cniEnabled=true): injected pods get no linkerd-init container with NET_ADMIN and NET_RAW, so Pod Security "restricted" holds.',
    });
  }

  /**
   * Keeps `workload`'s pods out of its stack's mesh (no proxy). Callers in the mesh still
   * reach it; its own calls to meshed workloads arrive without mTLS, so the targets accept
   * plain text on those ports and their NetworkPolicies alone decide who gets through.
   */
  public static exclude(workload: Workload, reason: string): void {
    const ctx = new ErrorContext(workload.node.path);
    ctx.check(typeof reason === 'string' && reason.trim().length > 0, 'Mesh.exclude(reason)', reason, 'is required', 'Say why the workload stays out of the mesh; reviewers read it in network.md');
    ctx.check(Mesh.exclusionOf(workload) === undefined, 'Mesh.exclude', reason, 'is already set for this workload');
    workload.node.addMetadata(EXCLUDED, reason);
  }

  /** Why `workload` stays out of the mesh, or undefined when it joins. */
  public static exclusionOf(workload: Workload): string | undefined {
    return workload.node.metadata.find((m) => m.type === EXCLUDED)?.data as string | undefined;
  }
}

function ingressGateway(ctx: ErrorContext, g: Partial<MeshIngressGateway>): MeshIngressGateway {
  ctx.check(g !== null && typeof g === 'object' && !Array.isArray(g), 'ingressGateway', g, 'must be { namespace?, selector?, serviceAccount? }');
  checkKnownKeys(ctx, 'ingressGateway', g, GATEWAY_KEYS);
  const serviceAccount = g.serviceAccount ?? 'istio-ingressgateway';
  ctx.check(typeof serviceAccount === 'string' && DNS_SUBDOMAIN.test(serviceAccount), 'ingressGateway.serviceAccount', serviceAccount, 'is not a ServiceAccount name');
  const selector = checkLabels(ctx, 'ingressGateway.selector', g.selector ?? { istio: 'ingressgateway' });
  ctx.check(Object.keys(selector).length > 0, 'ingressGateway.selector', selector, 'must name at least one label of the gateway pods');
  return Object.freeze({ namespace: checkDnsLabel(ctx, 'ingressGateway.namespace', g.namespace ?? 'istio-ingress'), selector: Object.freeze(selector), serviceAccount });
}

function checkOptions(ctx: ErrorContext, options: unknown, keys: readonly string[]): void {
  ctx.check(options !== null && typeof options === 'object' && !Array.isArray(options), 'options', options, 'must be an object');
  checkKnownKeys(ctx, '', options, keys);
}

function common(ctx: ErrorContext, options: IstioMeshOptions | LinkerdMeshOptions, controlPlane: string) {
  const trustDomain = options.trustDomain ?? 'cluster.local';
  ctx.check(typeof trustDomain === 'string' && DNS_SUBDOMAIN.test(trustDomain), 'trustDomain', trustDomain, 'is not a DNS name', 'Use the trust domain the mesh was installed with, e.g. "cluster.local"');
  const ingressController = options.ingressController ?? DEFAULT_INGRESS;
  checkKnownKeys(ctx, 'ingressController', ingressController, IDENTITY_KEYS);
  checkDnsLabel(ctx, 'ingressController.namespace', ingressController.namespace);
  ctx.check(typeof ingressController.serviceAccount === 'string' && DNS_SUBDOMAIN.test(ingressController.serviceAccount), 'ingressController.serviceAccount', ingressController.serviceAccount, 'is not a ServiceAccount name');
  return {
    controlPlaneNamespace: checkDnsLabel(ctx, 'controlPlaneNamespace', options.controlPlaneNamespace ?? controlPlane),
    trustDomain,
    ingressController: Object.freeze({ namespace: ingressController.namespace, serviceAccount: ingressController.serviceAccount }),
  };
}
