import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { afterAll, describe, expect, it } from 'vitest';
import { MARKER_FILE, OutputError, Stack, WebService, readTree, synth } from '../src/index.js';
import { production } from '../presets/index.js';

const root = path.resolve(__dirname, '..');
// The apps live in the repo so they import its sources; they and their output are readable by any user.
const apps = fs.mkdtempSync(path.join(root, 'test', '.output-safety-'));
const outs = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-output-safety-'));
fs.chmodSync(apps, 0o755);
fs.chmodSync(outs, 0o777);
afterAll(() => {
  fs.rmSync(apps, { recursive: true, force: true });
  fs.rmSync(outs, { recursive: true, force: true });
});

/** An app of `n` WebServices, ten per stack, whose image tag is the second argument; the third is the output folder. */
fs.writeFileSync(
  path.join(apps, 'many.ts'),
  `import { runApp, Stack, WebService } from '../../src/index.js';
import { production } from '../../presets/index.js';
const [n, tag, outdir] = [Number(process.argv[2]), process.argv[3], process.argv[4]];
runApp((app) => {
  let stack: Stack | undefined;
  for (let i = 0; i < n; i++) {
    if (i % 10 === 0) stack = new Stack(app, \`team-\${i / 10}\`, { env: production });
    new WebService(stack!, \`svc-\${i}\`, { image: \`acme/api:\${tag}\`, port: 8080, health: { live: '/health', ready: '/ready' } });
  }
}, { outdir });
`,
);
fs.chmodSync(path.join(apps, 'many.ts'), 0o644);
const runner = path.join(root, 'bin/keelson-app.mjs');
const cache = path.join(root, 'node_modules/.cache/keelson');

/** Runs the app as a user that file modes apply to (root ignores them). */
function runAsUser(args: string[]) {
  const asRoot = process.getuid?.() === 0;
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(apps, 'many.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    ...(asRoot ? { uid: 65534, gid: 65534, env: { ...process.env, HOME: outs } } : {}),
  });
}

/** sha256 of every file under `dir` with its name; '' when `dir` does not exist. */
function treeHash(dir: string): string {
  const tree = readTree(dir);
  if (!tree) return '';
  const hash = createHash('sha256');
  for (const [name, text] of tree) hash.update(`${name}\0${text}\0`);
  return hash.digest('hex');
}

const leftovers = (dir: string) => fs.readdirSync(dir).filter((n) => n.startsWith('.keelson-tmp-'));

describe('output safety', () => {
  it('fails before replacing anything when a folder of the output is not writable, in one line', () => {
    const out = path.join(outs, 'locked');
    expect(runAsUser(['2', 'v1', out]).status).toBe(0);
    const before = treeHash(out);
    const locked = path.join(out, 'team-0');
    fs.chmodSync(locked, 0o555);
    try {
      const run = runAsUser(['2', 'v2', out]);
      expect(run.status).toBe(1);
      expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: .*team-0: is not writable, so synth cannot replace the output; nothing was changed \(EACCES\)\. .*chmod/)]);
    } finally {
      fs.chmodSync(locked, 0o755);
    }
    expect(treeHash(out)).toBe(before);
    expect(leftovers(outs)).toEqual([]);
  });

  it('gives the output folder the usual mode (0777 less the umask), not the temporary folder\'s 0700', () => {
    const out = path.join(outs, 'mode');
    synth(small(), { outdir: out });
    expect(fs.statSync(out).mode & 0o777).toBe(0o777 & ~process.umask());
    expect(fs.statSync(path.join(out, 'shop')).mode & 0o777).toBe(0o777 & ~process.umask());
  });

  it('names an output path that is a file and changes nothing', () => {
    const out = path.join(outs, 'a-file');
    fs.writeFileSync(out, 'not a folder');
    expect(() => synth(small(), { outdir: out })).toThrow(OutputError);
    expect(() => synth(small(), { outdir: out })).toThrow(`${out}: is a file, not a folder. Move the file away or write elsewhere`);
    const inside = path.join(out, 'dist');
    expect(() => synth(small(), { outdir: inside })).toThrow(`${out}: cannot create the folder that holds the output (EEXIST`);
    expect(fs.readFileSync(out, 'utf8')).toBe('not a folder');
  });

  it('removes what a killed synth left and puts back the previous output a kill between the renames took away', () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const parent = fs.mkdtempSync(path.join(outs, 'stale-'));
    const out = path.join(parent, 'dist');
    synth(small('v1'), { outdir: out });
    const before = readTree(out);
    fs.renameSync(out, path.join(parent, `.keelson-tmp-dist-${dead}-0123abcd-old`));
    fs.mkdirSync(path.join(parent, `.keelson-tmp-dist-${dead}-0123abcd`));
    fs.mkdirSync(path.join(parent, `.keelson-tmp-other-${dead}-0123abcd`));
    const result = synth(small('v2'), { outdir: out });
    expect(result.changed).toEqual(['shop/api.yaml']); // compared with the output put back
    expect(fs.readdirSync(parent).sort()).toEqual([`.keelson-tmp-other-${dead}-0123abcd`, 'dist']);
    expect([...readTree(out)!.keys()]).toEqual([...before!.keys()]);
  });

  it(
    'leaves dist/ as it was or complete when SIGINT or SIGTERM stops a synth of 2,000 services, and the next synth leaves no temporary file',
    async () => {
      const parent = fs.mkdtempSync(path.join(outs, 'signals-'));
      const out = path.join(parent, 'dist');
      const args = (tag: string, n = 2000) => [runner, path.join(apps, 'many.ts'), String(n), tag, out];
      // The output before: any earlier synth (a small one keeps the test short).
      const first = spawnSync(process.execPath, args('v1', 20), { cwd: root, encoding: 'utf8' });
      expect(first.status).toBe(0);
      const before = treeHash(out);
      // Each run is stopped at a random point: anywhere (start-up, building, checks) or while the files are being written.
      const plans = [
        { signal: 'SIGINT', when: 'anytime' },
        { signal: 'SIGTERM', when: 'writing' },
        { signal: 'SIGINT', when: 'writing' },
        { signal: 'SIGTERM', when: 'anytime' },
      ] as const;
      const seen: string[] = [];
      const killed: number[] = [];
      for (const plan of plans) {
        // A changed entry makes keelson-app bundle it again, so a kill at any time can also land while it bundles.
        if (plan.when === 'anytime') {
          const now = new Date();
          fs.utimesSync(path.join(apps, 'many.ts'), now, now);
        }
        const child = spawn(process.execPath, args('v2'), { cwd: root, stdio: 'ignore' });
        killed.push(child.pid!);
        const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
        let timer: NodeJS.Timeout;
        if (plan.when === 'anytime') {
          timer = setTimeout(() => child.kill(plan.signal), 200 + Math.random() * 4000);
        } else {
          timer = setInterval(() => {
            if (!leftovers(parent).length) return;
            clearInterval(timer);
            setTimeout(() => child.kill(plan.signal), Math.random() * 400);
          }, 2);
        }
        await exited;
        clearTimeout(timer);
        clearInterval(timer);
        seen.push(treeHash(out));
      }
      const next = spawnSync(process.execPath, args('v2'), { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
      expect(next.status).toBe(0);
      const complete = treeHash(out);
      expect(complete).not.toBe(before);
      for (const hash of seen) expect([before, complete]).toContain(hash);
      expect(fs.readdirSync(parent)).toEqual(['dist']);
      expect(fs.existsSync(path.join(out, MARKER_FILE))).toBe(true);
      const cached = fs.existsSync(cache) ? fs.readdirSync(cache) : [];
      for (const pid of killed) expect(cached.filter((name) => name.includes(`.${pid}.`) || name === `app-${pid}.mjs`)).toEqual([]);
    },
    120_000,
  );
});

function small(tag = 'v1'): App {
  const app = new App();
  const stack = new Stack(app, 'shop', { env: production });
  new WebService(stack, 'api', { image: `acme/api:${tag}`, port: 8080, health: { live: '/health', ready: '/ready' } });
  return app;
}
