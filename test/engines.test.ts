import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));

/** The part of `semver` (npm's own version ranges) the test uses. */
interface Semver {
  minVersion(range: string): { readonly version: string } | null;
  satisfies(version: string, range: string): boolean;
}
const semver = createRequire(import.meta.url)('semver') as Semver;

describe('supported Node versions', () => {
  const range: string = readJson('package.json').engines.node;
  const lowest = semver.minVersion(range)!.version;

  it('package.json names a lowest Node version', () => {
    expect(semver.satisfies(lowest, range)).toBe(true);
  });

  it('every locked package admits the lowest Node that package.json allows, so `npm ci` prints no EBADENGINE', () => {
    const lock = readJson('package-lock.json');
    const refusing: string[] = [];
    for (const [where, entry] of Object.entries(lock.packages as Record<string, { version?: string; engines?: { node?: string } }>)) {
      const node = entry.engines?.node;
      if (where !== '' && node !== undefined && !semver.satisfies(lowest, node)) refusing.push(`${where.replace(/^.*node_modules\//, '')}@${entry.version} (node ${node})`);
    }
    expect(refusing, `package.json allows Node ${lowest}`).toEqual([]);
  });
});
