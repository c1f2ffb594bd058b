import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const dir = fs.mkdtempSync(path.join(root, 'test', '.quick-start-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function runApp(file: string, source: string, args: string[] = []) {
  fs.writeFileSync(path.join(dir, file), source);
  return runFile(file, args);
}

function runFile(file: string, args: string[] = []) {
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

  it('reuses its cached bundle until an input file changes', () => {
    const cache = path.join(root, 'node_modules/.cache/keelson');
    const token = `t${process.pid}x${Date.now()}`;
    fs.writeFileSync(path.join(dir, 'greeting.ts'), `export const greeting = 'hello ${token}';\n`);
    const source = "import { greeting } from './greeting.js';\nconsole.log(greeting);\n";
    expect(runApp('cached.ts', source).stdout.trim()).toBe(`hello ${token}`);
    const bundles = () => new Map(fs.readdirSync(cache).filter((f) => /\.[cm]js$/.test(f) && fs.readFileSync(path.join(cache, f), 'utf8').includes(token)).map((f) => [f, fs.statSync(path.join(cache, f)).mtimeMs]));
    const before = bundles();
    expect(before.size).toBe(1);
    expect(runFile('cached.ts').stdout.trim()).toBe(`hello ${token}`);
    expect(bundles()).toEqual(before);
    fs.writeFileSync(path.join(dir, 'greeting.ts'), `export const greeting = 'hello again ${token}';\n`);
    expect(runFile('cached.ts').stdout.trim()).toBe(`hello again ${token}`);
    expect([...bundles().values()]).not.toEqual([...before.values()]);
  });

  it('drops the cached bundles of entries that no longer exist', () => {
    const cache = path.join(root, 'node_modules/.cache/keelson');
    const gone = path.join(dir, 'gone.ts');
    expect(runApp('gone.ts', "console.log('gone soon');\n").stdout.trim()).toBe('gone soon');
    const entries = () => fs.readdirSync(cache).filter((f) => f.endsWith('.inputs.json')).map((f) => JSON.parse(fs.readFileSync(path.join(cache, f), 'utf8')).entry);
    expect(entries()).toContain(gone);
    fs.rmSync(gone);
    expect(runApp('other.ts', "console.log('other');\n").stdout.trim()).toBe('other');
    expect(entries()).not.toContain(gone);
  });

  it('bundles the construct libraries but loads other packages from node_modules', () => {
    const run = runApp('external.ts', "import { App } from 'cdk8s';\nimport { diffLines } from 'diff';\nconsole.log(typeof App, diffLines('a\\n', 'b\\n').length);\n");
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('function 2');
    const cache = path.join(root, 'node_modules/.cache/keelson');
    const file = fs.readdirSync(cache).map((f) => path.join(cache, f)).filter((f) => /\.[cm]js$/.test(f)).find((f) => fs.readFileSync(f, 'utf8').includes('diffLines'))!;
    expect(fs.readFileSync(file, 'utf8')).toMatch(/require\(["']diff["']\)/);
    const inputs = Object.keys(JSON.parse(fs.readFileSync(`${file}.inputs.json`, 'utf8')).inputs);
    expect(inputs).toContain(path.join(root, 'node_modules/cdk8s/lib/app.js'));
    expect(inputs.some((f) => f.includes(`${path.sep}node_modules${path.sep}diff${path.sep}`))).toBe(false);
  });

  it('writes the bundle in Latin-1, so V8 holds its source in one byte per character', () => {
    const run = runApp('one-byte.ts', "import { App } from 'cdk8s';\n/** A comment with curly quotes: it’s “kept” or dropped. */\nconsole.log(typeof App, 'it’s “quoted” 🙂');\n");
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('function it’s “quoted” 🙂');
    const cache = path.join(root, 'node_modules/.cache/keelson');
    const bundle = fs.readdirSync(cache).find((f) => f.endsWith('.cjs') && JSON.parse(fs.readFileSync(path.join(cache, `${f}.inputs.json`), 'utf8')).entry === path.join(dir, 'one-byte.ts'))!;
    expect(bundle).toBeDefined();
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(cache, `${bundle}.inputs.json`), 'utf8')).inputs)).toContain(path.join(root, 'node_modules/cdk8s/lib/app.js'));
    const source = fs.readFileSync(path.join(cache, bundle), 'utf8');
    expect([...source].filter((c) => c.charCodeAt(0) > 0xff)).toEqual([]);
    // Written without comments: the source V8 holds while the app runs is no bigger than it needs.
    expect(source).not.toContain('A comment with curly quotes');
  });

  it('runs a CommonJS bundle from V8\'s code cache after the first run', () => {
    const cache = path.join(root, 'node_modules/.cache/keelson');
    const token = `c${process.pid}x${Date.now()}`;
    expect(runApp('code-cache.ts', `console.log('${token}');\n`).stdout.trim()).toBe(token);
    const bundle = fs.readdirSync(cache).find((f) => f.endsWith('.cjs') && fs.readFileSync(path.join(cache, f), 'utf8').includes(token))!;
    expect(bundle).toBeDefined();
    const code = path.join(cache, `${bundle}.code`);
    expect(fs.existsSync(code)).toBe(true);
    const stored = fs.statSync(code).mtimeMs;
    expect(runFile('code-cache.ts').stdout.trim()).toBe(token);
    expect(fs.statSync(code).mtimeMs).toBe(stored);
  });

  it('bundles an entry with top-level await as an ES module', () => {
    const run = runApp('await.ts', "const value = await Promise.resolve(42);\nconsole.log(value, typeof import.meta.url);\n");
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('42 string');
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
