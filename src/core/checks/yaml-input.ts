import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { CheckedObject, Finding, Rule } from './finding.js';

/** Reading YAML that Keelson did not necessarily write. */
export const YAML_RULES = {
  syntax: { id: 'yaml-syntax', severity: 'error', family: 'yaml', summary: 'each document is valid YAML, without duplicate keys', fix: 'Fix the YAML at the reported line (indentation, quoting, duplicate keys)' },
  notObject: { id: 'yaml-not-object', severity: 'error', family: 'yaml', summary: 'each document is a Kubernetes object (a mapping)', fix: 'Each document between --- lines must be one object with apiVersion, kind and metadata' },
} as const satisfies Record<string, Rule>;

/** The objects found in YAML files, and what could not be read. */
export interface LoadedManifests {
  /** Objects, with `file#index` as their path. */
  readonly objects: CheckedObject[];
  /** Problems with the files themselves. */
  readonly findings: Finding[];
  /** Number of YAML files read. */
  readonly files: number;
}

/**
 * Parses one YAML stream the way the API server reads it (YAML 1.1: `on` and
 * `yes` are booleans; duplicate keys are errors). `List` objects are expanded.
 */
export function parseManifests(text: string, file: string): { objects: CheckedObject[]; findings: Finding[] } {
  const objects: CheckedObject[] = [];
  const findings: Finding[] = [];
  const problem = (rule: Rule, at: string, field: string, message: string) =>
    findings.push({ rule: rule.id, severity: rule.severity, path: at, object: '(document)', field, message, fix: rule.fix });
  parseAllDocuments(text, { version: '1.1', uniqueKeys: true, prettyErrors: true }).forEach((doc, index) => {
    const at = `${file}#${index}`;
    if (doc.errors.length) {
      problem(YAML_RULES.syntax, at, '', doc.errors[0]!.message.split('\n')[0]!.replace(/:$/, ''));
      return;
    }
    const value = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) {
      problem(YAML_RULES.notObject, at, '', `is ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}, not an object`);
      return;
    }
    if (value.kind === 'List' && Array.isArray(value.items)) {
      value.items.forEach((item: unknown, i: number) => {
        if (item && typeof item === 'object' && !Array.isArray(item)) objects.push({ json: item as Record<string, any>, path: `${at}.items[${i}]` });
        else problem(YAML_RULES.notObject, `${at}.items[${i}]`, '', 'is not an object');
      });
    } else objects.push({ json: value, path: at });
  });
  return { objects, findings };
}

/** Reads every `.yaml`/`.yml` file under `target` (or the file itself), in name order. */
export function loadManifestFolder(target: string): LoadedManifests {
  if (!fs.existsSync(target)) throw new Error(`${target}: no such file or folder`);
  const root = fs.statSync(target).isDirectory() ? target : path.dirname(target);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules') walk(full);
      else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) files.push(full);
    }
  };
  if (fs.statSync(target).isDirectory()) walk(target);
  else files.push(target);
  const objects: CheckedObject[] = [];
  const findings: Finding[] = [];
  for (const file of files) {
    const parsed = parseManifests(fs.readFileSync(file, 'utf8'), path.relative(root, file).split(path.sep).join('/'));
    objects.push(...parsed.objects);
    findings.push(...parsed.findings);
  }
  return { objects, findings, files: files.length };
}
