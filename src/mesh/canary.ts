import { Construct } from 'constructs';
import { ErrorContext } from '../core/errors.js';
import { parseImage } from '../core/image.js';
import type { KubeObject } from '../core/kube-object.js';
import { LABEL } from '../core/labels.js';
import { checkLabels } from '../core/scheduling.js';
import { checkKnownKeys, propKeys } from '../core/props.js';
import type { Workload } from '../core/workload.js';

/** A workload the mesh can route to: a Deployment behind a Service (a WebService). */
export interface MeshService extends Workload {
  /** The Deployment of the stable version. */
  readonly deployment: KubeObject;
  /** The Service in front of the pods. */
  readonly service: KubeObject;
  /** `metadata.name` of the Service. */
  readonly serviceName: string;
  /** The Service port of the main port. */
  readonly port: number;
}

/** Props of a {@link Canary}. */
export interface CanaryProps {
  /** Image of the new version; its tag must differ from the stable version's (the subsets are told apart by it). */
  readonly image: string;
  /** Percentage of requests the new version gets, 1-99; the stable version gets the rest. */
  readonly weight: number;
  /** Replicas of the new version. @default 1 */
  readonly replicas?: number;
  /** Requests carrying exactly these headers always go to the new version (e.g. `{ 'end-user': 'jason' }`). @default - none */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The label that tells a canary's pods from the stable version's. */
const KEYS = propKeys<CanaryProps>()('image', 'weight', 'replicas', 'headers');

export const TRACK_LABEL = 'keelson.dev/track';

/**
 * A second version of a service that gets a share of its requests through the stack's mesh:
 * a Deployment `<name>-canary` of the new image, and Istio `DestinationRule` subsets with
 * `VirtualService` weights, or (Linkerd) a Gateway API `HTTPRoute` with backend weights over
 * `<service>-stable` and `<service>-canary`. Made by `WebService.canary()`; the objects are
 * written at synth, from the stable Deployment as it then is.
 */
export class Canary extends Construct {
  /** The service whose requests are split. */
  public readonly target: MeshService;
  /** The new version's image. */
  public readonly image: string;
  /** The new version's `app.kubernetes.io/version`. */
  public readonly version: string;
  /** The stable version's `app.kubernetes.io/version`. */
  public readonly stableVersion: string;
  /** Percentage of requests the new version gets. */
  public readonly weight: number;
  /** Replicas of the new version. */
  public readonly replicas: number;
  /** Headers that send a request to the new version. */
  public readonly headers: Readonly<Record<string, string>>;

  constructor(target: MeshService, id: string, props: CanaryProps) {
    super(target, id);
    const ctx = new ErrorContext(this.node.path);
    ctx.check(props !== null && typeof props === 'object', 'canary', props, 'must be { image, weight, replicas?, headers? }');
    checkKnownKeys(ctx, 'canary', props, KEYS);
    const stack = target.stack;
    ctx.check(stack.mesh !== undefined, 'canary', props.image, `needs a service mesh to split traffic, and stack ${stack.node.path} has none`, 'Set mesh: Mesh.istio() or Mesh.linkerd() on the environment or the Stack');
    ctx.check(stack.mesh?.mode !== 'ambient', 'canary', props.image, 'needs L7 routing, which Istio ambient mode does only through a waypoint proxy (not emitted by Keelson)', 'Use Mesh.istio({ mode: "sidecar" }) or Mesh.linkerd()');
    const image = parseImage(ctx, 'canary.image', props.image, stack.env.allowLatestTag);
    const stableVersion = target.deployment.metadata.getLabel(LABEL.version);
    ctx.check(image.version !== undefined && stableVersion !== undefined, 'canary.image', props.image, 'has no version tag to tell the two versions apart', 'Tag both images');
    ctx.check(image.version !== stableVersion, 'canary.image', props.image, `has the same version as the stable Deployment (${stableVersion})`, 'Give the new version its own tag');
    ctx.check(Number.isInteger(props.weight) && props.weight >= 1 && props.weight <= 99, 'canary.weight', props.weight, 'must be a whole percentage from 1 to 99', 'The stable version gets 100 - weight');
    const replicas = props.replicas ?? 1;
    ctx.check(Number.isInteger(replicas) && replicas >= 1, 'canary.replicas', replicas, 'must be a whole number >= 1');
    const headers = props.headers === undefined ? {} : props.headers;
    ctx.check(headers !== null && typeof headers === 'object' && !Array.isArray(headers), 'canary.headers', headers, 'must be a map of header name to exact value');
    for (const [name, value] of Object.entries(headers)) {
      ctx.check(/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name), 'canary.headers', name, 'is not a lower-case HTTP header name');
      ctx.check(typeof value === 'string' && value.length > 0, `canary.headers.${name}`, value, 'must be a non-empty string');
    }
    checkLabels(ctx, 'canary.image', { [LABEL.version]: image.version! });
    this.target = target;
    this.image = image.ref;
    this.version = image.version!;
    this.stableVersion = stableVersion!;
    this.weight = props.weight;
    this.replicas = replicas;
    this.headers = { ...headers };
  }
}
