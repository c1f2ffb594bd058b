import type { Workload } from '../core/workload.js';

/** Where kube-dns runs and how its pods are labelled (the same on kubeadm, EKS, GKE and AKS). */
export const KUBE_DNS = { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } } as const;

/** The label every namespace carries with its own name (Kubernetes 1.21+). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** One end of a {@link Route}. */
export type Endpoint =
  | { readonly kind: 'workload'; readonly workload: Workload }
  | { readonly kind: 'namespace'; readonly namespace: string; readonly role?: 'ingress controller' | 'monitoring' | 'mesh control plane' }
  | { readonly kind: 'cidr'; readonly cidr: string; readonly except: readonly string[]; readonly host?: string }
  | { readonly kind: 'dns' };

/** A port a {@link Route} allows. */
export interface RoutePort {
  /** The port as the NetworkPolicy states it: a container port name or number. */
  readonly port: number | string;
  /** Transport protocol. */
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  /** The container port number behind a named port. @default - same as `port` */
  readonly containerPort?: number;
}

/** A path the network policies allow: `source` may open connections to `destination` on `ports`. */
export interface Route {
  /** Who opens the connection. */
  readonly source: Endpoint;
  /** Who accepts it. */
  readonly destination: Endpoint;
  /** The ports; undefined allows every port. */
  readonly ports?: readonly RoutePort[];
}

/** Routes an area above the network adds to a workload's NetworkPolicy (a service mesh's control and data plane ports). */
export interface ExtraRoutes {
  /** Routes into the workload. @default - none */
  readonly ingress?: readonly Route[];
  /** Routes out of the workload. @default - none */
  readonly egress?: readonly Route[];
}

/** The routes into and out of one workload: what its NetworkPolicy allows. */
export interface WorkloadRoutes {
  /** The workload the policy selects. */
  readonly workload: Workload;
  /** Routes into the workload, one per source, sorted. */
  readonly ingress: readonly Route[];
  /** Routes out of the workload, one per destination, sorted; the first one is DNS. */
  readonly egress: readonly Route[];
}

/** A stable identity of an endpoint, for merging and sorting. */
export function endpointKey(e: Endpoint): string {
  switch (e.kind) {
    case 'workload':
      return `workload:${e.workload.namespace}/${e.workload.name}:${e.workload.node.path}`;
    case 'namespace':
      return `namespace:${e.namespace}:${e.role ?? ''}`;
    case 'cidr':
      return `cidr:${e.cidr}:${e.except.join(',')}${e.host ? `:${e.host}` : ''}`;
    case 'dns':
      return 'dns';
  }
}

/** How an endpoint reads in reports, seen from namespace `here`. */
export function endpointLabel(e: Endpoint, here: string): string {
  switch (e.kind) {
    case 'workload':
      return e.workload.namespace === here ? e.workload.name : `${e.workload.namespace}/${e.workload.name}`;
    case 'namespace':
      return e.role ? `${e.role} (namespace ${e.namespace})` : `namespace ${e.namespace}`;
    case 'cidr':
      if (e.host) return `${e.host} (outside the cluster)`;
      return e.except.length ? `${e.cidr} except ${e.except.join(', ')}` : e.cidr;
    case 'dns':
      return `kube-dns (namespace ${KUBE_DNS.namespace})`;
  }
}

/** How a port reads in reports: `http (8080)`, `443`, or `any`. */
export function portLabel(p: RoutePort | undefined): string {
  if (!p) return 'any';
  return typeof p.port === 'string' && p.containerPort !== undefined ? `${p.port} (${p.containerPort})` : String(p.port);
}

/** Sorts and de-duplicates ports. */
export function sortPorts(ports: readonly RoutePort[]): RoutePort[] {
  const byKey = new Map<string, RoutePort>();
  for (const p of ports) byKey.set(`${portLabel(p)}/${p.protocol}`, p);
  return [...byKey.keys()].sort().map((k) => byKey.get(k)!);
}
