import { execSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../src/cli/check.js';
import { diffCommand } from '../src/cli/diff.js';
import { initCommand, SYNTH_NODE_OPTIONS } from '../src/cli/init.js';
import { runCli } from '../src/cli/program.js';
import { synthCommand } from '../src/cli/synth.js';
import { readTree } from '../src/core/synth.js';
import { parse as parseYaml } from 'yaml';
import { type LocalRegistry, startLocalRegistry } from './support/local-registry.js';

const FIXTURE_APP = path.resolve('test/fixtures/app');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }, out, err, text: () => [...out, ...err].join('\n') };
}
const cli = async (...args: string[]) => {
  const c = capture();
  const code = await runCli(['node', 'keelson', ...args], c.io);
  return { code, text: c.text(), out: c.out.join('\n') };
};
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-cli-'));
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
/** Runs a command without blocking this process, which serves the local registry. */
const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject).on('close', (status) => resolve({ status, stdout, stderr }));
  });

afterEach(() => {
  for (const v of ['FIXTURE_REPLICAS', 'FIXTURE_FAIL_AFTER', 'FIXTURE_PRIVILEGED']) delete process.env[v];
});

describe('help and argument errors', () => {
  it.each(['synth', 'check', 'diff', 'init'])('%s --help', async (command) => {
    const { code, out } = await cli(command, '--help');
    expect(code).toBe(0);
    expect(out).toContain(`Usage: keelson ${command} [options]`);
  });

  it('--help lists every command', async () => {
    const { code, out } = await cli('--help');
    expect(code).toBe(0);
    for (const c of ['synth', 'check', 'diff', 'init']) expect(out).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });

  const BAD_ARGS: [string[], string][] = [
    [['bogus'], "error: unknown command 'bogus'"],
    [['check', '--format', 'xml'], "error: option '--format <format>' argument 'xml' is invalid. Allowed choices are text, json."],
    [['check', '--colour'], "error: unknown option '--colour'"],
    [['synth', '--env'], "error: option '--env <name>' argument missing"],
    [['synth', '--out'], "error: option '--out <dir>' argument missing"],
    [['check', 'no/such/folder'], 'error: no/such/folder: no such file or folder'],
    [['init', 'test/fixtures'], 'error: test/fixtures: is not empty'],
    [['init', 'package.json'], 'error: package.json: is a file, not a folder'],
    [['diff', 'extra'], 'error: too many arguments for \'diff\''],
    [['synth', '--app'], "error: option '--app <command>' argument missing"],
  ];
  it.each(BAD_ARGS)('%j → one clear line', async (args, message) => {
    const { code, text } = await cli(...args);
    expect(code).toBe(1);
    expect(text.split('\n')[0]).toContain(message);
    expect(text).not.toMatch(/\n\s+at /);
  });

  it('init refuses names that are not DNS labels', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/.test(s)), (name) => {
        expect(() => initCommand(path.join(tmp(), 'p'), { name }, capture().io)).toThrow(`--name ${JSON.stringify(name)} is not a valid project name`);
      }),
      { numRuns: 20 },
    );
  });

  it('random unknown options are refused with their name', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[a-z]{3,10}$/).filter((s) => !['env', 'stack', 'out', 'app', 'help', 'debug', 'version'].includes(s)), async (opt) => {
        const { code, text } = await cli('synth', `--${opt}`);
        expect(code).toBe(1);
        expect(text).toContain(`error: unknown option '--${opt}'`);
      }),
      { numRuns: 15 },
    );
  });

  it('synth without cdk8s.yaml says what to do', () => {
    const dir = tmp();
    expect(() => synthCommand({}, false, capture().io, dir)).toThrow(`no cdk8s.yaml in ${dir}: run keelson in the project folder or pass --app "npx tsx main.ts"`);
  });
});

describe('keelson check', () => {
  it('reports every broken file and exits 1', async () => {
    const c = capture();
    expect(await checkCommand('test/fixtures/broken', 'text', c.io)).toBe(1);
    expect(c.out.at(-1)).toBe('keelson check: 5 files, 4 objects: 5 errors, 1 warning');
    expect(c.out.filter((l) => l.startsWith('error')).map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'error schema-type-meta missing-kind.yaml#0',
      'error yaml-not-object not-object.yaml#0',
      'error yaml-not-object not-object.yaml#1',
      'error yaml-syntax not-yaml.yaml#0',
      'error api-not-served unknown-api-version.yaml#1',
    ]);
  });

  it('prints JSON for CI', async () => {
    const c = capture();
    expect(await checkCommand('test/fixtures/broken/nested', 'json', c.io)).toBe(0);
    expect(JSON.parse(c.out.join('\n'))).toEqual({ files: 1, objects: 1, errors: 0, warnings: 0, findings: [] });
  });
});

describe('keelson synth and diff', () => {
  it('writes only the chosen environment, then diff is clean, then stale after a preset change', () => {
    const out = path.join(tmp(), 'dist');
    const c = capture();
    expect(synthCommand({ out }, false, c.io, FIXTURE_APP)).toBe(0);
    expect(c.out.join('\n')).toMatch(/^keelson: \d+ objects in 2 stacks → .* in \d+\.\ds\n {2}kinds: Deployment 2, /);
    expect(fs.readdirSync(out).sort()).toEqual(['.keelson', 'demo-production', 'demo-staging']);

    const clean = capture();
    expect(diffCommand({ out }, false, clean.io, FIXTURE_APP)).toBe(0);
    expect(clean.out).toEqual([`keelson diff: ${out} is up to date`]);

    process.env.FIXTURE_REPLICAS = '4';
    const stale = capture();
    expect(diffCommand({ out }, false, stale.io, FIXTURE_APP)).toBe(1);
    const text = stale.out.join('\n');
    expect(text).toContain('~ demo-staging: Deployment demo-staging/web\n    ~ spec.replicas: 2 → 4');
    expect(stale.out.at(-1)).toMatch(/^keelson diff: 1 change: .* is stale; run keelson synth and commit the result$/);
  });

  it('--env filters stacks and names unknown environments', () => {
    const out = path.join(tmp(), 'dist');
    expect(synthCommand({ out, env: ['production'] }, false, capture().io, FIXTURE_APP)).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['.keelson', 'demo-production']);
    const c = capture();
    expect(synthCommand({ out, env: ['qa'] }, false, c.io, FIXTURE_APP)).toBe(1);
    expect(c.text()).toContain('error: no stack has the environment "qa" (environments: production, staging)');
  });

  it('check errors and user exceptions leave the output exactly as it was', () => {
    const out = path.join(tmp(), 'dist');
    expect(synthCommand({ out }, false, capture().io, FIXTURE_APP)).toBe(0);
    const before = readTree(out);
    process.env.FIXTURE_PRIVILEGED = '1';
    const checks = capture();
    expect(synthCommand({ out }, false, checks.io, FIXTURE_APP)).toBe(1);
    expect(checks.text()).toMatch(/(^|\n)error: synth stopped: 10 check errors, nothing was written:\n {2}error {3}pss-/);
    delete process.env.FIXTURE_PRIVILEGED;
    process.env.FIXTURE_FAIL_AFTER = '1';
    const user = capture();
    expect(synthCommand({ out }, false, user.io, FIXTURE_APP)).toBe(1);
    expect(user.text()).toContain('error: user code failed while building the app');
    expect(user.text()).not.toMatch(/\n\s+at /);
    expect(readTree(out)).toEqual(before);
  });
});

describe('the synth command', () => {
  it('starts keelson-app with the same node options in package.json, cdk8s.yaml and the scaffolded cdk8s.yaml', () => {
    const optionsOf = (command: string) => /^node ((?:--[a-z0-9-]+=\S+ )*)\S*bin\/keelson-app\.mjs main\.ts$/.exec(command.trim())?.[1]?.trim().split(' ');
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
    expect(optionsOf(pkg.scripts.synth)).toEqual([...SYNTH_NODE_OPTIONS]);
    expect(optionsOf(parseYaml(fs.readFileSync('cdk8s.yaml', 'utf8')).app)).toEqual([...SYNTH_NODE_OPTIONS]);
    const project = tmp();
    expect(initCommand(project, {}, capture().io)).toBe(0);
    expect(optionsOf(parseYaml(fs.readFileSync(path.join(project, 'cdk8s.yaml'), 'utf8')).app)).toEqual([...SYNTH_NODE_OPTIONS]);
    fs.rmSync(project, { recursive: true, force: true });
    // Options node accepts: a synth with them runs.
    const run = spawnSync(process.execPath, [...SYNTH_NODE_OPTIONS, '-e', 'process.exit(0)'], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
  });
});

describe('keelson init', () => {
  // The scaffold installs this repo's build of keelson, and every other package from a registry
  // that serves what `npm ci` put into node_modules: no network, no warm npm cache.
  let work = '';
  let project = '';
  let env: NodeJS.ProcessEnv = {};
  let registry: LocalRegistry | undefined;
  const inProject = (cmd: string, ...args: string[]) => run(cmd, args, project, env);

  beforeAll(async () => {
    work = tmp();
    const built = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
    if (!fs.existsSync('lib/src/cli/main.js')) throw new Error(`build failed:\n${built.stdout}${built.stderr}`);
    const tarball = execSync(`npm pack --silent --pack-destination ${work}`, { encoding: 'utf8' }).trim().split('\n').pop()!;
    project = path.join(work, 'shop');
    expect(initCommand(project, { keelson: `file:${path.join(work, tarball)}` }, capture().io)).toBe(0);
    expect(fs.readdirSync(project).sort()).toEqual(['.github', '.gitignore', '.gitlab-ci.yml', 'README.md', 'app.ts', 'cdk8s.yaml', 'main.ts', 'package.json', 'test', 'tsconfig.json']);
    registry = await startLocalRegistry(process.cwd());
    fs.writeFileSync(path.join(work, 'npmrc'), '');
    const { CI: _ci, ...inherited } = process.env;
    env = { ...inherited, npm_config_registry: registry.url, npm_config_cache: path.join(work, 'npm-cache'), npm_config_userconfig: path.join(work, 'npmrc') };
    const install = await inProject('npm', 'install', '--no-audit', '--no-fund');
    expect(install.status, install.stdout + install.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await registry?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('scaffolds a project that installs from local packages, synthesizes and tests', async () => {
    const synth = await inProject('npm', 'run', 'synth');
    expect(synth.status, synth.stdout + synth.stderr).toBe(0);
    expect(synth.stdout).toContain('objects in 2 stacks');
    expect(fs.readdirSync(path.join(project, 'dist')).sort()).toEqual(['.keelson', 'shop-production', 'shop-staging']);
    const test = await inProject('npm', 'test');
    expect(test.status, test.stdout + test.stderr).toBe(0);
    // One test for the image, then one snapshot per object, named by kind, namespace and name.
    const tests = Number(/Tests\s+(\d+) passed/.exec(plain(test.stdout))?.[1]);
    const snapshots = Number(/Snapshots\s+(\d+) written/.exec(plain(test.stdout))?.[1]);
    expect(snapshots).toBeGreaterThan(1);
    expect(tests).toBe(snapshots + 1);
    const diff = await inProject('npx', 'keelson', 'diff');
    expect(diff.stdout.trim()).toBe('keelson diff: dist is up to date');
  }, 60_000);

  it('its npm test typechecks first, so a misspelt prop fails it', async () => {
    const appFile = path.join(project, 'app.ts');
    const app = fs.readFileSync(appFile, 'utf8');
    fs.writeFileSync(appFile, app.replace('port: 8080,', 'port: 8080,\n      replica: 3,'));
    try {
      // At run time the closed props catch it too, with a hint; the typecheck catches it first.
      const vitest = await inProject('npx', 'vitest', 'run');
      expect(vitest.status).not.toBe(0);
      expect(plain(vitest.stdout + vitest.stderr)).toContain('replica 3 is not a known prop. Did you mean "replicas"?');
      const test = await inProject('npm', 'test');
      expect(test.status).not.toBe(0);
      expect(test.stdout).toMatch(/app\.ts\(\d+,\d+\): error TS2561: .*'replica' does not exist in type 'WebServiceProps'\. Did you mean to write 'replicas'\?/);
      expect(plain(test.stdout)).not.toMatch(/Tests\s+\d+ passed/);
    } finally {
      fs.writeFileSync(appFile, app);
    }
  }, 60_000);

  it('its CI workflow, run as a script on a pull request, tests, writes the change to the summary and passes', async () => {
    const git = (...args: string[]) => execSync(`git ${args.join(' ')}`, { cwd: project, encoding: 'utf8', env: { ...env, GIT_AUTHOR_NAME: 'ci', GIT_AUTHOR_EMAIL: 'ci@example.com', GIT_COMMITTER_NAME: 'ci', GIT_COMMITTER_EMAIL: 'ci@example.com' } });
    const remote = path.join(work, 'remote.git');
    execSync(`git init -q --bare ${remote}`);
    git('init', '-q', '-b', 'main');
    git('remote', 'add', 'origin', remote);
    expect((await inProject('npm', 'run', 'synth')).status).toBe(0);
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    git('push', '-q', 'origin', 'main');
    // The pull request: two more replicas, re-synthesized and the snapshot updated, as a developer would.
    const appFile = path.join(project, 'app.ts');
    fs.writeFileSync(appFile, fs.readFileSync(appFile, 'utf8').replace('port: 8080,', 'port: 8080,\n      replicas: 5,'));
    expect((await inProject('npm', 'run', 'synth')).status).toBe(0);
    expect((await inProject('npx', 'vitest', 'run', '-u')).status).toBe(0);
    git('checkout', '-q', '-b', 'more-replicas');
    git('add', '-A');
    git('commit', '-q', '-m', '"more replicas"');

    const workflow = parseYaml(fs.readFileSync(path.join(project, '.github/workflows/keelson.yml'), 'utf8'));
    const steps: { name: string; run: string }[] = workflow.jobs.manifests.steps.filter((s: { run?: string }) => s.run);
    expect(steps.map((s) => s.name)).toEqual(['Install', 'Test', 'What this changes in the cluster', 'dist/ is up to date']);
    const gitlab = parseYaml(fs.readFileSync(path.join(project, '.gitlab-ci.yml'), 'utf8'));
    expect(gitlab.keelson.script.map((r: string) => r.trimEnd())).toEqual(steps.map((s) => s.run.trimEnd()));
    const summary = path.join(work, 'summary.md');
    // Dependencies are installed already (from the local registry); every other step runs as CI runs it.
    const script = ['set -e', ...steps.filter((s) => s.name !== 'Install').map((s) => s.run)].join('\n');
    const ci = await run('bash', ['-c', script], project, { ...env, BASE_REF: 'main', GITHUB_STEP_SUMMARY: summary });
    expect(ci.status, ci.stdout + ci.stderr).toBe(0);
    const text = fs.readFileSync(summary, 'utf8');
    expect(text).toContain('## What this change does to the cluster');
    expect(text).toMatch(/Deployment shop-production\/web/);
    expect(text).toMatch(/replicas/);
  }, 120_000);
});
