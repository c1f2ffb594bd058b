import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatFindings, runApp, Stack, WebService, type Finding } from '../src/index.js';
import { production } from '../presets/index.js';

let tmp: string | undefined;
afterEach(() => {
  vi.restoreAllMocks();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Synthesizes `n` WebServices, ten per stack, with runApp and returns what it printed. */
function printed(n: number): string {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-summary-'));
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((s: string) => void lines.push(s));
  vi.spyOn(console, 'error').mockImplementation((s: string) => void lines.push(s));
  const result = runApp(
    (app) => {
      let stack: Stack | undefined;
      for (let i = 0; i < n; i++) {
        if (i % 10 === 0) stack = new Stack(app, `team-${i / 10}`, { env: production });
        new WebService(stack!, `svc-${i}`, { image: 'acme/api:v1', port: 8080 });
      }
    },
    { outdir: path.join(tmp, 'dist') },
  );
  expect(result, lines.join('\n')).toBeDefined();
  return lines.join('\n');
}

describe('synth summary', () => {
  it('stays short for a large app: counts per kind and per stack, at most ten file names', () => {
    const text = printed(400);
    expect(text.length).toBeLessThan(2500);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^keelson: 2080 objects in 40 stacks → .* in \d+\.\ds$/);
    expect(lines[1]).toBe('  kinds: Deployment 400, Namespace 40, NetworkPolicy 440, PodDisruptionBudget 400, Service 400, ServiceAccount 400');
    expect(lines[2]).toMatch(/^ {2}stacks: team-0 52, team-1 52, .* and 30 more$/);
    expect(lines[3]).toBe('  files: 520 written (520 added, 0 changed, 0 pruned)');
    expect(lines[4]).toMatch(/^ {2}added: team-0\/00-namespace\.yaml, .* and 510 more$/);
  });

  it('groups repeated findings: one rule on one field with one fix prints once, with how many and where', () => {
    const finding = (i: number): Finding => ({
      rule: 'pull-policy',
      severity: 'warning',
      path: `team-${Math.floor(i / 10)}/svc-${i}/deployment`,
      object: `Deployment team-${Math.floor(i / 10)}/svc-${i}`,
      field: 'spec.template.spec.containers[0].imagePullPolicy',
      message: `container "svc-${i}" pulls a mutable tag`,
      fix: 'Pin the image by digest',
    });
    const other: Finding = { ...finding(0), rule: 'other-rule', fix: 'Do something else' };
    const text = formatFindings([...Array.from({ length: 400 }, (_, i) => finding(i)), other]);
    expect(text.split('\n')).toEqual([
      '401 warnings:',
      '  warning pull-policy  team-0/svc-0/deployment  Deployment team-0/svc-0  spec.template.spec.containers[0].imagePullPolicy: container "svc-0" pulls a mutable tag. Fix: Pin the image by digest',
      `    ×400, the same at ${Array.from({ length: 10 }, (_, i) => `team-0/svc-${i}/deployment`).join(', ')} and 390 more`,
      '  warning other-rule  team-0/svc-0/deployment  Deployment team-0/svc-0  spec.template.spec.containers[0].imagePullPolicy: container "svc-0" pulls a mutable tag. Fix: Do something else',
    ]);
  });
});
