import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IConstruct } from 'constructs';
import { activeErrors, ChecksFailedError, type Finding } from './checks/finding.js';
import { runChecks } from './checks/index.js';
import { waiversOf } from './checks/waivers.js';
import { collectManifests, type StackManifest } from './manifest.js';
import { toYamlDocument } from './yaml.js';

/** Options of {@link synth}. */
export interface SynthOptions {
  /** Output directory; replaced as a whole. @default $CDK8S_OUTDIR or 'dist' */
  readonly outdir?: string;
  /** Only these stack folders are written; the others keep their current files. @default - all stacks */
  readonly only?: readonly string[];
  /** Extra files to write, relative to the output directory (e.g. reports). @default - none */
  readonly extraFiles?: Readonly<Record<string, string>>;
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
  /** Milliseconds spent per phase: collect (tree walk and serialization), check, render (YAML), write. */
  readonly timings: Readonly<Record<string, number>>;
  /** Check findings of every stack: warnings, and waived errors. */
  readonly findings: readonly Finding[];
}

/** The file that marks a folder as written by keelson, so synth never replaces a folder it does not own. */
export const MARKER_FILE = '.keelson';
const MARKER_TEXT = 'Written by `keelson synth`. Do not edit: every synth replaces this folder.\n';

/** Serializes objects to one YAML stream, `---` between documents. */
export function toYaml(objects: readonly Record<string, unknown>[]): string {
  return objects.map(toYamlDocument).join('---\n');
}

/** Renders the stacks (objects as YAML, plus their extra files) into file contents keyed by path relative to the output directory. */
export function renderFiles(stacks: readonly StackManifest[]): Map<string, string> {
  const files = new Map<string, Record<string, unknown>[]>();
  for (const s of stacks) {
    for (const o of s.objects) {
      const key = `${s.dir}/${o.file}`;
      let list = files.get(key);
      if (!list) files.set(key, (list = []));
      list.push(o.json);
    }
  }
  const texts = new Map<string, string>();
  for (const [key, objects] of files) texts.set(key, toYaml(objects));
  for (const s of stacks) for (const [name, text] of Object.entries(s.files ?? {})) texts.set(`${s.dir}/${name}`, text);
  const out = new Map<string, string>();
  for (const key of [...texts.keys()].sort()) out.set(key, texts.get(key)!);
  return out;
}

/**
 * Synthesizes every Stack under `root` into the output directory: one walk of the
 * tree, validation, checks (an error stops synth), apply order, YAML. Files are written to a temporary folder
 * that then replaces the output directory, so a failure leaves the previous
 * output untouched and files nothing produces any more disappear.
 */
export function synth(root: IConstruct, options: SynthOptions = {}): SynthResult {
  const outdir = path.resolve(options.outdir ?? process.env.CDK8S_OUTDIR ?? 'dist');
  const timings: Record<string, number> = {};
  let last = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - last);
    last = now;
  };
  const stacks = collectManifests(root);
  phase('collect');
  const selected = options.only ? stacks.filter((s) => options.only!.includes(s.dir)) : stacks;
  if (options.only) {
    const missing = options.only.filter((d) => !stacks.some((s) => s.dir === d));
    if (missing.length) throw new Error(`no stack writes the folder ${missing.map((m) => JSON.stringify(m)).join(', ')} (stacks: ${stacks.map((s) => s.dir).join(', ')})`);
  }
  const findings = runChecks(stacks.flatMap((s) => s.objects), waiversOf(root));
  if (activeErrors(findings).length) throw new ChecksFailedError(findings);
  phase('check');
  const files = renderFiles(selected);
  phase('render');
  for (const [name, text] of Object.entries(options.extraFiles ?? {})) files.set(name, text);
  files.set(MARKER_FILE, MARKER_TEXT);

  const previous = readTree(outdir);
  if (previous && !previous.has(MARKER_FILE) && previous.size > 0) {
    throw new Error(`refusing to replace ${outdir}: it has files and was not written by keelson (no ${MARKER_FILE} file). Choose another outdir or empty it.`);
  }
  if (options.only && previous) {
    // Keep the folders of stacks that were not selected.
    for (const [name, text] of previous) {
      const dir = name.split('/')[0]!;
      if (name.includes('/') && !options.only.includes(dir) && !files.has(name)) files.set(name, text);
    }
  }
  writeAtomically(outdir, files);
  phase('write');

  const kinds: Record<string, number> = {};
  for (const s of selected) for (const o of s.objects) kinds[o.json.kind] = (kinds[o.json.kind] ?? 0) + 1;
  const added: string[] = [];
  const changed: string[] = [];
  for (const [name, text] of files) {
    if (name === MARKER_FILE) continue;
    const old = previous?.get(name);
    if (old === undefined) added.push(name);
    else if (old !== text) changed.push(name);
  }
  const pruned = previous ? [...previous.keys()].filter((n) => !files.has(n)).sort() : [];
  return { outdir, stacks: selected, kinds, added, changed, pruned, fileCount: files.size - 1, findings, timings };
}

/** Reads every file under `dir` (relative path → content); undefined when `dir` does not exist. */
export function readTree(dir: string): Map<string, string> | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(name);
      else if (entry.isFile()) out.set(name, fs.readFileSync(path.join(dir, name), 'utf8'));
    }
  };
  walk('');
  return out;
}

function writeAtomically(outdir: string, files: Map<string, string>): void {
  const parent = path.dirname(outdir);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, `.keelson-tmp-${path.basename(outdir)}-`));
  try {
    const made = new Set<string>();
    for (const [name, text] of files) {
      const dir = path.dirname(name);
      if (dir !== '.' && !made.has(dir)) {
        fs.mkdirSync(path.join(tmp, dir), { recursive: true });
        made.add(dir);
      }
      fs.writeFileSync(path.join(tmp, name), text);
    }
    const old = fs.existsSync(outdir) ? `${tmp}-old` : undefined;
    if (old) fs.renameSync(outdir, old);
    fs.renameSync(tmp, outdir);
    if (old) fs.rmSync(old, { recursive: true, force: true });
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
