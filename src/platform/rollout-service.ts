import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { parseDuration, type Duration } from '../core/duration.js';
import { ErrorContext } from '../core/errors.js';
import { KubeObject } from '../core/kube-object.js';
import { Stack } from '../core/stack.js';
import type { MeshProfile } from '../core/mesh-profile.js';
import { checkKnownKeys, checkObject, propKeys } from '../core/props.js';
import type { Canary, CanaryProps } from '../mesh/canary.js';
import { ManagedSplit, SPLIT_ROUTE, SPLIT_SUBSETS } from '../mesh/managed-split.js';
import { WEB_SERVICE_KEYS, WebService, type WebServiceProps } from '../workloads/web-service.js';
import { renderedAs } from './rendered.js';

const ROLLOUT_GVK = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout' } as const;
/** The Argo Rollouts traffic router plugin for Gateway API routes (Linkerd reads HTTPRoutes). */
const GATEWAY_API_PLUGIN = 'argoproj-labs/gatewayAPI';

/** One step of a canary: send `weight` percent of the requests to the new version, then wait. */
export interface CanaryStep {
  /**
   * Percent of the requests the new version gets (1-100). Through the stack's mesh the mesh
   * routes exactly this share; without a mesh, it is the share of the replicas, and traffic
   * follows the pod count.
   */
  readonly weight: number;
  /**
   * Percent of the replicas the new version runs from this step on, whatever its share of the
   * requests (Argo Rollouts' `setCanaryScale`), e.g. a full-size canary at 10% of the traffic.
   * Needs the mesh: without one, the replicas are the traffic split.
   * @default - the replicas follow the weight
   */
  readonly scale?: number;
  /** Wait this long before the next step, or `'manual'` until someone promotes it. @default - go on at once */
  readonly pause?: Duration | 'manual';
}

/** Blue-green through Argo Rollouts: the new version starts behind the preview Service and is promoted to the active one. */
export interface RolloutBlueGreen {
  /** Blue-green. */
  readonly strategy: 'blue-green';
  /** Promote the new version as soon as it is ready; `false` waits for `kubectl argo rollouts promote`. @default false */
  readonly autoPromote?: boolean;
}

/**
 * A canary through Argo Rollouts. In a stack with a mesh, the mesh splits the requests
 * (Istio: `trafficRouting.istio` on a VirtualService route and DestinationRule subsets;
 * Linkerd: the Gateway API plugin on an HTTPRoute over `<service>-stable` and
 * `<service>-canary`); without one, the steps shift replicas from the old version to the new.
 */
export interface RolloutCanary {
  /** Canary. */
  readonly strategy: 'canary';
  /** The steps, in order; after the last one the new version takes all traffic. */
  readonly steps: readonly CanaryStep[];
}

/** Props of a {@link RolloutService}: a WebService's, and how Argo Rollouts releases it. */
export interface RolloutServiceProps extends WebServiceProps {
  /** The release strategy. */
  readonly rollout: RolloutBlueGreen | RolloutCanary;
}

const KEYS = propKeys<RolloutServiceProps>()(...WEB_SERVICE_KEYS, 'rollout');
const BLUE_GREEN_KEYS = propKeys<RolloutBlueGreen>()('strategy', 'autoPromote');
const CANARY_KEYS = propKeys<RolloutCanary>()('strategy', 'steps');
const STEP_KEYS = propKeys<CanaryStep>()('weight', 'scale', 'pause');

/**
 * A WebService released by Argo Rollouts: a `Rollout` takes the place of the Deployment
 * (same selector and pod template), blue-green with a `<service>-preview` Service or a
 * canary in steps, whose requests the stack's mesh splits when it has one; an autoscaler
 * scales the Rollout. Needs the Argo Rollouts controller (and, on Linkerd, its Gateway API plugin).
 */
export class RolloutService extends WebService {
  /** The Rollout (also `deployment`, whose place it takes). */
  public readonly rollout: KubeObject;
  /** The preview Service of a blue-green rollout. */
  public readonly previewService?: KubeObject;
  /** The mesh routing whose weights the canary's steps set, for a canary in a stack with a mesh. */
  public readonly split?: ManagedSplit;

  constructor(scope: Construct, id: string, props: RolloutServiceProps) {
    const early = new ErrorContext(scope.node.path ? `${scope.node.path}/${id}` : id);
    if (!props || typeof props !== 'object') throw early.error('props', props, 'are required', 'Pass at least { image, port, rollout }');
    checkKnownKeys(early, '', props, KEYS);
    const { rollout, ...webProps } = props;
    const mesh = Stack.of(scope).mesh;
    const strategy = resolveStrategy(early, rollout, mesh);
    super(scope, id, webProps);
    const original = this.deployment;
    this.node.tryRemoveChild(original.node.id);
    const { strategy: _rolling, ...spec } = JSON.parse(JSON.stringify(original.manifest.spec));
    if (rollout.strategy === 'blue-green') {
      const preview = `${this.serviceName}-preview`;
      this.ctx.check(preview.length <= 63, 'rollout', rollout.strategy, `would name the preview Service ${JSON.stringify(preview)}, longer than 63 characters`, 'Shorten the service name');
      const service = this.service.metadata.toJson();
      const serviceSpec = JSON.parse(JSON.stringify(this.service.manifest.spec));
      serviceSpec.type = 'ClusterIP';
      delete serviceSpec.loadBalancerSourceRanges;
      this.previewService = KubeObject.create(this, 'preview-service', renderedAs(k8s.KubeService.GVK), { metadata: { ...service, name: preview }, spec: serviceSpec });
      strategy.blueGreen = { ...(strategy.blueGreen as object), activeService: this.serviceName, previewService: preview };
    }
    if (rollout.strategy === 'canary' && mesh) {
      const split = new ManagedSplit(this, 'traffic-split', 'Argo Rollouts');
      this.split = split;
      const canary = strategy.canary as Record<string, unknown>;
      canary.trafficRouting =
        mesh.provider === 'istio'
          ? {
              istio: {
                ...(split.virtualServices.length === 1
                  ? { virtualService: { name: split.routeObject, routes: [SPLIT_ROUTE] } }
                  : { virtualServices: split.virtualServices.map((name) => ({ name, routes: [SPLIT_ROUTE] })) }),
                destinationRule: { name: split.destinationRule, canarySubsetName: SPLIT_SUBSETS.canary, stableSubsetName: SPLIT_SUBSETS.stable },
              },
            }
          : { plugins: { [GATEWAY_API_PLUGIN]: { httpRoute: split.routeObject, namespace: this.namespace } } };
      if (mesh.provider === 'linkerd') Object.assign(canary, { canaryService: split.canaryService, stableService: split.stableService });
    }
    this.rollout = KubeObject.create(this, 'rollout', renderedAs(ROLLOUT_GVK), { metadata: original.metadata.toJson(), spec: { ...spec, strategy } });
    this.adoptPodTemplate(this.rollout, ['spec', 'template']);
    (this as { deployment: KubeObject }).deployment = this.rollout;
    if (this.autoscaler) this.autoscaler.manifest.spec.scaleTargetRef = { ...ROLLOUT_GVK, name: this.name };
  }

  /** Refused: the rollout releases new versions of this service (a canary's steps, or blue-green). */
  public override canary(props: CanaryProps): Canary {
    throw this.ctx.error('canary', props?.image, 'does not combine with a RolloutService: Argo Rollouts releases its new versions', 'Set the new image on the service and let the rollout\'s steps release it');
  }
}

function resolveStrategy(ctx: ErrorContext, rollout: RolloutBlueGreen | RolloutCanary, mesh: MeshProfile | undefined): Record<string, unknown> {
  ctx.check(rollout !== undefined, 'rollout', rollout, 'is required', 'Pass { strategy: "canary", steps: [...] } or { strategy: "blue-green" }');
  checkObject(ctx, 'rollout', rollout);
  if (rollout.strategy === 'blue-green') {
    checkKnownKeys(ctx, 'rollout', rollout, BLUE_GREEN_KEYS);
    ctx.check(rollout.autoPromote === undefined || typeof rollout.autoPromote === 'boolean', 'rollout.autoPromote', rollout.autoPromote, 'must be true or false');
    return { blueGreen: { autoPromotionEnabled: rollout.autoPromote ?? false } };
  }
  ctx.check(rollout.strategy === 'canary', 'rollout.strategy', (rollout as { strategy: unknown }).strategy, 'must be "blue-green" or "canary"');
  checkKnownKeys(ctx, 'rollout', rollout, CANARY_KEYS);
  ctx.check(
    mesh?.mode !== 'ambient',
    'rollout.strategy',
    'canary',
    'cannot split requests through Istio ambient mode: the weights need L7 routing, which ambient does only through a waypoint proxy (not emitted by Keelson)',
    'Use Mesh.istio({ mode: "sidecar" }) or Mesh.linkerd(), or strategy "blue-green"',
  );
  ctx.check(Array.isArray(rollout.steps) && rollout.steps.length > 0, 'rollout.steps', rollout.steps, 'must be a non-empty list of { weight, pause? }');
  const steps: Record<string, unknown>[] = [];
  let last = 0;
  rollout.steps.forEach((step, i) => {
    const f = `rollout.steps[${i}]`;
    checkObject(ctx, f, step, false);
    checkKnownKeys(ctx, f, step, STEP_KEYS);
    ctx.check(Number.isInteger(step.weight) && step.weight >= 1 && step.weight <= 100, `${f}.weight`, step.weight, 'must be a whole percent from 1 to 100');
    ctx.check(step.weight > last, `${f}.weight`, step.weight, `must be above the previous step's ${last}`, 'Weights only grow; an abort rolls back');
    last = step.weight;
    if (step.scale !== undefined) {
      ctx.check(Number.isInteger(step.scale) && step.scale >= 0 && step.scale <= 100, `${f}.scale`, step.scale, 'must be a whole percent of the replicas from 0 to 100');
      ctx.check(mesh !== undefined, `${f}.scale`, step.scale, 'needs a service mesh: without one the canary\'s replicas are what splits the requests', 'Leave scale out, or set a mesh on the environment or the Stack');
      steps.push({ setCanaryScale: { weight: step.scale } });
    }
    steps.push({ setWeight: step.weight });
    if (step.pause === 'manual') steps.push({ pause: {} });
    else if (step.pause !== undefined) steps.push({ pause: { duration: `${parseDuration(ctx, `${f}.pause`, step.pause, 1)}s` } });
  });
  return { canary: { steps } };
}
