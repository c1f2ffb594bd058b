import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { parseDuration, type Duration } from '../core/duration.js';
import { ErrorContext } from '../core/errors.js';
import { KubeObject } from '../core/kube-object.js';
import { checkKnownKeys, checkObject, propKeys } from '../core/props.js';
import { WEB_SERVICE_KEYS, WebService, type WebServiceProps } from '../workloads/web-service.js';
import { renderedAs } from './rendered.js';

const ROLLOUT_GVK = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout' } as const;

/** One step of a canary: send `weight` percent of the pods' share of traffic to the new version, then wait. */
export interface CanaryStep {
  /** Percent of the replicas that run the new version (1-100); without a mesh, traffic follows the pod count. */
  readonly weight: number;
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

/** A canary through Argo Rollouts, without a mesh: the steps shift replicas from the old version to the new. */
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
const STEP_KEYS = propKeys<CanaryStep>()('weight', 'pause');

/**
 * A WebService released by Argo Rollouts: a `Rollout` takes the place of the Deployment
 * (same selector and pod template), blue-green with a `<service>-preview` Service or a
 * canary in steps; an autoscaler scales the Rollout. Needs the Argo Rollouts controller.
 */
export class RolloutService extends WebService {
  /** The Rollout (also `deployment`, whose place it takes). */
  public readonly rollout: KubeObject;
  /** The preview Service of a blue-green rollout. */
  public readonly previewService?: KubeObject;

  constructor(scope: Construct, id: string, props: RolloutServiceProps) {
    const early = new ErrorContext(scope.node.path ? `${scope.node.path}/${id}` : id);
    if (!props || typeof props !== 'object') throw early.error('props', props, 'are required', 'Pass at least { image, port, rollout }');
    checkKnownKeys(early, '', props, KEYS);
    const { rollout, ...webProps } = props;
    const strategy = resolveStrategy(early, rollout);
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
    this.rollout = KubeObject.create(this, 'rollout', renderedAs(ROLLOUT_GVK), { metadata: original.metadata.toJson(), spec: { ...spec, strategy } });
    this.adoptPodTemplate(this.rollout, ['spec', 'template']);
    (this as { deployment: KubeObject }).deployment = this.rollout;
    if (this.autoscaler) this.autoscaler.manifest.spec.scaleTargetRef = { ...ROLLOUT_GVK, name: this.name };
  }
}

function resolveStrategy(ctx: ErrorContext, rollout: RolloutBlueGreen | RolloutCanary): Record<string, unknown> {
  ctx.check(rollout !== undefined, 'rollout', rollout, 'is required', 'Pass { strategy: "canary", steps: [...] } or { strategy: "blue-green" }');
  checkObject(ctx, 'rollout', rollout);
  if (rollout.strategy === 'blue-green') {
    checkKnownKeys(ctx, 'rollout', rollout, BLUE_GREEN_KEYS);
    ctx.check(rollout.autoPromote === undefined || typeof rollout.autoPromote === 'boolean', 'rollout.autoPromote', rollout.autoPromote, 'must be true or false');
    return { blueGreen: { autoPromotionEnabled: rollout.autoPromote ?? false } };
  }
  ctx.check(rollout.strategy === 'canary', 'rollout.strategy', (rollout as { strategy: unknown }).strategy, 'must be "blue-green" or "canary"');
  checkKnownKeys(ctx, 'rollout', rollout, CANARY_KEYS);
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
    steps.push({ setWeight: step.weight });
    if (step.pause === 'manual') steps.push({ pause: {} });
    else if (step.pause !== undefined) steps.push({ pause: { duration: `${parseDuration(ctx, `${f}.pause`, step.pause, 1)}s` } });
  });
  return { canary: { steps } };
}
