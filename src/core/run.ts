import { activeErrors, ChecksFailedError, formatFinding, type Finding } from './checks/finding.js';
import { KeelsonError, KeelsonErrors, OutputError } from './errors.js';
import type { SynthResult } from './synth.js';

/**
 * Environment variables through which `keelson synth` and `keelson diff` pass
 * their options to the app they run.
 */
export const RUN_ENV = {
  /** Output directory (overrides `outdir`). */
  outdir: 'KEELSON_OUTDIR',
  /** Comma-separated stack folders to write; the others keep their files. */
  stacks: 'KEELSON_STACKS',
  /** Comma-separated environment profile names; only their stacks are written. */
  envs: 'KEELSON_ENVS',
  /** Set to print stack traces. */
  debug: 'KEELSON_DEBUG',
} as const;

/** How many names a summary line lists before it says how many more there are. */
const LISTED = 10;

/** `a, b, c and 7 more`: at most {@link LISTED} names. */
function listShort(names: readonly string[]): string {
  if (names.length <= LISTED) return names.join(', ');
  return `${names.slice(0, LISTED).join(', ')} and ${names.length - LISTED} more`;
}

/**
 * Findings as lines, repeated ones grouped: findings of one rule on the same field with the
 * same fix (and the same waiver) print once, with how many there are and where.
 */
export function formatFindingGroups(findings: readonly Finding[]): string[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = JSON.stringify([f.severity, f.rule, f.field, f.fix, f.waived]);
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(f);
  }
  const lines: string[] = [];
  for (const list of groups.values()) {
    lines.push(`  ${formatFinding(list[0]!)}`);
    if (list.length > 1) lines.push(`    ×${list.length}, the same at ${listShort(list.map((f) => f.path))}`);
  }
  return lines;
}

/** The lines `runApp` and the CLI print for findings: warnings and waived findings, repeated ones grouped. */
export function formatFindings(findings: readonly Finding[]): string {
  if (!findings.length) return '';
  const warnings = findings.filter((f) => f.severity === 'warning' && f.waived === undefined).length;
  const waived = findings.filter((f) => f.waived !== undefined).length;
  const head = `${warnings} warning${warnings === 1 ? '' : 's'}${waived ? `, ${waived} waived` : ''}:`;
  return [head, ...formatFindingGroups(findings)].join('\n');
}

/**
 * A short summary of a synth, whatever the size of the app: objects per kind and per stack,
 * files written, and the names of added, changed and pruned files (at most ten of each).
 */
export function formatSummary(result: SynthResult, millis: number): string {
  const objects = Object.values(result.kinds).reduce((a, b) => a + b, 0);
  const kinds = Object.entries(result.kinds)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const stacks = result.stacks.map((s) => `${s.dir} ${s.objects.length}`);
  const lines = [
    `keelson: ${objects} objects in ${result.stacks.length} stack${result.stacks.length === 1 ? '' : 's'} → ${result.outdir} in ${(millis / 1000).toFixed(1)}s`,
    `  kinds: ${kinds || 'none'}`,
    `  stacks: ${listShort(stacks) || 'none'}`,
    `  files: ${result.fileCount} written (${result.added.length} added, ${result.changed.length} changed, ${result.pruned.length} pruned)`,
  ];
  for (const [label, list] of [['added', result.added], ['changed', result.changed], ['pruned', result.pruned]] as const) {
    if (list.length) lines.push(`  ${label}: ${listShort(list)}`);
  }
  return lines.join('\n');
}

/** One readable message for any error; the stack trace only with KEELSON_DEBUG=1. */
export function formatError(e: unknown): string {
  if (process.env[RUN_ENV.debug]) return `error: ${(e as Error)?.stack ?? String(e)}`;
  if (e instanceof ChecksFailedError) {
    const rest = e.findings.filter((f) => f.severity === 'warning' || f.waived !== undefined);
    const errors = activeErrors(e.findings);
    const head = `error: synth stopped: ${errors.length} check error${errors.length === 1 ? '' : 's'}, nothing was written:`;
    return [head, ...formatFindingGroups(errors), ...(rest.length ? [formatFindings(rest)] : [])].join('\n');
  }
  if (e instanceof KeelsonErrors) return `error: ${e.message}`;
  if (e instanceof KeelsonError || e instanceof OutputError) return `error: ${e.message}`;
  if (e instanceof Error) return `error: ${e.message}\n(set KEELSON_DEBUG=1 or pass --debug for the stack trace)`;
  return `error: ${String(e)}`;
}
