import { createRequire } from 'node:module';
import * as path from 'node:path';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const config = createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs')) as IConfiguration;

/** Every rule violation in `files` (paths relative to the repo), as `rule: from → to` lines. */
async function violations(files: string[]): Promise<string[]> {
  const cwd = process.cwd();
  process.chdir(root);
  try {
    // Sources import each other as `./x.js`; resolve that to the `.ts` file as tsc does.
    const resolve = { extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } };
    const { output } = await cruise(files, { validate: true, ruleSet: config, ...config.options }, resolve);
    const result = output as ICruiseResult;
    return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' → ')})` : ''}`);
  } finally {
    process.chdir(cwd);
  }
}

describe('layers', () => {
  it('imports only point down: no cycles, core imports no area or preset, areas import only areas below them', async () => {
    expect(await violations(['src', 'presets', 'main.ts'])).toEqual([]);
  }, 60_000);
});
