import { KindRegistry, type ModelClass } from '../kinds.js';
import { findingOf, fieldPath, type CheckedObject, type Finding, type Rule } from './finding.js';
import { kubernetesGroups, kubernetesValidator, type SchemaError, type ValidateFunction } from './kubernetes-schema.js';

/**
 * Schema checks against Kubernetes 1.28 and the CRDs Keelson emits.
 *
 * - Kubernetes' own kinds: which apiVersion/kind pairs 1.28 serves, field types,
 *   required fields, and no unknown fields (as `kubectl apply --validate=strict`):
 *   validators generated from the upstream 1.28 OpenAPI spec (kubernetes-schema.ts).
 * - Custom resources: the validator of the kind's registry entry or the registry's
 *   SchemaSource (generated from the upstream CRD's schema into src/imports, an
 *   `@kubernetes-models/*` package's for versions without an upstream file, or
 *   registered by the app).
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

/** API groups Kubernetes removed entirely before 1.28. */
const REMOVED_GROUPS = new Set(['extensions', 'settings.k8s.io', 'auditregistration.k8s.io']);

/** Groups of Kubernetes itself, including ones 1.28 no longer serves. */
function isKubernetesGroup(group: string): boolean {
  return kubernetesGroups().has(group) || REMOVED_GROUPS.has(group);
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

/** Top-level fields every object may carry besides those its schema lists. */
const TYPE_META_FIELDS = new Set(['apiVersion', 'kind', 'status']);

/** A copy of `value` without the object fields that are null: the API server decodes an explicit null as an absent field. */
function withoutNulls(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(withoutNulls);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNulls(v);
  return out;
}

function containsNull(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== 'object') return false;
  for (const v of Object.values(value as object)) if (containsNull(v)) return true;
  return false;
}

/** Validates one object of Kubernetes' own kinds: types, required fields and (as `kubectl apply --validate=strict`) unknown fields. */
function kubernetesProblems(json: Record<string, any>, validate: ValidateFunction): SchemaProblem[] {
  if (validate(json)) return [];
  if (containsNull(json)) {
    const cleaned = withoutNulls(json) as Record<string, any>;
    if (validate(cleaned)) return [];
    return problemsOf(cleaned, validate.errors ?? [], true);
  }
  return problemsOf(json, validate.errors ?? [], true);
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
    return problemsOf(json, (e as { errors?: SchemaError[] }).errors ?? [{ instancePath: '', message: (e as Error).message, keyword: 'schema', params: {} }], false);
  }
}

/**
 * Readable problems from ajv errors: one per field and message; alternatives (int-or-string,
 * quantities) as one "must be integer or string"; with `strictFields`, an additional
 * property is an unknown field, as the API server's strict field validation reports it.
 */
function problemsOf(json: Record<string, any>, errors: readonly SchemaError[], strictFields: boolean): SchemaProblem[] {
  const alternatives = new Map<string, string[]>();
  for (const err of errors) if (err.keyword === 'anyOf') alternatives.set(err.instancePath, []);
  for (const err of errors) if (err.keyword === 'type' && alternatives.has(err.instancePath)) alternatives.get(err.instancePath)!.push(String(err.params.type));
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const err of errors) {
    const segments: string[] = String(err.instancePath ?? '').split('/').slice(1).map((s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const asPath = segments.map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    let rule: string = SCHEMA_RULES.invalid.id;
    let field = fieldPath(asPath);
    let message: string;
    const types = alternatives.get(err.instancePath);
    if (types && err.keyword === 'type') continue;
    if (err.keyword === 'additionalProperties' && strictFields) {
      if (asPath.length === 0 && TYPE_META_FIELDS.has(err.params.additionalProperty)) continue;
      rule = SCHEMA_RULES.unknownField.id;
      field = fieldPath([...asPath, err.params.additionalProperty]);
      message = 'is not a field of the Kubernetes 1.28 schema';
    } else if (err.keyword === 'required') {
      field = fieldPath([...asPath, err.params.missingProperty]);
      message = 'is required';
    } else if (err.keyword === 'enum') {
      message = `is ${describe(valueAt(json, segments))}, must be one of ${(err.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    } else if (types) {
      message = `is ${describe(valueAt(json, segments))}, must be ${types.join(' or ')}`;
    } else {
      message = `is ${describe(valueAt(json, segments))}, ${err.message}`;
    }
    const key = `${rule}|${field}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ rule, field, message });
  }
  return out;
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
  const group = groupOf(apiVersion);
  if (isKubernetesGroup(group)) {
    const validate = kubernetesValidator(apiVersion, kind);
    if (!validate) return [{ rule: SCHEMA_RULES.notServed.id, field: 'apiVersion', message: `${apiVersion} ${kind} is not served by Kubernetes 1.28` }];
    return kubernetesProblems(json, validate);
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
