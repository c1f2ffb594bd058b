/**
 * Which service mesh a stack's workloads join, as data on the environment profile or the
 * Stack. Core only carries the choice; the mesh area (`Mesh.istio()`, `Mesh.linkerd()`)
 * builds it and turns it into objects at synth.
 */

/** A ServiceAccount identity outside the stack, e.g. the ingress controller's. */
export interface MeshIdentityRef {
  /** Namespace of the ServiceAccount. */
  readonly namespace: string;
  /** Name of the ServiceAccount. */
  readonly serviceAccount: string;
}

/** A shared Istio ingress gateway that WebServices' `ingress` goes through instead of an Ingress. */
export interface MeshIngressGateway {
  /** Namespace of the gateway's pods (where its TLS Secrets live). */
  readonly namespace: string;
  /** Labels of the gateway's pods, the `Gateway`'s `selector`. */
  readonly selector: Readonly<Record<string, string>>;
  /** ServiceAccount of the gateway's pods: the identity the workloads admit. */
  readonly serviceAccount: string;
}

/** Requests and limits of the proxy the mesh injects into every meshed pod, as Kubernetes quantities. */
export interface MeshProxyResources {
  /** What the proxy container requests. */
  readonly requests: { readonly cpu: string; readonly memory: string };
  /** The proxy container's limits. */
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/**
 * The pod annotations through which each mesh's injector takes the proxy's requests and
 * limits, by quota key. The mesh area writes them; the quota check reads them back and counts
 * the proxy as one more container of the pod.
 */
export const PROXY_RESOURCE_ANNOTATIONS = {
  istio: {
    'requests.cpu': 'sidecar.istio.io/proxyCPU',
    'limits.cpu': 'sidecar.istio.io/proxyCPULimit',
    'requests.memory': 'sidecar.istio.io/proxyMemory',
    'limits.memory': 'sidecar.istio.io/proxyMemoryLimit',
  },
  linkerd: {
    'requests.cpu': 'config.linkerd.io/proxy-cpu-request',
    'limits.cpu': 'config.linkerd.io/proxy-cpu-limit',
    'requests.memory': 'config.linkerd.io/proxy-memory-request',
    'limits.memory': 'config.linkerd.io/proxy-memory-limit',
  },
} as const;

/** The service mesh of a stack. Build it with `Mesh.istio()` or `Mesh.linkerd()`. */
export interface MeshProfile {
  /** The mesh. */
  readonly provider: 'istio' | 'linkerd';
  /** Istio's data plane: a sidecar proxy per pod, or ambient (ztunnel per node, no sidecar). Linkerd: always `sidecar`. */
  readonly mode: 'sidecar' | 'ambient';
  /** Istio control plane revision (`istio.io/rev`), when the cluster runs revisioned control planes. @default - the default revision */
  readonly revision?: string;
  /** Namespace of the mesh control plane (istiod, or Linkerd's identity, destination and policy controllers). */
  readonly controlPlaneNamespace: string;
  /** The mesh's trust domain, as it appears in identities. */
  readonly trustDomain: string;
  /** The ingress controller's identity: it runs in the mesh, and workloads with an `ingress` admit it. */
  readonly ingressController: MeshIdentityRef;
  /** Istio only: send `ingress` through this gateway (Istio `Gateway` + `VirtualService`) instead of an Ingress. @default - an Ingress for the ingress controller */
  readonly ingressGateway?: MeshIngressGateway;
  /**
   * Requests and limits of the injected proxy, written on every meshed pod template (sidecar
   * mode only: ambient mode injects no proxy).
   * @default - none in ambient mode
   */
  readonly proxyResources?: MeshProxyResources;
  /**
   * What the cluster must run for the pods to stay Pod Security "restricted": the mesh's CNI
   * plugin (Istio CNI, Linkerd CNI) or ambient mode, so no injected init container needs
   * NET_ADMIN. Shown in `network.md`.
   */
  readonly assumes: string;
}
