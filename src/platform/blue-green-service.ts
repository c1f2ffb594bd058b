import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { ErrorContext } from '../core/errors.js';
import { parseImage } from '../core/image.js';
import { KubeObject } from '../core/kube-object.js';
import { LABEL, sortLabels } from '../core/labels.js';
import { checkKnownKeys, checkObject, propKeys } from '../core/props.js';
import { WEB_SERVICE_KEYS, WebService, type WebServiceProps } from '../workloads/web-service.js';
import { renderedAs } from './rendered.js';

/** One of the two colours of a blue-green service. */
export type Slot = 'blue' | 'green';

/** The pod label that tells the colours apart; the Services select on it. */
export const SLOT_LABEL = 'keelson.dev/slot';

const SLOTS: readonly Slot[] = ['blue', 'green'];

/** How a {@link BlueGreenService} rolls out. */
export interface BlueGreenRollout {
  /** Two Deployments (blue and green) and a Service that points at the active one. */
  readonly strategy: 'blue-green';
  /** The colour the Service sends traffic to; switching it is the release. */
  readonly active: Slot;
  /** Image of each colour (the next version goes to the idle one). @default - the service's `image` for both */
  readonly images?: Readonly<Partial<Record<Slot, string>>>;
  /** A preview Service `<service>-preview` that points at the idle colour, for tests before the switch. @default true */
  readonly preview?: boolean;
}

/** Props of a {@link BlueGreenService}: a WebService's, and its rollout. */
export interface BlueGreenServiceProps extends WebServiceProps {
  /** The blue-green rollout. */
  readonly rollout: BlueGreenRollout;
}

const KEYS = propKeys<BlueGreenServiceProps>()(...WEB_SERVICE_KEYS, 'rollout');
const ROLLOUT_KEYS = propKeys<BlueGreenRollout>()('strategy', 'active', 'images', 'preview');

/**
 * A WebService released blue-green with plain Kubernetes objects: two Deployments
 * (`<name>-blue`, `<name>-green`) whose pods carry the slot label, the Service selecting
 * the active colour and a preview Service selecting the idle one. Switching `active` changes
 * only the two Services' selectors. Both colours run the full replica count, so the switch
 * needs no scale-up; the disruption budget and NetworkPolicy cover both.
 */
export class BlueGreenService extends WebService {
  /** The Deployment of each colour. */
  public readonly slots: Readonly<Record<Slot, KubeObject>>;
  /** The colour the Service points at. */
  public readonly active: Slot;
  /** The preview Service, unless `preview: false`. */
  public readonly previewService?: KubeObject;

  constructor(scope: Construct, id: string, props: BlueGreenServiceProps) {
    const early = new ErrorContext(scope.node.path ? `${scope.node.path}/${id}` : id);
    if (!props || typeof props !== 'object') throw early.error('props', props, 'are required', 'Pass at least { image, port, rollout }');
    checkKnownKeys(early, '', props, KEYS);
    const { rollout, ...webProps } = props;
    checkRollout(early, rollout);
    if (webProps.autoscale !== undefined) {
      throw early.error('autoscale', webProps.autoscale, 'does not combine with a blue-green rollout: one HorizontalPodAutoscaler cannot scale two Deployments', 'Set replicas, or release with a canary instead');
    }
    super(scope, id, webProps);
    this.active = rollout.active;
    const idle: Slot = rollout.active === 'blue' ? 'green' : 'blue';

    const original = this.deployment;
    this.node.tryRemoveChild(original.node.id);
    const slots = {} as Record<Slot, KubeObject>;
    for (const slot of SLOTS) {
      const image = rollout.images?.[slot];
      const version = image === undefined ? undefined : parseImage(this.ctx, `rollout.images.${slot}`, image).tag;
      const metadata = original.metadata.toJson();
      const spec = JSON.parse(JSON.stringify(original.manifest.spec));
      spec.selector.matchLabels = sortLabels({ ...spec.selector.matchLabels, [SLOT_LABEL]: slot });
      const template = spec.template;
      template.metadata.labels = sortLabels({ ...template.metadata.labels, [SLOT_LABEL]: slot, ...(version ? { [LABEL.version]: version } : {}) });
      if (image !== undefined) template.spec.containers[0].image = image;
      slots[slot] = KubeObject.create(this, `deployment-${slot}`, renderedAs(k8s.KubeDeployment.GVK), {
        metadata: { ...metadata, name: `${this.name}-${slot}`, labels: sortLabels({ ...metadata.labels, [SLOT_LABEL]: slot, ...(version ? { [LABEL.version]: version } : {}) }) },
        spec,
      });
      this.adoptPodTemplate(slots[slot], ['spec', 'template']);
    }
    this.slots = slots;
    (this as { deployment: KubeObject }).deployment = slots[rollout.active];

    const selector = (slot: Slot) => sortLabels({ ...this.selector, [SLOT_LABEL]: slot });
    this.service.manifest.spec.selector = selector(rollout.active);
    if (rollout.preview ?? true) {
      const name = `${this.serviceName}-preview`;
      this.ctx.check(name.length <= 63, 'rollout.preview', true, `would name the preview Service ${JSON.stringify(name)}, longer than 63 characters`, 'Shorten the service name');
      const metadata = this.service.metadata.toJson();
      const spec = JSON.parse(JSON.stringify(this.service.manifest.spec));
      spec.type = 'ClusterIP';
      delete spec.loadBalancerSourceRanges;
      spec.selector = selector(idle);
      this.previewService = KubeObject.create(this, 'preview-service', renderedAs(k8s.KubeService.GVK), { metadata: { ...metadata, name }, spec });
    }
  }

  /** Pod labels of a colour. */
  public slotLabels(slot: Slot): Record<string, string> {
    return this.slots[slot].manifest.spec.template.metadata.labels;
  }
}

function checkRollout(ctx: ErrorContext, rollout: BlueGreenRollout): void {
  ctx.check(rollout !== undefined, 'rollout', rollout, 'is required', 'Pass { strategy: "blue-green", active: "blue" }');
  checkObject(ctx, 'rollout', rollout);
  checkKnownKeys(ctx, 'rollout', rollout, ROLLOUT_KEYS);
  ctx.check(rollout.strategy === 'blue-green', 'rollout.strategy', rollout.strategy, 'must be "blue-green"', 'A canary goes through the mesh or Argo Rollouts');
  ctx.check(SLOTS.includes(rollout.active), 'rollout.active', rollout.active, 'must be "blue" or "green"');
  if (rollout.images !== undefined) {
    checkObject(ctx, 'rollout.images', rollout.images);
    checkKnownKeys(ctx, 'rollout.images', rollout.images, SLOTS);
  }
  ctx.check(rollout.preview === undefined || typeof rollout.preview === 'boolean', 'rollout.preview', rollout.preview, 'must be true or false');
}
