import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..');
const project = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-code-cache-'));
const module = path.join(project, 'validators.cjs');
const cacheDir = path.join(project, 'node_modules', '.cache', 'keelson', 'code');

/** Loads the module in a new process, as a synth does. */
function load(): { answer: number; fromCache: number; compiled: number } {
  const out = execFileSync(process.execPath, [path.join(repo, 'bin', 'keelson-app.mjs'), path.join(repo, 'test', 'fixtures', 'code-cache', 'load.ts'), module], { cwd: repo, encoding: 'utf8' });
  return JSON.parse(out);
}

afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

describe('generated modules load through V8 code cache', () => {
  fs.mkdirSync(path.join(project, 'node_modules'));
  fs.writeFileSync(module, "'use strict';\nmodule.exports = { answer: () => [1, 2, 3].reduce((a, b) => a + b, 36) };\n");

  it('compiles from source the first time and stores the code beside node_modules', () => {
    expect(load()).toEqual({ answer: 42, fromCache: 0, compiled: 1 });
    expect(fs.readdirSync(cacheDir).filter((f) => f.endsWith('.bin'))).toHaveLength(1);
  });

  it('starts from the stored code the next time', () => {
    expect(load()).toEqual({ answer: 42, fromCache: 1, compiled: 0 });
  });

  it('compiles again when the cache file is damaged, and still gives the module', () => {
    const [file] = fs.readdirSync(cacheDir).filter((f) => f.endsWith('.bin'));
    fs.writeFileSync(path.join(cacheDir, file!), 'not a code cache');
    expect(load()).toEqual({ answer: 42, fromCache: 0, compiled: 1 });
    expect(load()).toEqual({ answer: 42, fromCache: 1, compiled: 0 });
  });

  it('replaces the cache when the module changes, and removes what a killed writer left', () => {
    const before = fs.readdirSync(cacheDir);
    fs.writeFileSync(path.join(cacheDir, `${before[0]}.999999999.tmp`), 'half written');
    fs.writeFileSync(module, "'use strict';\nmodule.exports = { answer: () => 7 };\n");
    expect(load()).toEqual({ answer: 7, fromCache: 0, compiled: 1 });
    const after = fs.readdirSync(cacheDir);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);
  });
});
