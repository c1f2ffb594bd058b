import { createRequire } from 'node:module';
import { k8s } from 'cdk8s-plus-28';

/** What is read of a typed L1 class here: its kind (any class of cdk8s-plus-28's `k8s`). */
interface L1Type {
  readonly GVK: { readonly apiVersion: string; readonly kind: string };
}

/** One field of an L1 struct: JSON name, props name, conversion code, nested struct (see scripts/generate-l1-fields.ts). */
type Field = readonly [json: string, prop: string, code: string, struct?: string];
interface L1Fields {
  readonly version: string;
  readonly kinds: Readonly<Record<string, string>>;
  readonly structs: Readonly<Record<string, readonly Field[]>>;
}

const require = createRequire(import.meta.url);
let table: L1Fields | null | undefined;
/** Props struct of each cdk8s-plus-28 L1 class, by class (its export name: bundlers may rename classes). */
let structOfType: Map<unknown, string> | undefined;

/** The field table, or null when the installed cdk8s-plus-28 is not the version it was read from. */
function fields(): L1Fields | null {
  if (table === undefined) {
    const generated = require('./l1-fields.cjs') as L1Fields;
    const installed = (require('cdk8s-plus-28/package.json') as { version: string }).version;
    table = generated.version === installed ? generated : null;
  }
  return table;
}

/** The props struct of a cdk8s-plus-28 L1 class, or undefined for any other KubeType. */
function propsStruct(type: L1Type): string | undefined {
  if (!structOfType) {
    const t = fields();
    structOfType = new Map();
    if (t) for (const [name, value] of Object.entries(k8s)) if (t.kinds[name]) structOfType.set(value, t.kinds[name]);
  }
  return structOfType.get(type);
}

/** `plainJson` of a value the library passes through unchanged. */
type Copy = (value: unknown) => unknown;

const droppedInObject = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

function setField(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

function list(values: any, item: (y: unknown) => unknown): unknown[] {
  const mapped: unknown[] = values.map(item);
  for (let i = 0; i < mapped.length; i++) if (droppedInObject(mapped[i])) mapped[i] = null;
  return mapped;
}

function map(values: any, entry: (v: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values as object)) {
    if (v === undefined) continue;
    const converted = entry(v);
    if (!droppedInObject(converted)) setField(out, k, converted);
  }
  return out;
}

/**
 * Rendered forms of frozen props, by props object and struct: a constant many objects use
 * (see {@link sharedConstant}, e.g. the restricted security context) is rendered once and
 * its frozen JSON shared by all of them, instead of a copy in each.
 */
const renderedConstants = new WeakMap<object, Map<string, unknown>>();

function shareRendered(input: object, key: string, render: () => unknown): unknown {
  let byKey = renderedConstants.get(input);
  if (!byKey) renderedConstants.set(input, (byKey = new Map()));
  if (!byKey.has(key)) byKey.set(key, deepFreeze(render()));
  return byKey.get(key);
}

/** `render()`, rendered once and shared when `input` is frozen (a {@link sharedConstant}). */
function rendered(input: unknown, key: string, render: () => unknown): unknown {
  return typeof input === 'object' && input !== null && Object.isFrozen(input) ? shareRendered(input, key, render) : render();
}

/** Freezes a JSON value and everything in it. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

const namedConstants = new Map<string, unknown>();

/**
 * Typed L1 props built by `build` for `key`, built once and frozen with everything in them: a
 * constant that objects repeat unchanged (a security context, a probe). Every object that uses
 * it shares one frozen rendering, so such a part of `manifest` is read-only (`addJsonPatch`
 * still changes an object's output). Equal settings must give equal keys.
 */
export function sharedConstant<T>(key: string, build: () => T): T {
  if (!namedConstants.has(key)) namedConstants.set(key, deepFreeze(build()));
  return namedConstants.get(key) as T;
}

function struct(name: string, obj: any, structs: L1Fields['structs'], copy: Copy): Record<string, unknown> | undefined {
  if (obj === undefined) return undefined;
  return rendered(obj, name, () => renderStruct(name, obj, structs, copy)) as Record<string, unknown>;
}

function renderStruct(name: string, obj: any, structs: L1Fields['structs'], copy: Copy): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fieldsOfStruct = structs[name]!;
  for (let i = 0; i < fieldsOfStruct.length; i++) {
    // Indexed reads, not a destructuring: that allocates an iterator per field until the function is optimized.
    const field = fieldsOfStruct[i]!;
    const json = field[0];
    const prop = field[1];
    const code = field[2];
    const child = field[3];
    const v = obj[prop];
    let converted: unknown;
    switch (code) {
      case 'v': converted = rendered(v, '', () => copy(v)); break;
      case 's': converted = struct(child!, v, structs, copy); break;
      case 'as': converted = v === undefined || v === null ? undefined : rendered(v, `${child}[]`, () => list(v, (y) => struct(child!, y, structs, copy))); break;
      case 'a': converted = v === undefined || v === null ? undefined : rendered(v, '[]', () => list(v, copy)); break;
      case 'q': converted = copy(v?.value); break;
      case 'd': converted = v?.toISOString(); break;
      case 'm': converted = v === undefined ? undefined : rendered(v, '{}', () => map(v, copy)); break;
      case 'mq': converted = v === undefined ? undefined : map(v, (y: any) => copy(y?.value)); break;
      case 'ms': converted = v === undefined ? undefined : map(v, (y) => struct(child!, y, structs, copy)); break;
      case 'ma': converted = v === undefined ? undefined : map(v, (y: any) => (y === undefined || y === null ? undefined : list(y, copy))); break;
      default: throw new Error(`l1-fields.cjs: unknown conversion ${code}`);
    }
    if (!droppedInObject(converted)) setField(out, json, converted);
  }
  return out;
}

/**
 * `plainJson({ ...type.GVK, ...type.manifest(props) })` in one pass, for the typed L1 classes of
 * cdk8s-plus-28: the same fields, order and values, without the library's intermediate
 * objects. Undefined for any other KubeType, or when the installed library is not the version
 * the field table was read from (the caller then takes the library's own path).
 */
export function renderL1(type: L1Type, props: unknown, copy: Copy): Record<string, unknown> | undefined {
  const name = propsStruct(type);
  if (!name) return undefined;
  return { ...type.GVK, ...struct(name, props ?? {}, fields()!.structs, copy) };
}
