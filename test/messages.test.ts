import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../src/cli/check.js';
import { synthCommand } from '../src/cli/synth.js';

// Every failure is one line that names the file or construct and says what to do.
const root = path.resolve(__dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-messages-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }, out, err };
}

/** A folder with one good manifest, an alias bomb and a document nested far deeper than the parser's stack. */
function badFolder(): string {
  const folder = fs.mkdtempSync(path.join(dir, 'check-'));
  fs.writeFileSync(path.join(folder, 'good.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  mode: fast\n');
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 10; i++) {
    const [name, prev] = [String.fromCharCode(97 + i), String.fromCharCode(96 + i)];
    bomb.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  fs.mkdirSync(path.join(folder, 'sub'));
  fs.writeFileSync(path.join(folder, 'sub/bomb.yaml'), `${bomb.join('\n')}\n`);
  fs.writeFileSync(path.join(folder, 'deep.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: ${'['.repeat(20000)}${']'.repeat(20000)}\n`);
  return folder;
}

describe('messages', () => {
  it('keelson check names a file with an alias bomb and still reports every other file', async () => {
    const c = capture();
    expect(await checkCommand(badFolder(), 'text', c.io)).toBe(1);
    expect(c.out.at(-1)).toBe('keelson check: 3 files, 1 object: 2 errors, 0 warnings');
    const bomb = c.out.find((l) => l.includes('sub/bomb.yaml'));
    expect(bomb).toMatch(/^error +yaml-syntax +sub\/bomb\.yaml .*alias bomb.*Fix: Write the values out/);
  });

  it('keelson check --format json still prints the report when one file is an alias bomb', async () => {
    const c = capture();
    expect(await checkCommand(badFolder(), 'json', c.io)).toBe(1);
    const report = JSON.parse(c.out.join('\n'));
    expect(report).toMatchObject({ files: 3, objects: 1, errors: 2 });
    expect(report.findings.map((f: { path: string }) => f.path).sort()).toEqual(['deep.yaml#0', 'sub/bomb.yaml']);
  });

  it('keelson check says a deeply nested document is nested too deeply, not that its indentation is wrong', async () => {
    const c = capture();
    await checkCommand(badFolder(), 'json', c.io);
    const deep = JSON.parse(c.out.join('\n')).findings.find((f: { path: string }) => f.path === 'deep.yaml#0');
    expect(deep.message).toBe('is nested too deeply to read (the parser ran out of stack)');
    expect(deep.fix).not.toMatch(/indentation/);
  });

  it('keelson-app names a missing entry file instead of an esbuild error', () => {
    const run = spawnSync(process.execPath, [path.join(root, 'bin/keelson-app.mjs'), 'no-such-main.ts'], { cwd: dir, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      `error: ${path.join(fs.realpathSync(dir), 'no-such-main.ts')}: the app entry file does not exist. Pass the path of your app's entry, e.g. keelson-app main.ts (or fix "app" in cdk8s.yaml)`,
    ]);
    expect(run.stderr).not.toMatch(/marked as external/);
  });

  it('keelson synth into a path that is a file says so in one line, not ENOTDIR', () => {
    const file = path.join(dir, 'dist-file');
    fs.writeFileSync(file, 'keep me');
    const c = capture();
    expect(synthCommand({ out: file, app: `node ${path.join(root, 'bin/keelson-app.mjs')} main.ts` }, false, c.io, path.join(root, 'test/fixtures/app'))).toBe(1);
    expect(c.err.join('\n').trim().split('\n')).toEqual([`error: ${file}: is a file, not a folder. Move the file away or write elsewhere (keelson synth --out <dir>, or outdir)`]);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
  });
});
