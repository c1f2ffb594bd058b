import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { createTwoFilesPatch } from 'diff';
import { parseAllDocuments } from 'yaml';
import { MARKER_FILE, readTree, userFiles } from '../core/synth.js';
import { findApp, runAppCommand } from './app.js';
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

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? 'undefined' : text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field-level changes between two values: `~ a.b: 1 → 2`, `+ a.c: …`, `- a.d: …`. Named list items are matched by name. */
export function fieldChanges(before: unknown, after: unknown, at = ''): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const join = (key: string) => (at ? `${at}.${key}` : key);
  if (isPlain(before) && isPlain(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => {
      if (!(k in after)) return [`- ${join(k)}: ${show(before[k])}`];
      if (!(k in before)) return [`+ ${join(k)}: ${show(after[k])}`];
      return fieldChanges(before[k], after[k], join(k));
    });
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const named = (list: unknown[]) => list.every((x) => isPlain(x) && typeof x.name === 'string') && new Set(list.map((x) => (x as { name: string }).name)).size === list.length;
    if (named(before) && named(after)) {
      const byName = (list: any[]) => new Map(list.map((x) => [x.name as string, x]));
      const b = byName(before);
      const a = byName(after);
      const names = [...new Set([...b.keys(), ...a.keys()])];
      return names.flatMap((n) => {
        const item = `${at}[name=${n}]`;
        if (!a.has(n)) return [`- ${item}`];
        if (!b.has(n)) return [`+ ${item}: ${show(a.get(n))}`];
        return fieldChanges(b.get(n), a.get(n), item);
      });
    }
    if (before.length === after.length) return before.flatMap((x, i) => fieldChanges(x, after[i], `${at}[${i}]`));
  }
  return [`~ ${at}: ${show(before)} → ${show(after)}`];
}

/** A readable diff between two output trees; `changes` is 0 when they match. */
export function diffTrees(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): { text: string; changes: number } {
  const old = index(before);
  const now = index(after);
  const lines: string[] = [];
  let changes = 0;
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
  return { text: lines.join('\n'), changes };
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
    const { text, changes } = diffTrees(committed, readTree(path.join(tmp, 'out')) ?? new Map());
    const relative = path.relative(cwd, outdir);
    const shown = relative && !relative.startsWith('..') ? relative : outdir;
    if (!changes) {
      io.out(`keelson diff: ${shown} is up to date`);
      return 0;
    }
    io.out(text);
    io.out(`keelson diff: ${changes} change${changes === 1 ? '' : 's'}: ${shown} is stale; run keelson synth and commit the result`);
    return 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Registers `diff` on the program. */
export function registerDiff(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('diff')
    .description('synthesize into a temporary folder and show what would change in the output directory; exit code 1 when it is stale')
    .option('--out <dir>', 'the committed output directory', 'dist')
    .option('--app <command>', 'command that runs the app (default: "app" of cdk8s.yaml)')
    .action((options: DiffCommandOptions) => setExit(diffCommand(options, Boolean(program.opts().debug), io)));
}
