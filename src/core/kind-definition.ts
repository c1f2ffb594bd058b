import type { Rule } from './checks/finding.js';

/** A kubernetes-models style class: `new M(json).validate()` throws (with ajv `errors`) when `json` does not match the schema. */
export type ModelClass = new (data: unknown) => { validate(): void };

/**
 * Schema validators beyond those the kind definitions carry, by apiVersion and kind (the
 * composition root passes the generated CRD validators this way, so core needs no import
 * of them). Returns undefined for kinds it has no validator for.
 */
export type SchemaSource = (apiVersion: string, kind: string) => ModelClass | undefined;

/** How a kind selects pods by label. */
export interface PodSelection {
  /** Field path of the selector, e.g. `spec.selector` or `spec.podSelector`. */
  readonly field: string;
  /** `labels`: an equality map (a Service's `spec.selector`); `label-selector`: a LabelSelector with `matchLabels` and `matchExpressions`. */
  readonly form: 'labels' | 'label-selector';
  /**
   * `own-pods`: the selector picks the object's own pod templates (a Deployment's `spec.selector`), so it must match them;
   * `other-pods`: it picks pods of other objects in the namespace (Service, PodDisruptionBudget, NetworkPolicy).
   */
  readonly of: 'own-pods' | 'other-pods';
  /** For `other-pods`: the references rule reported when a non-empty selector selects no pod. @default 'selector-dangling' */
  readonly rule?: string;
}

/** A field of a kind that names another object of the same namespace by kind and name (`{ kind, name }`). */
export interface KindReference {
  /** Field path of the reference, e.g. `spec.scaleTargetRef`. */
  readonly field: string;
  /** Kind assumed when the reference names none (KEDA's ScaledObject defaults to Deployment). @default - the reference names its kind */
  readonly defaultKind?: string;
  /** The references rule reported when the object does not exist. @default 'target-missing' */
  readonly rule?: string;
  /** For autoscalers: field path of the most replicas the referrer scales its target to. @default - it does not scale the target */
  readonly maxReplicasField?: string;
  /**
   * What the object referred to must be: `scalable` (its kind has a replica count behind a
   * /scale subresource, as HPAs and KEDA ScaledObjects need) or `pods` (it runs pods, as a
   * VPA needs); anything else is a `scale-target-kind` error.
   * @default - any kind
   */
  readonly target?: 'scalable' | 'pods';
}

/**
 * How a monitor kind (the Prometheus operator's ServiceMonitor and PodMonitor) picks what
 * it scrapes: the selector must pick something in the namespace, and every endpoint's port
 * must be a port of what it picks.
 */
export interface ScrapeTargets {
  /** `services`: the selector picks Services and endpoint ports name Service ports; `pods`: it picks pods and ports name container ports. */
  readonly of: 'services' | 'pods';
  /** Field path of the LabelSelector, e.g. `spec.selector`. */
  readonly selector: string;
  /** Field path of the list of endpoints, each naming a `port`, e.g. `spec.endpoints`. */
  readonly endpoints: string;
  /** Field path of the namespace selector: when it picks other namespaces than the object's own, the targets are not checked. */
  readonly namespaceSelector: string;
}

/** A problem in the content of one object (e.g. a PromQL expression that does not parse), found by its kind's `inspect`. */
export interface ContentProblem {
  /** The rule broken. */
  readonly rule: Rule;
  /** Field path, e.g. `spec.groups[0].rules[2].expr`. */
  readonly field: string;
  /** What is wrong. */
  readonly message: string;
  /** How to fix this one. @default - the rule's fix */
  readonly fix?: string;
}

/**
 * What Keelson knows about one kind (API group + kind): apply order, scope, where
 * its pods are, its schema and how it relates to other objects. Every check, the
 * apply order and the network checks read these through a {@link KindRegistry}.
 */
export interface KindDefinition {
  /** API group, `''` for the core group (Pod, Service). */
  readonly group: string;
  /** Kind, e.g. `PyTorchJob`. */
  readonly kind: string;
  /** API versions the cluster serves for the kind, e.g. `['v1']`; others are `api-not-served` errors. */
  readonly versions: readonly string[];
  /** Apply-order rank within a file: lower goes first (Namespace 0, ServiceAccount 10, Service 30, Deployment 40). @default 100 */
  readonly rank?: number;
  /** True for kinds without a namespace: `metadata.namespace` is removed from them at synth. @default false */
  readonly clusterScoped?: boolean;
  /** File of the stack folder its objects go to, so they are applied first (`00-namespace.yaml`). @default - the file of the construct that made it */
  readonly setupFile?: string;
  /** `dns-label` when object names may not contain dots (Namespace, Service). @default 'dns-subdomain' */
  readonly nameFormat?: 'dns-label' | 'dns-subdomain';
  /**
   * Field paths of its pod templates (objects with `metadata` and `spec`); `*` matches
   * every key of a map or item of a list, `''` is the object itself (a Pod). E.g.
   * `spec.template`, `spec.jobTemplate.spec.template`, `spec.pytorchReplicaSpecs.*.template`.
   * Pod Security, best-practice, availability and reference checks apply to each.
   * @default - it has no pod templates
   */
  readonly podTemplates?: readonly string[];
  /** `until-stopped` pods need probes, disruption budgets, spreading and network policies; `to-completion` pods (Jobs) do not. @default 'to-completion' */
  readonly runs?: 'until-stopped' | 'to-completion';
  /**
   * The schema validator of one served version, loaded on first use (it is called at
   * most once per registry and version). Without one, objects of the kind get a
   * `schema-unknown-kind` warning.
   * @default - no schema validation
   */
  readonly validator?: (version: string) => ModelClass | undefined;
  /** How it selects pods by label. @default - it selects no pods */
  readonly selects?: PodSelection;
  /** Fields that name other objects which must exist (an HPA's `spec.scaleTargetRef`). @default - none */
  readonly refersTo?: readonly KindReference[];
  /** For monitor kinds: what the object scrapes, so a selector that picks nothing or a port that does not exist is reported. @default - it scrapes nothing */
  readonly scrapes?: ScrapeTargets;
  /**
   * Checks the content of an object beyond its schema (PromQL in a PrometheusRule, say); runs in
   * every synth and in `keelson check`.
   * @default - no content checks
   */
  readonly inspect?: (json: Record<string, any>) => readonly ContentProblem[];
  /** The rules `inspect` reports, so that waivers can name them. @default - none */
  readonly rules?: readonly Rule[];
  /** For kinds with a /scale subresource: the field path of the replica count, e.g. `spec.replicas`. @default - not scalable */
  readonly replicasField?: string;
  /**
   * A label by which objects of any kind name an object of this kind in their namespace
   * (a Kueue LocalQueue by `kueue.x-k8s.io/queue-name`); a name with no such object is a
   * `label-target-missing` error.
   * @default - no object names it by label
   */
  readonly namedByLabel?: string;
}

/** A pod template inside an object, with the field path it sits at. */
