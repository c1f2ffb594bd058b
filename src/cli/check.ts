import * as fs from 'node:fs';
import * as path from 'node:path';
import { activeErrors, formatFinding, type CheckedObject, type Finding } from '../core/checks/finding.js';
import { parseManifests, runChecks } from '../core/checks/index.js';
import { YAML_RULES } from '../core/checks/yaml-input.js';
import { KindRegistry } from '../core/kinds.js';
import { DEFAULT_EXTENSIONS } from '../app.js';
import { generatedModel } from '../imports/crd-models.js';
import { checkMeshReferences } from '../mesh/mesh-checks.js';
import { CliError, type CliIo } from './io.js';

/** The findings of a folder of YAML and what was read. */
export interface CheckReport {
  /** YAML files read. */
  readonly files: number;
  /** Objects found in them. */
  readonly objects: number;
  /** Findings, errors first. */
  readonly findings: readonly Finding[];
}

/**
 * Reads every `.yaml`/`.yml` file under `target` (or the file itself), in name order,
 * skipping hidden folders and node_modules. A file that cannot be read or parsed (an alias
 * bomb, a document nested too deep for the parser, no permission) becomes one finding that
 * names it; the other files are still read.
 */
export function readManifestFolder(target: string): { objects: CheckedObject[]; findings: Finding[]; files: number } {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) throw new CliError(`${target}: no such file or folder`);
  const root = stat.isDirectory() ? target : path.dirname(target);
  const files = stat.isDirectory()
    ? (fs.readdirSync(target, { recursive: true, encoding: 'utf8' }) as string[])
        .map((name) => name.split(path.sep).join('/'))
        .filter((name) => /\.ya?ml$/i.test(name) && !name.split('/').some((part, i, all) => i < all.length - 1 && (part.startsWith('.') || part === 'node_modules')))
        .filter((name) => fs.statSync(path.join(target, name)).isFile())
        .sort()
    : [path.basename(target)];
  const objects: CheckedObject[] = [];
  const findings: Finding[] = [];
  for (const name of files) {
    const file = path.join(root, name);
    const unreadable = (message: string, fix: string) =>
      findings.push({ rule: YAML_RULES.syntax.id, severity: YAML_RULES.syntax.severity, path: name, object: '(file)', field: '', message, fix });
    try {
      const parsed = parseManifests(fs.readFileSync(file, 'utf8'), name);
      objects.push(...parsed.objects);
      for (const f of parsed.findings) findings.push(tooDeep(f.message) ? { ...f, message: TOO_DEEP.message, fix: TOO_DEEP.fix } : f);
    } catch (e) {
      const message = (e as Error)?.message ?? String(e);
      if (/alias count/i.test(message)) unreadable('uses aliases that expand to more than a manifest can hold (an alias bomb); the file was not read', 'Write the values out instead of nesting anchors and aliases: Kubernetes objects need none');
      else if (tooDeep(message)) unreadable(`${TOO_DEEP.message}; the file was not read`, TOO_DEEP.fix);
      else if ((e as NodeJS.ErrnoException)?.code) unreadable(`cannot be read (${(e as NodeJS.ErrnoException).code})`, 'Give the user that runs keelson read access to the file');
      else unreadable(`cannot be read: ${message.split('\n')[0]}`, YAML_RULES.syntax.fix);
    }
  }
  return { objects, findings, files: files.length };
}

const TOO_DEEP = {
  message: 'is nested too deeply to read (the parser ran out of stack)',
  fix: 'Flatten the document: Kubernetes objects are a few dozen levels deep at most',
};
const tooDeep = (message: string) => /Maximum call stack size exceeded|too much recursion/i.test(message);

/**
 * Checks every YAML file under `target`. References (selectors, targets,
 * duplicates) resolve among the files of one folder, as one folder is applied
 * together (like `dist/<stack>/`).
 */
export async function checkFolder(target: string): Promise<CheckReport> {
  const loaded = readManifestFolder(target);
  const groups = new Map<string, CheckedObject[]>();
  for (const obj of loaded.objects) {
    const dir = path.posix.dirname(obj.path.slice(0, obj.path.indexOf('#')));
    let list = groups.get(dir);
    if (!list) groups.set(dir, (list = []));
    list.push(obj);
  }
  // Built-in kinds and the areas' (no construct tree to register kinds on). Validators load as kinds turn up.
  const kinds = KindRegistry.builtIns(generatedModel, DEFAULT_EXTENSIONS.flatMap((e) => e.kinds ?? []));
  const findings = [...loaded.findings, ...[...groups.values()].flatMap((objects) => [...runChecks(objects, { kinds }), ...checkMeshReferences(objects, objects, kinds)])];
  const rank = (f: Finding) => (f.severity === 'error' && f.waived === undefined ? 0 : 1);
  findings.sort((a, b) => rank(a) - rank(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files: loaded.files, objects: loaded.objects.length, findings };
}

/** `keelson check`: prints the report; returns 1 when there is an error. */
export async function checkCommand(target: string, format: 'text' | 'json', io: CliIo): Promise<number> {
  const report = await checkFolder(target);
  const errors = activeErrors(report.findings).length;
  const warnings = report.findings.filter((f) => f.severity === 'warning' && f.waived === undefined).length;
  if (format === 'json') {
    io.out(JSON.stringify({ files: report.files, objects: report.objects, errors, warnings, findings: report.findings }, null, 2));
  } else {
    for (const f of report.findings) io.out(formatFinding(f));
    io.out(`keelson check: ${report.files} file${report.files === 1 ? '' : 's'}, ${report.objects} object${report.objects === 1 ? '' : 's'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
  }
  return errors ? 1 : 0;
}
