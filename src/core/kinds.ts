import type { IConstruct } from 'constructs';
import { builtInKinds } from './builtin-kinds.js';
import type { Rule } from './checks/finding.js';
import type { ContentProblem, KindDefinition, KindReference, ModelClass, PodSelection, SchemaSource, ScrapeTargets } from './kind-definition.js';

export type * from './kind-definition.js';
import { ErrorContext } from './errors.js';
import { isDnsSubdomain } from './names.js';
import { checkKnownKeys, propKeys } from './props.js';
import { isLabelKey } from './scheduling.js';

export interface PodTemplate {
  /** Labels and annotations of the pods. */
  readonly metadata: Record<string, any>;
  /** The pod spec. */
  readonly spec: Record<string, any>;
  /** Field path of the pod spec, e.g. `spec.template.spec` or `spec.pytorchReplicaSpecs.Worker.template.spec`. */
  readonly field: string;
  /** Field path of the template (`spec.template`); `''` when the object is itself the pod. */
  readonly templateField: string;
}

/** A selector found on an object, with what its kind says about it. */
export interface FoundSelection extends PodSelection {
  /** The selector as written. */
  readonly selector: unknown;
}

/** A reference found on an object. */
export interface FoundReference extends KindReference {
  /** Kind of the object referred to. */
  readonly kind: string;
  /** Name of the object referred to. */
  readonly name: unknown;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');
const versionOf = (apiVersion: string) => apiVersion.slice(apiVersion.indexOf('/') + 1);
const keyOf = (group: string, kind: string) => `${group}|${kind}`;
/** The pod templates of an object that runs no pods. */
const NO_TEMPLATES: readonly PodTemplate[] = Object.freeze([]);

/** A definition with its pod template paths split into segments. */
interface Entry {
  readonly def: KindDefinition;
  readonly templatePaths: readonly string[][];
}

/** The value at a dotted field path. */
export function valueAt(json: unknown, field: string): unknown {
  let v: any = json;
  for (const s of field.split('.')) v = v?.[s];
  return v;
}

/** `a.b`, `a["x.y"]`, `a[0]`: one path segment appended as the checks print field paths. */
function appendSegment(prefix: string, segment: string | number): string {
  if (typeof segment === 'number') return `${prefix}[${segment}]`;
  if (/^[A-Za-z_$][\w$-]*$/.test(segment)) return prefix ? `${prefix}.${segment}` : segment;
  return `${prefix}[${JSON.stringify(segment)}]`;
}

/**
 * The kinds of one synth (or one `keelson check` run): the built-in kinds plus those
 * registered on the construct tree with {@link registerKind}. It also holds what the
 * checks load and compute per object (validators, pod templates), so nothing is
 * shared between two apps.
 */
export class KindRegistry {
  /**
   * The built-in kinds (Kubernetes 1.28 and the CRDs Keelson knows), then `extra` (areas'
   * definitions, which replace built-in ones of their kind), validated with their definitions'
   * validators or else with `schemas`.
   */
  public static builtIns(schemas?: SchemaSource, extra: readonly KindDefinition[] = []): KindRegistry {
    return new KindRegistry([...builtInKinds(), ...extra], schemas);
  }

  /** The built-in kinds, then `extra`, then those registered on the tree of `scope` (a later definition replaces an earlier one of its kind). */
  public static forTree(scope: IConstruct, schemas?: SchemaSource, extra: readonly KindDefinition[] = []): KindRegistry {
    return new KindRegistry([...builtInKinds(), ...extra, ...registeredKinds(scope.node.root)], schemas);
  }

  private readonly byKey = new Map<string, Entry>();
  /** Lookups by apiVersion, then kind, as objects spell them (checks ask several times per object). */
  private readonly byApiVersion = new Map<string, Map<string, Entry | undefined>>();
  private readonly models = new Map<string, ModelClass | undefined>();
  private readonly templates = new WeakMap<object, readonly PodTemplate[]>();
  private byLabel?: Map<string, string>;

  /**
   * A registry of exactly `definitions`; a later definition of the same group and kind replaces an earlier one.
   * `schemas` validates the defined kinds whose definitions carry no validator.
   */
  constructor(
    definitions: readonly KindDefinition[],
    private readonly schemas?: SchemaSource,
  ) {
    for (const def of definitions) {
      this.byKey.set(keyOf(def.group, def.kind), { def, templatePaths: (def.podTemplates ?? []).map((p) => (p === '' ? [] : p.split('.'))) });
    }
  }

  /** Every definition. */
  public get definitions(): KindDefinition[] {
    return [...this.byKey.values()].map((e) => e.def);
  }

  /** The definition of the kind of `apiVersion` (any version of its group) and `kind`. */
  public find(apiVersion: string, kind: string): KindDefinition | undefined {
    return this.entry(apiVersion, kind)?.def;
  }

  /** The definition of an object's kind. */
  public definitionOf(json: Record<string, any>): KindDefinition | undefined {
    return typeof json?.apiVersion === 'string' && typeof json.kind === 'string' ? this.find(json.apiVersion, json.kind) : undefined;
  }

  /** Apply-order rank of an object. */
  public rank(json: Record<string, any>): number {
    return this.definitionOf(json)?.rank ?? 100;
  }

  /** True when the object's kind has no namespace. */
  public isClusterScoped(json: Record<string, any>): boolean {
    return this.definitionOf(json)?.clusterScoped === true;
  }

  /** The setup file the object goes to, if its kind has one. */
  public setupFile(json: Record<string, any>): string | undefined {
    return this.definitionOf(json)?.setupFile;
  }

  /** True when the object's pods run until stopped. */
  public runsUntilStopped(json: Record<string, any>): boolean {
    return this.definitionOf(json)?.runs === 'until-stopped';
  }

  /** Every pod template of an object, each with its exact field path; none for kinds without pod templates. */
  public podTemplates(json: Record<string, any>): readonly PodTemplate[] {
    if (!isObject(json)) return [];
    let found = this.templates.get(json);
    if (found) return found;
    const paths = typeof json.apiVersion === 'string' && typeof json.kind === 'string' ? this.entry(json.apiVersion, json.kind)?.templatePaths : undefined;
    // Most objects run no pods: they share one empty answer instead of an entry each in the cache.
    if (!paths?.length) return NO_TEMPLATES;
    const out: PodTemplate[] = [];
    for (const segments of paths) collectTemplates(json, segments, 0, '', out);
    found = out;
    this.templates.set(json, found);
    return found;
  }

  private entry(apiVersion: string, kind: string): Entry | undefined {
    let kinds = this.byApiVersion.get(apiVersion);
    if (!kinds) this.byApiVersion.set(apiVersion, (kinds = new Map()));
    if (kinds.has(kind)) return kinds.get(kind);
    const entry = this.byKey.get(keyOf(groupOf(apiVersion), kind));
    kinds.set(kind, entry);
    return entry;
  }

  /** The schema validator of `apiVersion`/`kind`, loaded on first use; undefined when the kind has none. */
  public validator(apiVersion: string, kind: string): ModelClass | undefined {
    const key = `${apiVersion}|${kind}`;
    if (this.models.has(key)) return this.models.get(key);
    const def = this.find(apiVersion, kind);
    const model = def && (def.validator?.(versionOf(apiVersion)) ?? this.schemas?.(apiVersion, kind));
    this.models.set(key, model);
    return model;
  }

  /** The selector of an object whose kind selects pods; undefined for other kinds or when the field is absent. */
  public selectionOf(json: Record<string, any>): FoundSelection | undefined {
    const selects = this.definitionOf(json)?.selects;
    if (!selects) return undefined;
    const selector = valueAt(json, selects.field);
    return selector === undefined ? undefined : { ...selects, selector };
  }

  /** The objects an object refers to by name. */
  public referencesOf(json: Record<string, any>): FoundReference[] {
    const out: FoundReference[] = [];
    for (const ref of this.definitionOf(json)?.refersTo ?? []) {
      const value = valueAt(json, ref.field);
      if (!isObject(value)) continue;
      const kind = value.kind ?? ref.defaultKind;
      if (typeof kind === 'string') out.push({ ...ref, kind, name: value.name });
    }
    return out;
  }

  /** What a monitor object scrapes; undefined for other kinds. */
  public scrapesOf(json: Record<string, any>): ScrapeTargets | undefined {
    return this.definitionOf(json)?.scrapes;
  }

  /** The rules the kinds' `inspect` functions report. */
  public get rules(): Rule[] {
    return this.definitions.flatMap((d) => d.rules ?? []);
  }

  /** Problems in an object's content, from its kind's `inspect`. */
  public inspect(json: Record<string, any>): readonly ContentProblem[] {
    return this.definitionOf(json)?.inspect?.(json) ?? [];
  }

  /** The kinds other objects name by a label, by label key (e.g. `kueue.x-k8s.io/queue-name` → LocalQueue). */
  public get labelReferences(): ReadonlyMap<string, string> {
    this.byLabel ??= new Map(this.definitions.filter((d) => d.namedByLabel !== undefined).map((d) => [d.namedByLabel!, d.kind]));
    return this.byLabel;
  }

  /** The replica count of a scalable object (1 when unset); undefined for kinds without /scale. */
  public replicasOf(json: Record<string, any>): number | undefined {
    const field = this.definitionOf(json)?.replicasField;
    if (!field) return undefined;
    const replicas = valueAt(json, field);
    return replicas === undefined ? 1 : Number(replicas);
  }
}

function collectTemplates(value: unknown, segments: readonly string[], i: number, field: string, out: PodTemplate[]): void {
  if (i === segments.length) {
    if (isObject(value) && isObject(value.spec)) out.push({ metadata: isObject(value.metadata) ? value.metadata : {}, spec: value.spec, field: appendSegment(field, 'spec'), templateField: field });
    return;
  }
  const segment = segments[i]!;
  if (segment !== '*') {
    if (isObject(value)) collectTemplates(value[segment], segments, i + 1, appendSegment(field, segment), out);
  } else if (Array.isArray(value)) {
    value.forEach((item, n) => collectTemplates(item, segments, i + 1, appendSegment(field, n), out));
  } else if (isObject(value)) {
    for (const key of Object.keys(value)) collectTemplates(value[key], segments, i + 1, appendSegment(field, key), out);
  }
}

/** Metadata type under which {@link registerKind} records definitions on the root of the tree. */
const KIND_METADATA = 'keelson:kind';

/** The definitions registered on the tree of `root`, in registration order. */
function registeredKinds(root: IConstruct): KindDefinition[] {
  return root.node.metadata.filter((m) => m.type === KIND_METADATA).map((m) => m.data as KindDefinition);
}

const DEFINITION_KEYS: readonly string[] = propKeys<KindDefinition>()('group', 'kind', 'versions', 'rank', 'clusterScoped', 'setupFile', 'nameFormat', 'podTemplates', 'runs', 'validator', 'selects', 'refersTo', 'replicasField', 'scrapes', 'inspect', 'rules', 'namedByLabel');
const FIELD_PATH = /^[A-Za-z0-9_$-]+(\.([A-Za-z0-9_$-]+|\*))*$/;
const TEMPLATE_PATH = /^$|^([A-Za-z0-9_$-]+|\*)(\.([A-Za-z0-9_$-]+|\*))*$/;

/**
 * Registers a kind (typically a CRD) for every synth of the tree `scope` belongs to:
 * its objects then get apply order, scope, schema validation and the pod checks
 * (Pod Security, best practices, availability, references) like built-in kinds.
 * A registration replaces the built-in definition of the same group and kind.
 *
 * @example registerKind(app, { group: 'ray.io', kind: 'RayCluster', versions: ['v1'], podTemplates: ['spec.headGroupSpec.template', 'spec.workerGroupSpecs.*.template'], runs: 'until-stopped' })
 */
export function registerKind(scope: IConstruct, definition: KindDefinition): void {
  const ctx = new ErrorContext(scope.node.path || '(app)');
  const def: any = definition;
  ctx.check(isObject(def), 'registerKind', def, 'is not a kind definition', 'Pass { group, kind, versions, ... }');
  for (const key of Object.keys(def)) {
    const near = DEFINITION_KEYS.find((k) => k.toLowerCase() === key.toLowerCase() || (k.length > 3 && (k.startsWith(key) || key.startsWith(k))));
    ctx.check(DEFINITION_KEYS.includes(key), `registerKind.${key}`, def[key], 'is not a field of a kind definition', near ? `Did you mean "${near}"?` : `Use one of ${DEFINITION_KEYS.join(', ')}`);
  }
  ctx.check(typeof def.group === 'string' && (def.group === '' || isDnsSubdomain(def.group)), 'registerKind.group', def.group, 'is not an API group', 'Use the CRD\'s spec.group, e.g. "kubeflow.org"');
  ctx.check(typeof def.kind === 'string' && /^[A-Z][A-Za-z0-9]*$/.test(def.kind), 'registerKind.kind', def.kind, 'is not a kind name', 'Use the CRD\'s spec.names.kind, e.g. "PyTorchJob"');
  ctx.check(
    Array.isArray(def.versions) && def.versions.length > 0 && def.versions.every((v: unknown) => typeof v === 'string' && /^v\d+((alpha|beta)\d+)?$/.test(v)),
    'registerKind.versions', def.versions, 'is not a non-empty list of API versions', 'List the served versions of the CRD, e.g. ["v1"]',
  );
  ctx.check(def.rank === undefined || (typeof def.rank === 'number' && Number.isFinite(def.rank)), 'registerKind.rank', def.rank, 'is not a number', 'Use e.g. 40 to apply it with the workloads');
  ctx.check(def.clusterScoped === undefined || typeof def.clusterScoped === 'boolean', 'registerKind.clusterScoped', def.clusterScoped, 'is not a boolean', 'Use true for CRDs with scope: Cluster');
  ctx.check(def.setupFile === undefined || (typeof def.setupFile === 'string' && /^[a-z0-9][-a-z0-9.]*\.yaml$/.test(def.setupFile)), 'registerKind.setupFile', def.setupFile, 'is not a YAML file name', 'Use e.g. "02-operators.yaml"');
  ctx.check(def.nameFormat === undefined || ['dns-label', 'dns-subdomain'].includes(def.nameFormat), 'registerKind.nameFormat', def.nameFormat, 'is not "dns-label" or "dns-subdomain"');
  ctx.check(
    def.podTemplates === undefined || (Array.isArray(def.podTemplates) && def.podTemplates.every((p: unknown) => typeof p === 'string' && TEMPLATE_PATH.test(p))),
    'registerKind.podTemplates', def.podTemplates, 'is not a list of field paths', 'Use dotted paths with * for map keys or list items, e.g. ["spec.replicaSpecs.*.template"]',
  );
  ctx.check(def.runs === undefined || ['until-stopped', 'to-completion'].includes(def.runs), 'registerKind.runs', def.runs, 'is not "until-stopped" or "to-completion"');
  ctx.check(def.validator === undefined || typeof def.validator === 'function', 'registerKind.validator', def.validator, 'is not a function', 'Pass (version) => ModelClass, e.g. () => PyTorchJob');
  if (def.selects !== undefined) {
    const s = def.selects;
    checkKnownKeys(ctx, 'registerKind.selects', s, propKeys<PodSelection>()('field', 'form', 'of', 'rule'));
    ctx.check(isObject(s) && typeof s.field === 'string' && FIELD_PATH.test(s.field), 'registerKind.selects.field', s?.field, 'is not a field path', 'Use e.g. "spec.podSelector"');
    ctx.check(['labels', 'label-selector'].includes(s.form), 'registerKind.selects.form', s.form, 'is not "labels" or "label-selector"');
    ctx.check(['own-pods', 'other-pods'].includes(s.of), 'registerKind.selects.of', s.of, 'is not "own-pods" or "other-pods"');
  }
  ctx.check(
    def.refersTo === undefined ||
      (Array.isArray(def.refersTo) && def.refersTo.every((r: any) => isObject(r) && typeof r.field === 'string' && FIELD_PATH.test(r.field) && [undefined, 'scalable', 'pods'].includes(r.target))),
    'registerKind.refersTo', def.refersTo, 'is not a list of { field, target? }', 'Use e.g. [{ field: "spec.targetRef", target: "pods" }] (target "scalable" or "pods")',
  );
  (Array.isArray(def.refersTo) ? def.refersTo : []).forEach((r: unknown, i: number) => {
    checkKnownKeys(ctx, `registerKind.refersTo[${i}]`, r, propKeys<KindReference>()('field', 'defaultKind', 'rule', 'maxReplicasField', 'target'));
  });
  ctx.check(def.replicasField === undefined || (typeof def.replicasField === 'string' && FIELD_PATH.test(def.replicasField)), 'registerKind.replicasField', def.replicasField, 'is not a field path', 'Use the CRD\'s scale.specReplicasPath without the leading dot, e.g. "spec.replicas"');
  if (def.scrapes !== undefined) {
    const s = def.scrapes;
    ctx.check(isObject(s) && ['services', 'pods'].includes(s.of), 'registerKind.scrapes.of', s?.of, 'is not "services" or "pods"');
    for (const key of ['selector', 'endpoints', 'namespaceSelector']) {
      ctx.check(typeof s[key] === 'string' && FIELD_PATH.test(s[key]), `registerKind.scrapes.${key}`, s[key], 'is not a field path', 'Use e.g. "spec.selector"');
    }
  }
  ctx.check(def.inspect === undefined || typeof def.inspect === 'function', 'registerKind.inspect', def.inspect, 'is not a function', 'Pass (json) => ContentProblem[]');
  ctx.check(
    def.rules === undefined || (Array.isArray(def.rules) && def.rules.every((r: any) => isObject(r) && typeof r.id === 'string' && /^[a-z0-9-]+$/.test(r.id) && ['error', 'warning'].includes(r.severity))),
    'registerKind.rules', def.rules, 'is not a list of rules', 'List the rules inspect reports, e.g. [{ id: "my-field-invalid", severity: "error", family: "my-crd", summary, fix }]',
  );
  (Array.isArray(def.rules) ? def.rules : []).forEach((r: unknown, i: number) => {
    checkKnownKeys(ctx, `registerKind.rules[${i}]`, r, propKeys<Rule>()('id', 'severity', 'family', 'summary', 'fix'));
  });
  ctx.check(def.namedByLabel === undefined || (typeof def.namedByLabel === 'string' && isLabelKey(def.namedByLabel)), 'registerKind.namedByLabel', def.namedByLabel, 'is not a label key', 'Use e.g. "kueue.x-k8s.io/queue-name"');
  const root = scope.node.root;
  const other = root.node.metadata.find((m) => m.type === KIND_METADATA && m.data.group === def.group && m.data.kind === def.kind);
  ctx.check(!other, 'registerKind.kind', `${def.group}/${def.kind}`, `is already registered on this app by ${other?.data.registeredBy}`, 'Register each kind once');
  root.node.addMetadata(KIND_METADATA, { ...def, registeredBy: scope.node.path || '(app)' });
}
