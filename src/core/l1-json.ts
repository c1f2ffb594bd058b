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

function struct(name: string, obj: any, structs: L1Fields['structs'], copy: Copy): Record<string, unknown> | undefined {
  if (obj === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const [json, prop, code, child] of structs[name]!) {
    const v = obj[prop];
    let converted: unknown;
    switch (code) {
      case 'v': converted = copy(v); break;
      case 's': converted = struct(child!, v, structs, copy); break;
      case 'as': converted = v === undefined || v === null ? undefined : list(v, (y) => struct(child!, y, structs, copy)); break;
      case 'a': converted = v === undefined || v === null ? undefined : list(v, copy); break;
      case 'q': converted = copy(v?.value); break;
      case 'd': converted = v?.toISOString(); break;
      case 'm': converted = v === undefined ? undefined : map(v, copy); break;
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
