import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { parseAllDocuments } from 'yaml';
import { MARKER_FILE, readTree, userFiles } from '../core/synth.js';
import { findApp, runAppCommand } from './app.js';
import { refusedChange } from './immutable-fields.js';
import { CliError, type CliIo } from './io.js';

interface Located {
  readonly file: string;
  readonly json: Record<string, any>;
}

/** Objects of a tree keyed by `stack folder: Kind namespace/name`; other files by name. */
function index(tree: ReadonlyMap<string, string>): { objects: Map<string, Located>; texts: Map<string, string> } {
  const objects = new Map<string, Located>();
  const texts = new Map<string, string>();
  for (const [file, text] of tree) {
    if (file === MARKER_FILE) continue;
    if (!/\.ya?ml$/.test(file)) {
      texts.set(file, text);
      continue;
    }
    const stack = file.includes('/') ? file.slice(0, file.indexOf('/')) : '.';
    for (const doc of parseAllDocuments(text)) {
      const json = doc.toJS();
      if (!json || typeof json !== 'object') continue;
      const ns = json.metadata?.namespace;
      objects.set(`${stack}: ${json.kind} ${ns ? `${ns}/` : ''}${json.metadata?.name}`, { file, json });
    }
  }
  return { objects, texts };
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Every scalar under `value` as `path: value` (an empty object or list as itself), so nothing is cut off. */
function leaves(value: unknown, at: string): string[] {
  if (isPlain(value) && Object.keys(value).length) return Object.keys(value).sort().flatMap((k) => leaves(value[k], at ? `${at}.${k}` : k));
  if (Array.isArray(value) && value.length) return value.flatMap((x, i) => leaves(x, `${at}[${i}]`));
  return [`${at}: ${JSON.stringify(value)}`];
}

/**
 * The natural key of list items, as Kubernetes merges them: `name` (containers, env, volumes,
 * named ports), else the port (`containerPort`/`port` with `protocol`), else `mountPath` or `key`.
 */
const KEYS: readonly (readonly string[])[] = [['name'], ['containerPort', 'protocol'], ['port', 'protocol'], ['mountPath'], ['key']];

function naturalKey(before: unknown[], after: unknown[]): ((x: any) => string) | undefined {
  const all = [...before, ...after];
  if (!all.length || !all.every(isPlain)) return undefined;
  for (const fields of KEYS) {
    if (!all.every((x) => (x as Record<string, unknown>)[fields[0]!] !== undefined)) continue;
    const key = (x: any) => fields.filter((f) => x[f] !== undefined).map((f) => `${f}=${typeof x[f] === 'string' ? x[f] : JSON.stringify(x[f])}`).join(',');
    if (new Set(before.map(key)).size === before.length && new Set(after.map(key)).size === after.length) return key;
  }
  return undefined;
}

/**
 * Field-level changes between two values: `~ a.b: 1 → 2`, `+ a.c: …`, `- a.d: …`. List items
 * are matched by their natural key (`[name=api]`, `[containerPort=8080]`); items without one
 * (NetworkPolicy rules) by content, so an added rule shows as `+` with its fields and the
 * others stay quiet. Added and removed values are shown field by field, never cut off.
 */
export function fieldChanges(before: unknown, after: unknown, at = ''): string[] {
  if (same(before, after)) return [];
  const join = (key: string) => (at ? `${at}.${key}` : key);
  if (isPlain(before) && isPlain(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => {
      if (!(k in after)) return leaves(before[k], join(k)).map((l) => `- ${l}`);
      if (!(k in before)) return leaves(after[k], join(k)).map((l) => `+ ${l}`);
      return fieldChanges(before[k], after[k], join(k));
    });
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const key = naturalKey(before, after);
    if (key) {
      const b = new Map(before.map((x) => [key(x), x]));
      const a = new Map(after.map((x) => [key(x), x]));
      return [...new Set([...b.keys(), ...a.keys()])].flatMap((k) => {
        const item = `${at}[${k}]`;
        if (!a.has(k)) return [`- ${item}`];
        if (!b.has(k)) return leaves(a.get(k), item).map((l) => `+ ${l}`);
        return fieldChanges(b.get(k), a.get(k), item);
      });
    }
    // No key: items found unchanged on both sides are matched; the rest pair up in order.
    const unmatchedAfter = after.map((_, i) => i);
    const removed: number[] = [];
    before.forEach((x, i) => {
      const j = unmatchedAfter.findIndex((k) => same(after[k], x));
      if (j >= 0) unmatchedAfter.splice(j, 1);
      else removed.push(i);
    });
    const out: string[] = [];
    const paired = Math.min(removed.length, unmatchedAfter.length);
    for (let n = 0; n < paired; n++) out.push(...fieldChanges(before[removed[n]!], after[unmatchedAfter[n]!], `${at}[${unmatchedAfter[n]}]`));
    for (const i of removed.slice(paired)) out.push(...leaves(before[i], `${at}[${i}]`).map((l) => `- ${l}`));
    for (const j of unmatchedAfter.slice(paired)) out.push(...leaves(after[j], `${at}[${j}]`).map((l) => `+ ${l}`));
    return out;
  }
  if ((isPlain(before) || Array.isArray(before)) || (isPlain(after) || Array.isArray(after))) {
    return [...leaves(before, at).map((l) => `- ${l}`), ...leaves(after, at).map((l) => `+ ${l}`)];
  }
  return [`~ ${at}: ${JSON.stringify(before)} → ${JSON.stringify(after)}`];
}

/**
 * A readable diff between two output trees; `changes` is 0 when they match. `refusals` counts
 * objects whose change the API server refuses in place (each marked `!` with what to run).
 */
export function diffTrees(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): { text: string; changes: number; refusals: number } {
  const old = index(before);
  const now = index(after);
  const lines: string[] = [];
  let changes = 0;
  let refusals = 0;
  const keys = [...new Set([...old.objects.keys(), ...now.objects.keys()])].sort();
  for (const key of keys) {
    const b = old.objects.get(key);
    const a = now.objects.get(key);
    if (!b) lines.push(`+ ${key} (${a!.file})`);
    else if (!a) lines.push(`- ${key} (${b.file})`);
    else {
      const fields = fieldChanges(b.json, a.json);
      const moved = b.file !== a.file ? ` (moved from ${b.file} to ${a.file})` : '';
      if (!fields.length && !moved) continue;
      lines.push(`~ ${key}${moved}`, ...fields.map((f) => `    ${f}`));
      const refused = refusedChange(b.json, a.json);
      if (refused) {
        refusals++;
        lines.push(`    ! the API server refuses ${refused.fields.join(', ')} in place: ${refused.reason}. Run: ${refused.action}`);
      }
    }
    changes++;
  }
  const files = [...new Set([...old.texts.keys(), ...now.texts.keys()])].sort();
  for (const file of files) {
    const b = old.texts.get(file);
    const a = now.texts.get(file);
    if (b === a) continue;
    changes++;
    if (b === undefined) lines.push(`+ file ${file}`);
    else if (a === undefined) lines.push(`- file ${file}`);
    else lines.push(`~ file ${file}`, ...createTwoFilesPatch(file, file, b, a, 'committed', 'synthesized').trimEnd().split('\n').slice(2).map((l) => `    ${l}`));
  }
  return { text: lines.join('\n'), changes, refusals };
}

/** Options of `keelson diff`. */
export interface DiffCommandOptions {
  /** The committed output to compare with. @default 'dist' */
  readonly out?: string;
  /** App command. @default - `app` of cdk8s.yaml */
  readonly app?: string;
}

/** `keelson diff`: synthesizes into a temporary folder and compares it with the output directory; 1 when they differ. */
export function diffCommand(options: DiffCommandOptions, debug: boolean, io: CliIo, cwd = process.cwd()): number {
  const app = findApp(cwd, options.app);
  const outdir = path.resolve(cwd, options.out ?? 'dist');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-diff-'));
  try {
    const result = runAppCommand(app, { outdir: path.join(tmp, 'out'), debug });
    if (result.status !== 0) throw new CliError('the app failed to synthesize, so there is nothing to compare', 1, `${result.stdout}${result.stderr}`.trimEnd());
    const mine = userFiles(outdir);
    const committed = new Map([...(readTree(outdir) ?? new Map<string, string>())].filter(([file]) => !mine.has(file)));
    const { text, changes, refusals } = diffTrees(committed, readTree(path.join(tmp, 'out')) ?? new Map());
    const relative = path.relative(cwd, outdir);
    const shown = relative && !relative.startsWith('..') ? relative : outdir;
    if (!changes) {
      io.out(`keelson diff: ${shown} is up to date`);
      return 0;
    }
    io.out(text);
    if (refusals) io.out(`keelson diff: ${refusals} object${refusals === 1 ? '' : 's'} cannot be updated in place (marked !): run what each says when you apply`);
    io.out(`keelson diff: ${changes} change${changes === 1 ? '' : 's'}: ${shown} is stale; run keelson synth and commit the result`);
    return 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
