import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { activeErrors, formatFinding, type CheckedObject, type Finding } from '../core/checks/finding.js';
import { loadManifestFolder, runChecks } from '../core/checks/index.js';
import { KindRegistry } from '../core/kinds.js';
import { DEFAULT_EXTENSIONS } from '../app.js';
import { generatedModel } from '../imports/crd-models.js';
import { checkMeshReferences } from '../mesh/mesh-checks.js';
import type { CliIo } from './io.js';

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
 * Checks every YAML file under `target`. References (selectors, targets,
 * duplicates) resolve among the files of one folder, as one folder is applied
 * together (like `dist/<stack>/`).
 */
export async function checkFolder(target: string): Promise<CheckReport> {
  const loaded = loadManifestFolder(target);
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

/** Registers `check` on the program. */
export function registerCheck(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('check')
    .description('check a folder of Kubernetes YAML (any YAML, not only what keelson wrote); exit code 1 on errors')
    .argument('[dir]', 'folder or file to check', 'dist')
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json']).default('text'))
    .action(async (dir: string, options: { format: 'text' | 'json' }) => setExit(await checkCommand(dir, options.format, io)));
}
