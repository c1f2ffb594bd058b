import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const dir = fs.mkdtempSync(path.join(root, 'test', '.quick-start-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function runApp(file: string, source: string, args: string[] = []) {
  fs.writeFileSync(path.join(dir, file), source);
  return spawnSync(process.execPath, [path.join(root, 'bin/keelson-app.mjs'), path.join(dir, file), ...args], { cwd: root, encoding: 'utf8' });
}

describe('keelson-app', () => {
  it('runs a TypeScript entry with its local imports and passes the arguments on', () => {
    fs.writeFileSync(path.join(dir, 'helper.ts'), 'export const twice = (n: number): number => n * 2;\n');
    const run = runApp('args.ts', "import { twice } from './helper.js';\nconst n: number = twice(Number(process.argv[2]));\nconsole.log(JSON.stringify({ n, rest: process.argv.slice(3) }));\n", ['21', '--flag']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ n: 42, rest: ['--flag'] });
    expect(fs.readdirSync(path.join(root, 'node_modules/.cache/keelson')).filter((f) => f.startsWith('app-'))).toEqual([]);
  });

  it('finds the packages from the entry, whatever folder it runs in', () => {
    fs.writeFileSync(path.join(dir, 'pkg.ts'), "import { App } from 'cdk8s';\nconsole.log(typeof App);\n");
    const run = spawnSync(process.execPath, [path.join(root, 'bin/keelson-app.mjs'), 'pkg.ts'], { cwd: dir, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('function');
  });

  it('reports a compile error with its location and exits 1', () => {
    const run = runApp('broken.ts', 'const x: number = ;\n');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('[ERROR] Unexpected ";"');
    expect(run.stderr).toMatch(/broken\.ts:1:\d+/);
  });

  it('names what it needs when called without an entry', () => {
    const run = spawnSync(process.execPath, [path.join(root, 'bin/keelson-app.mjs')], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('usage: keelson-app <entry.ts> [args...]');
  });
});
