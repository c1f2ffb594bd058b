import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { k8s } from 'cdk8s-plus-28';
import { KindRegistry, type ModelClass } from '../kinds.js';
import { findingOf, fieldPath, type CheckedObject, type Finding, type Rule } from './finding.js';

/**
 * Schema checks against Kubernetes 1.28 and the CRDs Keelson emits.
 *
 * - Types, required fields, enums and formats: the ajv-compiled validators of
 *   `kubernetes-models` for Kubernetes' kinds; for CRDs, those generated from the
 *   upstream CRD files into src/imports, or an `@kubernetes-models/*` package's.
 * - Which apiVersion/kind pairs 1.28 serves, and which fields exist (unknown
 *   fields are errors, as with `kubectl apply --validate=strict`): the 1.28 type
 *   model that `cdk8s-plus-28` generates from the upstream OpenAPI spec and ships
 *   in its jsii assembly.
 */
export const SCHEMA_RULES = {
  typeMeta: { id: 'schema-type-meta', severity: 'error', family: 'schema', summary: 'apiVersion and kind are present and strings', fix: 'Add apiVersion and kind, e.g. apiVersion: apps/v1, kind: Deployment' },
  notServed: { id: 'api-not-served', severity: 'error', family: 'schema', summary: 'the apiVersion/kind is served by Kubernetes 1.28 (or the CRD version we know)', fix: 'Use the served API version (e.g. policy/v1 for PodDisruptionBudget, autoscaling/v2 for HorizontalPodAutoscaler)' },
  unknownKind: { id: 'schema-unknown-kind', severity: 'warning', family: 'schema', summary: 'the kind has a schema to validate against', fix: 'Validate this custom resource with its CRD (e.g. kubeconform with the CRD schemas)' },
  invalid: { id: 'schema-invalid', severity: 'error', family: 'schema', summary: 'field types, required fields, enums and formats match the schema', fix: 'Correct the value to the type the schema expects' },
  unknownField: { id: 'schema-unknown-field', severity: 'error', family: 'schema', summary: 'every field exists in the Kubernetes 1.28 schema', fix: 'Check the spelling and indentation of the field (kubectl explain <kind>.<field>)' },
  unregisteredPods: {
    id: 'kind-unregistered-pods',
    severity: 'warning',
    family: 'schema',
    summary: 'a kind with a pod template at spec.template is registered, so its pods are checked',
    fix: 'Register the kind with registerKind(app, { group, kind, versions, podTemplates: [\'spec.template\'] }) so Pod Security and the other pod checks apply',
  },
} as const satisfies Record<string, Rule>;

/** A problem the schema validator found, before it becomes a finding. */
export interface SchemaProblem {
  /** `schema-type-meta`, `api-not-served`, `schema-unknown-kind`, `schema-invalid` or `schema-unknown-field`. */
  readonly rule: string;
  /** Field path of the problem. */
  readonly field: string;
  /** What is wrong, in one line. */
  readonly message: string;
}

/** A type reference in a jsii assembly. */
type JsiiTypeRef = { fqn?: string; primitive?: string; collection?: { kind: 'array' | 'map'; elementtype: JsiiTypeRef }; union?: unknown };
type JsiiType = { kind: string; datatype?: boolean; properties?: { name: string; type: JsiiTypeRef }[] };

interface Kubernetes128 {
  /** `apiVersion|kind` → fqn of the props struct. */
  readonly kinds: Map<string, string>;
  /** API groups of Kubernetes itself ('' for core). */
  readonly groups: Set<string>;
  /** Struct fqn → property name (jsii spelling) → type. */
  readonly structs: Map<string, Map<string, JsiiTypeRef>>;
}

let kubernetes128: Kubernetes128 | undefined;

/** Loads the 1.28 type model from cdk8s-plus-28: its `k8s` classes (served kinds) and jsii assembly (fields). */
function loadKubernetes128(): Kubernetes128 {
  if (kubernetes128) return kubernetes128;
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('cdk8s-plus-28/package.json'));
  let assembly = JSON.parse(fs.readFileSync(path.join(dir, '.jsii'), 'utf8'));
  if (assembly.schema === 'jsii/file-redirect') assembly = JSON.parse(gunzipSync(fs.readFileSync(path.join(dir, assembly.filename))).toString('utf8'));
  const prefix = `${assembly.name}.k8s.`;
  const structs = new Map<string, Map<string, JsiiTypeRef>>();
  for (const [fqn, type] of Object.entries(assembly.types as Record<string, JsiiType>)) {
    if (!fqn.startsWith(prefix) || type.kind !== 'interface' || !type.datatype) continue;
    structs.set(fqn, new Map((type.properties ?? []).map((p) => [p.name, p.type])));
  }
  const kinds = new Map<string, string>();
  const groups = new Set<string>();
  for (const [name, value] of Object.entries(k8s)) {
    const gvk = (value as { GVK?: { apiVersion: string; kind: string } }).GVK;
    if (!gvk || !structs.has(`${prefix}${name}Props`)) continue;
    kinds.set(`${gvk.apiVersion}|${gvk.kind}`, `${prefix}${name}Props`);
    groups.add(groupOf(gvk.apiVersion));
  }
  kubernetes128 = { kinds, groups, structs };
  return kubernetes128;
}

/** API groups Kubernetes removed entirely before 1.28. */
const REMOVED_GROUPS = new Set(['extensions', 'settings.k8s.io', 'auditregistration.k8s.io']);

/** Groups of Kubernetes itself, including ones 1.28 no longer serves. */
function isKubernetesGroup(group: string, k128: Kubernetes128): boolean {
  return k128.groups.has(group) || REMOVED_GROUPS.has(group);
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

/**
 * The jsii spelling of a Kubernetes field name, as the cdk8s importer derives it
 * (`clusterIP` → `clusterIp`, `x-kubernetes-list-type` → `xKubernetesListType`, `$ref` → `ref`).
 */
export function jsiiPropertyName(field: string): string {
  let name = PROPERTY_NAMES.get(field);
  if (name === undefined) PROPERTY_NAMES.set(field, (name = computePropertyName(field)));
  return name;
}

/** Field names seen so far; manifests reuse a few hundred names thousands of times. */
const PROPERTY_NAMES = new Map<string, string>();

function computePropertyName(field: string): string {
  let s = field.replace(/^[$_.\- ]+/, '');
  let lower = false;
  let upper = false;
  let upperBefore = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (lower && /\p{Lu}/u.test(c)) {
      s = `${s.slice(0, i)}-${s.slice(i)}`;
      lower = false;
      upperBefore = upper;
      upper = true;
      i++;
    } else if (upper && upperBefore && /\p{Ll}/u.test(c)) {
      s = `${s.slice(0, i - 1)}-${s.slice(i - 1)}`;
      upperBefore = upper;
      upper = false;
      lower = true;
    } else {
      lower = c.toLowerCase() === c && c.toUpperCase() !== c;
      upperBefore = upper;
      upper = c.toUpperCase() === c && c.toLowerCase() !== c;
    }
  }
  return s
    .toLowerCase()
    .replace(/[_.\- ]+([\p{Alpha}\p{N}_]|$)/gu, (_, p: string) => p.toUpperCase())
    .replace(/\d+([\p{Alpha}\p{N}_]|$)/gu, (m) => m.toUpperCase());
}

/** Top-level fields every object may carry besides its props. */
const TYPE_META_FIELDS = new Set(['apiVersion', 'kind', 'status']);

function unknownFields(value: unknown, type: JsiiTypeRef, segments: (string | number)[], model: Kubernetes128, out: SchemaProblem[]): void {
  // `segments` is one path stack, pushed and popped on the way down: no copy per field.
  if (value === null || value === undefined) return;
  if (type.collection) {
    const element = type.collection.elementtype;
    if (type.collection.kind === 'array' && Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        segments.push(i);
        unknownFields(value[i], element, segments, model, out);
        segments.pop();
      }
    } else if (type.collection.kind === 'map' && typeof value === 'object' && !Array.isArray(value)) {
      for (const k in value as Record<string, unknown>) {
        segments.push(k);
        unknownFields((value as Record<string, unknown>)[k], element, segments, model, out);
        segments.pop();
      }
    }
    return;
  }
  const struct = type.fqn ? model.structs.get(type.fqn) : undefined;
  if (!struct || typeof value !== 'object' || Array.isArray(value)) return;
  for (const key in value as Record<string, unknown>) {
    if (segments.length === 0 && TYPE_META_FIELDS.has(key)) continue;
    const childType = struct.get(jsiiPropertyName(key));
    segments.push(key);
    if (!childType) out.push({ rule: SCHEMA_RULES.unknownField.id, field: fieldPath(segments), message: 'is not a field of the Kubernetes 1.28 schema' });
    else unknownFields((value as Record<string, unknown>)[key], childType, segments, model, out);
    segments.pop();
  }
}

function valueAt(json: unknown, segments: readonly string[]): unknown {
  let v: any = json;
  for (const s of segments) v = v?.[s];
  return v;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** ajv's error list as problems with field paths and readable messages. */
function typeProblems(json: Record<string, any>, model: ModelClass): SchemaProblem[] {
  try {
    new model(json).validate();
    return [];
  } catch (e) {
    const errors: any[] = (e as { errors?: any[] }).errors ?? [{ instancePath: '', message: (e as Error).message, params: {} }];
    const seen = new Set<string>();
    const out: SchemaProblem[] = [];
    for (const err of errors) {
      const segments: string[] = String(err.instancePath ?? '').split('/').slice(1).map((s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
      const asPath = segments.map((s) => (/^\d+$/.test(s) ? Number(s) : s));
      let field = fieldPath(asPath);
      let message: string;
      if (err.keyword === 'required') {
        field = fieldPath([...asPath, err.params.missingProperty]);
        message = 'is required';
      } else if (err.keyword === 'enum') {
        message = `is ${describe(valueAt(json, segments))}, must be one of ${(err.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      } else {
        message = `is ${describe(valueAt(json, segments))}, ${err.message}`;
      }
      const key = `${field}|${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ rule: SCHEMA_RULES.invalid.id, field, message });
    }
    return out;
  }
}

/**
 * Validates one object: apiVersion/kind served by Kubernetes 1.28 (or by the
 * registered CRD versions), types, required fields and enums (with the kind's
 * validator), and (for Kubernetes' own kinds) no unknown fields. Returns an empty
 * list for a valid object.
 */
export function validateSchema(json: Record<string, any>, kinds: KindRegistry = KindRegistry.builtIns()): SchemaProblem[] {
  const { apiVersion, kind } = json ?? {};
  if (typeof apiVersion !== 'string' || !apiVersion || typeof kind !== 'string' || !kind) {
    const field = typeof apiVersion !== 'string' || !apiVersion ? 'apiVersion' : 'kind';
    return [{ rule: SCHEMA_RULES.typeMeta.id, field, message: 'is missing' }];
  }
  const k128 = loadKubernetes128();
  const group = groupOf(apiVersion);
  if (isKubernetesGroup(group, k128)) {
    const props = k128.kinds.get(`${apiVersion}|${kind}`);
    if (!props) return [{ rule: SCHEMA_RULES.notServed.id, field: 'apiVersion', message: `${apiVersion} ${kind} is not served by Kubernetes 1.28` }];
    const model = kinds.validator(apiVersion, kind);
    const problems = model ? typeProblems(json, model) : [];
    unknownFields(json, { fqn: props }, [], k128, problems);
    return problems;
  }
  const def = kinds.find(apiVersion, kind);
  if (!def) return [{ rule: SCHEMA_RULES.unknownKind.id, field: 'apiVersion', message: `no schema is known for ${apiVersion} ${kind}, so it was not validated` }];
  if (!def.versions.includes(apiVersion.slice(group.length + 1))) {
    return [{ rule: SCHEMA_RULES.notServed.id, field: 'apiVersion', message: `${apiVersion} ${kind} is not served by the ${group} CRDs (served: ${def.versions.join(', ')})` }];
  }
  const model = kinds.validator(apiVersion, kind);
  if (!model) return [{ rule: SCHEMA_RULES.unknownKind.id, field: 'apiVersion', message: `no schema validator is registered for ${apiVersion} ${kind}, so it was not validated` }];
  return typeProblems(json, model);
}

const RULE_BY_ID = new Map<string, Rule>(Object.values(SCHEMA_RULES).map((r) => [r.id, r]));

/** The schema family: every object against its schema; unregistered kinds that carry a pod template are named. */
export function checkSchemas(objects: readonly CheckedObject[], kinds: KindRegistry): Finding[] {
  const out: Finding[] = [];
  for (const obj of objects) {
    for (const p of validateSchema(obj.json, kinds)) out.push(findingOf(RULE_BY_ID.get(p.rule)!, obj, p.field, p.message));
    const containers = obj.json?.spec?.template?.spec?.containers;
    if (Array.isArray(containers) && typeof obj.json.apiVersion === 'string' && typeof obj.json.kind === 'string' && !kinds.definitionOf(obj.json)) {
      const { apiVersion, kind } = obj.json;
      out.push(findingOf(SCHEMA_RULES.unregisteredPods, obj, 'spec.template.spec.containers', `${apiVersion} ${kind} is not a registered kind, so the pods of its template were not checked (Pod Security, best practices)`));
    }
  }
  return out;
}
