import * as fs from 'node:fs';
import * as path from 'node:path';
import { activeErrors, ChecksFailedError, type Finding } from './checks/finding.js';
import { runChecks } from './checks/index.js';
import { waiversOf } from './checks/waivers.js';
import { OutputError } from './errors.js';
import { collectStacks } from './manifest.js';
import { prepareOutdir, replaceOutdir } from './output-dir.js';
import type { StackManifest, SynthContext } from './synth-context.js';
import { toYaml } from './yaml.js';
import { ErrorContext } from './errors.js';
import { checkKnownKeys, checkObject, propKeys } from './props.js';

/** Serializes objects to one YAML stream, `---` between documents (the writer synth uses). */
export { toYaml };

/** Options of {@link synth}. */
export interface SynthOptions {
  /** Output directory; replaced as a whole. @default $CDK8S_OUTDIR or 'dist' */
  readonly outdir?: string;
  /** Only these stack folders are written; the others keep their current files. @default - all stacks */
  readonly only?: readonly string[];
}

/** What {@link synth} wrote. */
export interface SynthResult {
  /** The output directory. */
  readonly outdir: string;
  /** The stacks, with their objects in apply order. */
  readonly stacks: readonly StackManifest[];
  /** Number of objects per kind. */
  readonly kinds: Readonly<Record<string, number>>;
  /** Files (relative to outdir) that are new. */
  readonly added: readonly string[];
  /** Files whose content changed. */
  readonly changed: readonly string[];
  /** Files removed because nothing produces them any more. */
  readonly pruned: readonly string[];
  /** Number of files written. */
  readonly fileCount: number;
  /** Milliseconds spent per phase: collect (tree walk and serialization), check, write (YAML rendering and files). */
  readonly timings: Readonly<Record<string, number>>;
  /** Check findings of every stack: warnings, and waived errors. */
  readonly findings: readonly Finding[];
}

/**
 * The file that marks a folder as written by keelson, so synth never replaces a folder it
 * does not own. It lists the files synth wrote: the next synth replaces or prunes exactly
 * those and keeps every other file (a hand-written `kustomization.yaml`, a README).
 */
export const MARKER_FILE = '.keelson';
const MARKER_HEADER = 'Written by `keelson synth`. Every synth replaces or removes the files listed below; other files in this folder are kept.\n';

function markerText(files: Iterable<string>): string {
  return `${MARKER_HEADER}\n${[...files].sort().join('\n')}\n`;
}

/**
 * The files under `outdir` that keelson did not write (its marker does not list them), which
 * synth keeps and `keelson diff` ignores. None when the folder has no marker or one from a
 * version that listed no files.
 */
export function userFiles(outdir: string): Set<string> {
  const marker = path.join(outdir, MARKER_FILE);
  const files = listTree(outdir);
  if (!files || !fs.existsSync(marker)) return new Set();
  const [header, list] = fs.readFileSync(marker, 'utf8').split('\n\n');
  if (header !== MARKER_HEADER.trimEnd() || list === undefined) return new Set();
  const ours = new Set(list.split('\n').filter(Boolean));
  return new Set([...files].filter((f) => f !== MARKER_FILE && !ours.has(f)));
}

/** Renders one stack (objects as YAML, plus its extra files) into file contents keyed by path relative to the output directory, sorted. */
export function renderStack(stack: StackManifest): Map<string, string> {
  const byFile = new Map<string, Record<string, unknown>[]>();
  for (const o of stack.objects) {
    const key = `${stack.dir}/${o.file}`;
    let list = byFile.get(key);
    if (!list) byFile.set(key, (list = []));
    list.push(o.json);
  }
  const texts = new Map<string, string>();
  for (const [key, objects] of byFile) texts.set(key, toYaml(objects));
  for (const [name, text] of Object.entries(stack.files ?? {})) texts.set(`${stack.dir}/${name}`, text);
  return new Map([...texts.keys()].sort().map((k) => [k, texts.get(k)!]));
}

/** Renders the stacks into file contents keyed by path relative to the output directory, sorted. */
export function renderFiles(stacks: readonly StackManifest[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of stacks) for (const [name, text] of renderStack(s)) out.set(name, text);
  return new Map([...out.keys()].sort().map((k) => [k, out.get(k)!]));
}

/**
 * Synthesizes every Stack under `context.root` into the output directory: one walk of the
 * tree (with the context's extensions), validation, checks (an error stops synth), apply
 * order, YAML. Files are written to a temporary folder that then replaces the output
 * directory, so a failure leaves the previous output untouched and files nothing produces
 * any more disappear. Apps call `synth` from `keelson`, which passes the default extensions.
 */
export function synthesize(context: SynthContext, options: SynthOptions = {}): SynthResult {
  checkSynthOptions(options);
  const root = context.root;
  const outdir = path.resolve(options.outdir ?? process.env.CDK8S_OUTDIR ?? 'dist');
  const timings: Record<string, number> = {};
  let last = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - last);
    last = now;
  };
  const stacks = collectStacks(context);
  phase('collect');
  const selected = options.only ? stacks.filter((s) => options.only!.includes(s.dir)) : stacks;
  if (options.only) {
    const missing = options.only.filter((d) => !stacks.some((s) => s.dir === d));
    if (missing.length) throw new Error(`no stack writes the folder ${missing.map((m) => JSON.stringify(m)).join(', ')} (stacks: ${stacks.map((s) => s.dir).join(', ')})`);
  }
  const findings = runChecks(stacks.flatMap((s) => s.objects), { kinds: context.kinds, waivers: waiversOf(root) });
  if (activeErrors(findings).length) throw new ChecksFailedError(findings);
  phase('check');

  prepareOutdir(outdir);
  const previous = listTree(outdir);
  if (previous && !previous.has(MARKER_FILE) && previous.size > 0) {
    throw new OutputError(outdir, `has files and was not written by keelson (no ${MARKER_FILE} file), so synth refuses to replace it`, 'Choose another outdir (--out <dir>) or empty it');
  }
  const kept = userFiles(outdir);
  // Files are rendered one stack at a time and written at once, so the YAML of
  // thousands of services is never held in memory together.
  const written = new Set<string>();
  const added: string[] = [];
  const changed: string[] = [];
  replaceOutdir(outdir, ({ write, keep }) => {
    // A file that did not change is carried over (a hard link), not written anew: re-synthesizing
    // thousands of services where a few changed creates and deletes a few files, not thousands.
    const emit = (name: string, text: string) => {
      written.add(name);
      if (name === MARKER_FILE || !previous?.has(name)) {
        write(name, text);
        if (name !== MARKER_FILE) added.push(name);
      } else if (fs.readFileSync(path.join(outdir, name), 'utf8') === text) {
        keep(name, text);
      } else {
        write(name, text);
        changed.push(name);
      }
    };
    for (const stack of selected) for (const [name, text] of renderStack(stack)) emit(name, text);
    if (options.only && previous) {
      // Keep the folders of stacks that were not selected.
      for (const name of previous) {
        const dir = name.split('/')[0]!;
        if (name.includes('/') && !options.only.includes(dir) && !written.has(name) && !kept.has(name)) emit(name, fs.readFileSync(path.join(outdir, name), 'utf8'));
      }
    }
    for (const name of kept) if (!written.has(name)) keep(name, fs.readFileSync(path.join(outdir, name), 'utf8'));
    emit(MARKER_FILE, markerText([...written]));
  });
  phase('write');

  const kinds: Record<string, number> = {};
  for (const s of selected) for (const o of s.objects) kinds[o.json.kind] = (kinds[o.json.kind] ?? 0) + 1;
  const pruned = previous ? [...previous].filter((n) => !written.has(n) && !kept.has(n)).sort() : [];
  added.sort();
  changed.sort();
  return { outdir, stacks: selected, kinds, added, changed, pruned, fileCount: written.size - 1, findings, timings };
}

/** Every file under `dir`, as paths relative to it; undefined when `dir` does not exist. */
export function listTree(dir: string): Set<string> | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const out = new Set<string>();
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(name);
      else if (entry.isFile()) out.add(name);
    }
  };
  walk('');
  return out;
}

/** Reads every file under `dir` (relative path → content); undefined when `dir` does not exist. */
export function readTree(dir: string): Map<string, string> | undefined {
  const names = listTree(dir);
  return names && new Map([...names].sort().map((name) => [name, fs.readFileSync(path.join(dir, name), 'utf8')]));
}

/** Closed options: a misspelt `outDir` must not send the output to the default folder without a word. */
function checkSynthOptions(options: SynthOptions): void {
  const ctx = new ErrorContext('synth');
  checkObject(ctx, 'options', options, false);
  checkKnownKeys(ctx, 'options', options, propKeys<SynthOptions>()('outdir', 'only'));
  if (options.outdir !== undefined) ctx.check(typeof options.outdir === 'string' && options.outdir.trim() !== '', 'options.outdir', options.outdir, 'must be a folder path');
  if (options.only !== undefined) ctx.check(Array.isArray(options.only) && options.only.every((d) => typeof d === 'string'), 'options.only', options.only, 'must be a list of stack folder names');
}
