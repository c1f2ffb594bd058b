/**
 * A small, fast YAML emitter for JSON data (plain objects, arrays, strings,
 * numbers, booleans, null). Synthesis spends most of its time here at thousands
 * of services, and general-purpose YAML libraries build a document tree first;
 * this writes block-style YAML straight from the data, in the layout the `yaml`
 * package uses. Strings that a YAML 1.1 or 1.2 parser could read as anything
 * but the same string (numbers, booleans, null, dates, indicators) are quoted;
 * multi-line strings use literal blocks. The tests prove the round trip with the
 * `yaml` parser under both YAML versions.
 */

const RESERVED = new Set(['', '~', 'null', 'true', 'false', 'yes', 'no', 'on', 'off', 'y', 'n', '<<', '=']);
const PLAIN_START = /^([A-Za-z_/]|-[A-Za-z]|--[A-Za-z])/;
const PLAIN_BODY = /^[-A-Za-z0-9_/.:@%+=,() ]*$/;
const QUANTITY_LIKE = /^[0-9]+(\.[0-9]+)?[A-Za-z][A-Za-z0-9]*$/;
const NUMBER_LIKE = /^[0-9.]+[eE][-+]?[0-9]+$|^0[xXoObB]/;
/** Exponent-only forms some YAML 1.1 parsers read as floats (`e0`, `E5`). */
const EXPONENT_LIKE = /^[-+._0-9]*[eE][-+]?[0-9_]+$/;
const PRINTABLE_MULTILINE = /^[^\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029\ufeff]*$/;

/** True when `s` can be written without quotes and reads back as the same string in YAML 1.1 and 1.2. */
function isPlainSafe(s: string): boolean {
  if (RESERVED.has(s.toLowerCase()) || EXPONENT_LIKE.test(s)) return false;
  if (PLAIN_START.test(s)) {
    return PLAIN_BODY.test(s) && !s.includes(': ') && !s.includes(' #') && !s.endsWith(':') && !s.endsWith(' ');
  }
  return QUANTITY_LIKE.test(s) && !NUMBER_LIKE.test(s);
}

/** Written forms of strings seen so far: names, labels and field names repeat thousands of times. */
const WRITTEN = new Map<string, string>();
const WRITTEN_LIMIT = 100_000;

function scalar(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} to YAML`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const s = String(value);
  let written = WRITTEN.get(s);
  if (written === undefined) {
    written = isPlainSafe(s) ? s : JSON.stringify(s);
    if (WRITTEN.size < WRITTEN_LIMIT && s.length <= 256) WRITTEN.set(s, written);
  }
  return written;
}

/** A literal block (`|` / `|-`) for readable multi-line strings, or undefined when one cannot hold `s` exactly. */
function literalBlock(s: string, indent: string): string | undefined {
  if (!s.includes('\n') || !PRINTABLE_MULTILINE.test(s) || s.includes('\t')) return undefined;
  const body = s.endsWith('\n') ? s.slice(0, -1) : s;
  if (body.endsWith('\n') || body.startsWith(' ') || body.startsWith('\n') || body.length === 0) return undefined;
  const header = s.endsWith('\n') ? '|' : '|-';
  return `${header}\n${body
    .split('\n')
    .map((line) => (line ? indent + line : ''))
    .join('\n')}`;
}

function isEmptyCollection(v: unknown): string | undefined {
  if (Array.isArray(v) && v.length === 0) return '[]';
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  for (const k in v) if (Object.hasOwn(v, k) && (v as Record<string, unknown>)[k] !== undefined) return undefined;
  return '{}';
}

// The writers push a line's pieces into `out` rather than concatenating them: joined once at the
// end, the output costs its own bytes, not a chain of partial strings for every line.

function writeMap(obj: Record<string, unknown>, indent: string, out: string[], firstPrefix?: string): void {
  let first = true;
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    if (value === undefined) continue;
    out.push(first && firstPrefix !== undefined ? firstPrefix : indent, scalar(key));
    first = false;
    writeValue(value, indent, out);
  }
}

/** Writes what follows a key (`key` and its lead are in `out` already): `: value`, or `:` and the nested block. */
function writeValue(value: unknown, indent: string, out: string[]): void {
  const empty = isEmptyCollection(value);
  if (empty) out.push(': ', empty, '\n');
  else if (Array.isArray(value)) {
    out.push(':\n');
    writeSeq(value, `${indent}  `, out);
  } else if (value !== null && typeof value === 'object') {
    out.push(':\n');
    writeMap(value as Record<string, unknown>, `${indent}  `, out);
  } else {
    const block = typeof value === 'string' ? literalBlock(value, `${indent}  `) : undefined;
    out.push(': ', block ?? scalar(value), '\n');
  }
}

function writeSeq(items: readonly unknown[], indent: string, out: string[]): void {
  const dash = `${indent}- `;
  for (const item of items) {
    const empty = isEmptyCollection(item);
    if (empty) out.push(dash, empty, '\n');
    else if (Array.isArray(item)) {
      out.push(indent, '-\n');
      writeSeq(item, `${indent}  `, out);
    } else if (item !== null && typeof item === 'object') {
      writeMap(item as Record<string, unknown>, `${indent}  `, out, dash);
    } else {
      const block = typeof item === 'string' ? literalBlock(item, `${indent}  `) : undefined;
      out.push(dash, block ?? scalar(item), '\n');
    }
  }
}

/** Appends one YAML document (without a `---` separator) for a JSON value to `out`. */
function writeDocument(value: unknown, out: string[]): void {
  const empty = isEmptyCollection(value);
  if (empty) out.push(empty, '\n');
  else if (Array.isArray(value)) writeSeq(value, '', out);
  else if (value !== null && typeof value === 'object') writeMap(value as Record<string, unknown>, '', out);
  else {
    const block = typeof value === 'string' ? literalBlock(value, '  ') : undefined;
    out.push(block ?? scalar(value), '\n');
  }
}

/** Serializes values to one YAML stream, `---` between documents. */
export function toYaml(values: readonly unknown[]): string {
  const out: string[] = [];
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out.push('---\n');
    writeDocument(values[i], out);
  }
  return out.join('');
}
