import { ChecksFailedError, formatFinding, type Finding } from './checks/finding.js';
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

/** The lines `runApp` and the CLI print for findings: warnings and waived findings. */
export function formatFindings(findings: readonly Finding[]): string {
  if (!findings.length) return '';
  const warnings = findings.filter((f) => f.severity === 'warning' && f.waived === undefined).length;
  const waived = findings.filter((f) => f.waived !== undefined).length;
  const head = `${warnings} warning${warnings === 1 ? '' : 's'}${waived ? `, ${waived} waived` : ''}:`;
  return [head, ...findings.map((f) => `  ${formatFinding(f)}`)].join('\n');
}

/** A short summary of a synth: objects per kind, files, time. */
export function formatSummary(result: SynthResult, millis: number): string {
  const objects = Object.values(result.kinds).reduce((a, b) => a + b, 0);
  const kinds = Object.entries(result.kinds)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const lines = [
    `keelson: ${objects} objects in ${result.stacks.length} stack${result.stacks.length === 1 ? '' : 's'} → ${result.outdir} in ${(millis / 1000).toFixed(1)}s`,
    `  kinds: ${kinds || 'none'}`,
    `  files: ${result.fileCount} written (${result.added.length} added, ${result.changed.length} changed, ${result.pruned.length} pruned)`,
  ];
  for (const [label, list] of [['added', result.added], ['changed', result.changed], ['pruned', result.pruned]] as const) {
    if (list.length) lines.push(`  ${label}: ${list.join(', ')}`);
  }
  return lines.join('\n');
}

/** One readable message for any error; the stack trace only with KEELSON_DEBUG=1. */
export function formatError(e: unknown): string {
  if (process.env[RUN_ENV.debug]) return `error: ${(e as Error)?.stack ?? String(e)}`;
  if (e instanceof ChecksFailedError) {
    const rest = e.findings.filter((f) => f.severity === 'warning' || f.waived !== undefined);
    return `error: ${e.message}${rest.length ? `\n${formatFindings(rest)}` : ''}`;
  }
  if (e instanceof KeelsonErrors) return `error: ${e.message}`;
  if (e instanceof KeelsonError || e instanceof OutputError) return `error: ${e.message}`;
  if (e instanceof Error) return `error: ${e.message}\n(set KEELSON_DEBUG=1 or pass --debug for the stack trace)`;
  return `error: ${String(e)}`;
}
