import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ErrorContext } from '../core/errors.js';
import type { MeshService } from './canary.js';

/** Name of the weighted route (Istio) a controller moves the weights of. */
export const SPLIT_ROUTE = 'split';
/** The DestinationRule subsets of a split: the stable pods and the canary's. */
export const SPLIT_SUBSETS = { stable: 'stable', canary: 'canary' } as const;

/**
 * A split of a service's requests between its stable and canary pods whose weights a
 * progressive-delivery controller (Argo Rollouts) moves at run time. The mesh writes the
 * routing with every request on the stable pods, under the names the controller is given:
 * Istio a DestinationRule with `stable` and `canary` subsets (both with the service's selector;
 * the controller adds the pod-template hash of each version) and a VirtualService whose route
 * `split` weighs them 100/0 (and so does the route of the ingress gateway's VirtualService
 * `<workload>-ingress`, when the mesh's gateway serves the service's Ingress); Linkerd Services `<service>-stable` and `<service>-canary` (the
 * service's selector, to which the controller adds the hash) and a Gateway API HTTPRoute on the
 * Service over both. Traffic settings of the service (`traffic()`) go into the same objects.
 */
export class ManagedSplit extends Construct {
  /** The service whose requests are split. */
  public readonly target: MeshService;
  /** What moves the weights, for messages (e.g. `Argo Rollouts`). */
  public readonly controller: string;
  /** The VirtualService (Istio) or HTTPRoute (Linkerd) whose weights the controller sets: the service's name. */
  public readonly routeObject: string;
  /** Every VirtualService whose route `split` the controller sets (Istio): the service's, and the ingress gateway's. */
  public readonly virtualServices: readonly string[];
  /** The DestinationRule of the subsets (Istio): the service's name. */
  public readonly destinationRule: string;
  /** The Service of the stable pods (Linkerd). */
  public readonly stableService: string;
  /** The Service of the canary pods (Linkerd). */
  public readonly canaryService: string;

  constructor(target: MeshService, id: string, controller: string) {
    super(target, id);
    const ctx = new ErrorContext(target.node.path);
    const stack = target.stack;
    ctx.check(stack.mesh !== undefined, 'mesh', controller, `needs a service mesh to split traffic, and stack ${stack.node.path} has none`, 'Set mesh: Mesh.istio() or Mesh.linkerd() on the environment or the Stack');
    ctx.check(stack.mesh?.mode !== 'ambient', 'mesh', 'ambient', 'needs L7 routing, which Istio ambient mode does only through a waypoint proxy (not emitted by Keelson)', 'Use Mesh.istio({ mode: "sidecar" }) or Mesh.linkerd()');
    this.target = target;
    this.controller = controller;
    this.routeObject = target.serviceName;
    const viaGateway = stack.mesh?.ingressGateway !== undefined && target.node.children.some((c) => c instanceof ApiObject && c.kind === 'Ingress');
    this.virtualServices = viaGateway ? [target.serviceName, `${target.name}-ingress`] : [target.serviceName];
    this.destinationRule = target.serviceName;
    this.stableService = `${target.serviceName}-stable`;
    this.canaryService = `${target.serviceName}-canary`;
    ctx.check(this.stableService.length <= 63, 'mesh', this.stableService, 'is longer than 63 characters, the limit of a Service name', 'Shorten the service name');
  }
}
