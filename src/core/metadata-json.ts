import type { ApiObjectMetadataDefinition } from 'cdk8s';

/** What cdk8s keeps in an ApiObjectMetadataDefinition (private fields there, read here). */
interface MetadataFields {
  readonly name?: unknown;
  readonly namespace?: unknown;
  readonly labels?: unknown;
  readonly annotations?: unknown;
  readonly finalizers?: unknown;
  readonly ownerReferences?: unknown;
  readonly _additionalAttributes?: unknown;
}

/** Returned for a value that cdk8s would have to resolve (a Lazy, a class instance): the caller then takes cdk8s' own path. */
const NOT_PLAIN = Symbol('not plain');

/**
 * cdk8s' `sanitizeValue(resolve(value), { filterEmptyArrays, filterEmptyObjects })` for plain
 * JSON values: keys sorted at every level, null and undefined fields dropped, empty lists and
 * objects dropped (list items are kept as they are). NOT_PLAIN for anything else.
 */
function sanitized(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value !== 'object') return NOT_PLAIN;
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = sanitized(value[i]);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      out[i] = item;
    }
    return out;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  let empty = true;
  for (const key of Object.keys(value).sort()) {
    if (key === '__proto__') return NOT_PLAIN;
    const field = sanitized((value as Record<string, unknown>)[key]);
    if (field === NOT_PLAIN) return NOT_PLAIN;
    if (field !== undefined && field !== null) {
      out[key] = field;
      empty = false;
    }
  }
  return empty ? undefined : out;
}

/** The fields cdk8s sets over the additional attributes, in sorted order. */
const OWN_FIELDS = ['annotations', 'finalizers', 'labels', 'name', 'namespace', 'ownerReferences'] as const;
const OWN = new Set<string>(OWN_FIELDS);

/**
 * `metadata.toJson()` of a cdk8s ApiObject whose metadata holds plain values (strings,
 * numbers, plain objects and lists), in one pass: the same fields, order and values,
 * without cdk8s' resolver walk. Undefined when some value needs resolving, when nothing is
 * set, or when the installed cdk8s keeps metadata in other fields; the caller then calls
 * `toJson()`.
 */
export function renderMetadata(metadata: ApiObjectMetadataDefinition): Record<string, unknown> | undefined {
  const fields = metadata as unknown as MetadataFields;
  const additional = fields._additionalAttributes as Record<string, unknown> | undefined;
  if (typeof additional !== 'object' || additional === null || !Array.isArray(fields.finalizers) || !Array.isArray(fields.ownerReferences)) return undefined;
  // cdk8s renders `{ ...additional, name, namespace, annotations, finalizers, ownerReferences, labels }` with sorted keys.
  const extra = Object.keys(additional).filter((key) => !OWN.has(key));
  const keys: readonly string[] = extra.length ? [...OWN_FIELDS, ...extra].sort() : OWN_FIELDS;
  const out: Record<string, unknown> = {};
  let empty = true;
  for (const key of keys) {
    if (key === '__proto__') return undefined;
    const field = sanitized(OWN.has(key) ? fields[key as keyof MetadataFields] : additional[key]);
    if (field === NOT_PLAIN) return undefined;
    if (field !== undefined && field !== null) {
      out[key] = field;
      empty = false;
    }
  }
  return empty ? undefined : out;
}
