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
   * What the cluster must run for the pods to stay Pod Security "restricted": the mesh's CNI
   * plugin (Istio CNI, Linkerd CNI) or ambient mode, so no injected init container needs
   * NET_ADMIN. Shown in `network.md`.
   */
  readonly assumes: string;
}
