import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { suggestDnsLabel } from '../core/names.js';
import { CliError, ownPackage, type CliIo } from './io.js';

/**
 * The node options a synth starts with (in `cdk8s.yaml`'s app command and `npm run synth`): a
 * young generation of 2 MB semi-spaces instead of 16, a heap that grows by half between full
 * collections instead of up to 4x, and two helper threads for the garbage collector and the
 * compiler instead of four (each keeps its own malloc arena). The same output at about the same
 * speed, in a quarter less memory at thousands of services.
 */
export const SYNTH_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=2', '--heap-growing-percent=50', '--v8-pool-size=2'];

/** Options of `keelson init`. */
export interface InitCommandOptions {
  /** Project name. @default - the folder name */
  readonly name?: string;
  /** Version spec of the keelson dependency (e.g. `file:../keelson-0.1.0.tgz`). @default - `^` the running version */
  readonly keelson?: string;
}

/**
 * The commands CI runs, in order, shared by both CI files: install, test, fail when `dist/`
 * is stale, and on a pull request (`BASE_REF` set) write what it changes in the cluster,
 * kind-aware, as Markdown to `$SUMMARY` (GitHub's job summary when unset). The change is
 * written before the staleness check, so a reviewer sees it even when that check fails.
 */
export const CI_STEPS: readonly { readonly name: string; readonly run: string }[] = [
  { name: 'Install', run: 'npm ci' },
  { name: 'Test', run: 'npm test' },
  {
    name: 'What this changes in the cluster',
    run: [
      'if [ -n "${BASE_REF:-}" ]; then',
      '  git fetch --no-tags --depth=1 origin "$BASE_REF"',
      '  rm -rf .keelson-base && mkdir .keelson-base',
      '  git archive FETCH_HEAD dist | tar -x -C .keelson-base || true',
      "  { echo '## What this change does to the cluster'; echo; echo '```diff'; npx keelson diff --out .keelson-base/dist || true; echo '```'; } >> \"${SUMMARY:-$GITHUB_STEP_SUMMARY}\"",
      'fi',
    ].join('\n'),
  },
  { name: 'dist/ is up to date', run: 'npx keelson diff' },
];

const indent = (text: string, spaces: number) => text.split('\n').map((l) => `${' '.repeat(spaces)}${l}`).join('\n');

const GITHUB_WORKFLOW = `name: keelson
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  manifests:
    runs-on: ubuntu-latest
    env:
      BASE_REF: \${{ github.base_ref }}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
${CI_STEPS.map((s) => `      - name: ${s.name}\n        run: ${s.run.includes('\n') ? `|\n${indent(s.run, 10)}` : s.run}\n`).join('')}`;

const GITLAB_CI = `keelson:
  image: node:20
  variables:
    BASE_REF: $CI_MERGE_REQUEST_TARGET_BRANCH_NAME
    SUMMARY: keelson-diff.md
  script:
${CI_STEPS.map((s) => (s.run.includes('\n') ? `    - |\n${indent(s.run, 6)}\n` : `    - ${s.run}\n`)).join('')}  artifacts:
    when: always
    expose_as: what this changes in the cluster
    paths: [keelson-diff.md]
`;

/** The files of a new project, by path. */
export function scaffoldFiles(name: string, keelsonSpec: string): Record<string, string> {
  const own = ownPackage();
  const dep = (n: string) => own.dependencies[n] ?? own.devDependencies[n] ?? 'latest';
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: { synth: 'keelson synth', diff: 'keelson diff', check: 'keelson check dist', test: 'tsc && vitest run' },
    dependencies: { keelson: keelsonSpec, cdk8s: dep('cdk8s'), constructs: dep('constructs') },
    devDependencies: { '@types/node': dep('@types/node'), typescript: dep('typescript'), vitest: dep('vitest') },
  };
  return {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'cdk8s.yaml': `language: typescript\napp: node ${SYNTH_NODE_OPTIONS.join(' ')} node_modules/keelson/bin/keelson-app.mjs main.ts\n`,
    'tsconfig.json': `${JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, noEmit: true, types: ['node'] }, include: ['*.ts', 'test'] }, null, 2)}\n`,
    '.gitignore': 'node_modules/\n.keelson-tmp-*\n.keelson-base/\n',
    'app.ts': `import type { App } from 'cdk8s';
import { Stack, WebService } from 'keelson';
import { production, staging } from 'keelson/presets';

/** The app: one web service, in staging and production. */
export function build(app: App): void {
  for (const env of [staging, production]) {
    const stack = new Stack(app, \`${name}-\${env.name}\`, { env });
    new WebService(stack, 'web', {
      image: 'nginxinc/nginx-unprivileged:1.27',
      port: 8080,
      health: { live: '/', ready: { tcp: true } },
    });
  }
}
`,
    'main.ts': `import { runApp } from 'keelson';
import { build } from './app.js';

// \`npm run synth\` (keelson synth) runs this file and writes dist/.
runApp(build);
`,
    'test/app.test.ts': `import { App } from 'cdk8s';
import { snapshotObjects, synthObjects } from 'keelson/testing';
import { describe, expect, it } from 'vitest';
import { build } from '../app.js';

describe('${name}', () => {
  const app = new App();
  build(app);
  const objects = synthObjects(app);

  it('runs the pinned image', () => {
    for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
      expect(deployment.spec.template.spec.containers[0].image).toBe('nginxinc/nginx-unprivileged:1.27');
    }
  });

  // One snapshot per object, named \`Kind namespace/name\`: a change names its object.
  it.each(Object.entries(snapshotObjects(objects)))('%s matches the snapshot', (_key, object) => {
    expect(object).toMatchSnapshot();
  });
});
`,
    '.github/workflows/keelson.yml': GITHUB_WORKFLOW,
    '.gitlab-ci.yml': GITLAB_CI,
    'README.md': `# ${name}

Kubernetes manifests for ${name}, written with [Keelson](https://www.npmjs.com/package/keelson).

    npm install
    npm run synth     # keelson synth: checks every object and writes dist/
    npm test          # tsc, then vitest: assertions and a snapshot of the objects

\`npm run diff\` (keelson diff) shows what a change would do to \`dist/\` and fails when \`dist/\` is stale;
\`npm run check\` (keelson check dist) checks any folder of YAML. Commit \`dist/\`.

CI (\`.github/workflows/keelson.yml\`, or \`.gitlab-ci.yml\`) runs the tests, fails when \`dist/\` is stale,
and on a pull request writes what it changes in the cluster, object by object, into the job summary.
`,
  };
}

/** `keelson init`: writes a new project into an empty folder. */
export function initCommand(dir: string, options: InitCommandOptions, io: CliIo): number {
  const target = path.resolve(dir);
  if (fs.existsSync(target)) {
    if (!fs.statSync(target).isDirectory()) throw new CliError(`${dir}: is a file, not a folder`);
    const present = fs.readdirSync(target).filter((f) => f !== '.git');
    if (present.length) throw new CliError(`${dir}: is not empty (${present.slice(0, 5).join(', ')}${present.length > 5 ? ', …' : ''}); init writes only into an empty folder`);
  }
  const name = options.name ?? suggestDnsLabel(path.basename(target));
  if (!/^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/.test(name)) throw new CliError(`--name ${JSON.stringify(name)} is not a valid project name (lower-case letters, digits and "-", starting with a letter, at most 42 characters)`);
  const files = scaffoldFiles(name, options.keelson ?? `^${ownPackage().version}`);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    fs.writeFileSync(path.join(target, file), text);
  }
  io.out(`keelson init: wrote ${Object.keys(files).length} files to ${dir}\nnext:\n  cd ${dir}\n  npm install\n  npm run synth\n  npm test`);
  return 0;
}

/** Registers `init` on the program. */
export function registerInit(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('init')
    .description('scaffold a new project: package.json, cdk8s.yaml, main.ts with one WebService, a snapshot test')
    .argument('[dir]', 'empty folder for the project', '.')
    .option('--name <name>', 'project name (default: the folder name)')
    .option('--keelson <spec>', 'version spec of the keelson dependency, e.g. file:../keelson-0.1.0.tgz')
    .action((dir: string, options: InitCommandOptions) => setExit(initCommand(dir, options, io)));
}
