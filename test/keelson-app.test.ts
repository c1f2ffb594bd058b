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

  it('gives each bundled module its own import.meta.url, so files beside it are found', () => {
    fs.mkdirSync(path.join(dir, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'lib', 'data.txt'), 'beside the module\n');
    fs.writeFileSync(path.join(dir, 'lib', 'reader.ts'), "import * as fs from 'node:fs';\nexport const read = (): string => fs.readFileSync(new URL('./data.txt', import.meta.url), 'utf8').trim();\n");
    const run = runApp('reads.ts', "import { read } from './lib/reader.js';\nconsole.log(read());\n");
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('beside the module');
  });

  it('synthesizes an app whose custom resources are checked with the generated CRD validators', () => {
    const source = [
      "import { ApiObject } from 'cdk8s';",
      `import { runApp, Stack } from ${JSON.stringify(path.join(root, 'src/index.js'))};`,
      `import { production } from ${JSON.stringify(path.join(root, 'presets/index.js'))};`,
      'runApp((app) => {',
      "  const stack = new Stack(app, 'ml', { env: production });",
      "  new ApiObject(stack, 'queue', { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: 'queue' }, spec: { clusterQueue: 7 } });",
      `}, { outdir: ${JSON.stringify(path.join(dir, 'out'))} });`,
    ].join('\n');
    const run = runApp('crd-app.ts', source);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/schema-invalid\s+ml\/queue\s+LocalQueue ml\/queue\s+spec\.clusterQueue: is 7, must be string/);
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
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
