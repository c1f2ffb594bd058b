import { ApiObject, App, type ApiObjectMetadataDefinition, type JsonPatch } from 'cdk8s';
import type { Construct } from 'constructs';
import { compactNode } from './compact-node.js';
import { renderL1 } from './l1-json.js';
import { renderMetadata } from './metadata-json.js';

/** A typed L1 class of cdk8s-plus-28 (`k8s.KubeDeployment`, …): its kind and its props-to-JSON renderer. */
export interface KubeType<P> {
  /** apiVersion and kind of the objects it makes. */
  readonly GVK: { readonly apiVersion: string; readonly kind: string };
  /** Renders typed props to Kubernetes JSON. */
  manifest(props: P): Record<string, any>;
}

const KUBE_OBJECT = Symbol.for('keelson.KubeObject');

/**
 * A fresh copy of `value` as `JSON.parse(JSON.stringify(value))` would make it (undefined
 * fields and functions left out, `toJSON()` applied, non-finite numbers as null), about five
 * times faster: every object Keelson writes passes through here once.
 */
export function plainJson(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value + 0 : null; // + 0 turns -0 into 0, as JSON does
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return plainJson((value as { toJSON(): unknown }).toJSON());
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      out[i] = item === undefined || typeof item === 'function' || typeof item === 'symbol' ? null : plainJson(item);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
    if (key === '__proto__') Object.defineProperty(out, key, { value: plainJson(field), enumerable: true, writable: true, configurable: true });
    else out[key] = plainJson(field);
  }
  return out;
}

/** Drops the labels cdk8s copies into the metadata's attribute object, where its rendering overrides them with `labels`. */
function dropAttributeLabels(metadata: ApiObjectMetadataDefinition): void {
  const additional = (metadata as unknown as { _additionalAttributes?: Record<string, unknown> })._additionalAttributes;
  // Set to undefined, not deleted: a deleted field would turn the object into a slower, larger dictionary.
  if (typeof additional === 'object' && additional !== null && 'labels' in additional) additional.labels = undefined;
}

/** The resolvers every cdk8s App has; more means the user added their own. */
const BUILT_IN_RESOLVERS = 3;

/**
 * A Kubernetes object written with the typed props of a cdk8s-plus-28 L1 class
 * (so the compiler checks every field) and rendered to Kubernetes JSON once, when
 * it is created. Synthesis then reads that JSON instead of re-resolving the props
 * of every object, and the construct tree holds one copy of it.
 *
 * It is a cdk8s `ApiObject`: `metadata.addLabel()`, `addJsonPatch()` and custom
 * App resolvers work as usual (patched objects take cdk8s's own rendering path).
 * `manifest` is the rendered object without `apiVersion`, `kind` and `metadata`.
 */
export class KubeObject extends ApiObject {
  /** True when `x` is a KubeObject (`instanceof` would accept any ApiObject, as cdk8s's check does). */
  public static isKubeObject(x: unknown): x is KubeObject {
    return typeof x === 'object' && x !== null && KUBE_OBJECT in x;
  }

  /**
   * The rendered object without apiVersion, kind and metadata (those come from the ApiObject).
   * Parts built as shared constants (security contexts, probes, …) are frozen: change them with `addJsonPatch`.
   */
  public readonly manifest: Record<string, any>;
  private patched = false;

  constructor(scope: Construct, id: string, type: KubeType<any>, props: Record<string, any>) {
    const rendered = renderL1(type, props, plainJson) ?? plainJson({ ...type.GVK, ...type.manifest(props) });
    const { apiVersion, kind, metadata, ...manifest } = rendered as Record<string, any>;
    const apiProps = { apiVersion, kind, metadata, ...manifest };
    super(scope, id, apiProps);
    // cdk8s renders metadata from `this.metadata` alone, yet keeps two more copies of it (in the
    // props and, for the labels, in its attribute object): a few hundred bytes per object, tens of
    // megabytes at thousands of services. The key stays in the props so patched objects render in order.
    apiProps.metadata = undefined;
    dropAttributeLabels(this.metadata);
    compactNode(this);
    this.manifest = manifest;
    Object.defineProperty(this, KUBE_OBJECT, { value: true });
  }

  /** True when synthesis reads `manifest` directly (no JSON patches, no custom App resolvers). */
  public get rendersDirectly(): boolean {
    return !this.patched && App.of(this).resolvers.length <= BUILT_IN_RESOLVERS;
  }

  /** Builds a KubeObject: `KubeObject.create(this, 'deployment', k8s.KubeDeployment, { metadata, spec })`. */
  public static create<P>(scope: Construct, id: string, type: KubeType<P>, props: P): KubeObject {
    return new KubeObject(scope, id, type, props as Record<string, any>);
  }

  public override addJsonPatch(...ops: JsonPatch[]): void {
    this.patched = true;
    super.addJsonPatch(...ops);
  }

  public override toJson(): any {
    if (!this.rendersDirectly) return super.toJson();
    return { apiVersion: this.apiVersion, kind: this.kind, metadata: renderMetadata(this.metadata) ?? this.metadata.toJson(), ...this.manifest };
  }
}
