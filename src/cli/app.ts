import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { RUN_ENV } from '../core/run.js';
import { CliError } from './io.js';

/** How to run the user's app and where. */
export interface AppCommand {
  /** Shell command, e.g. `npx tsx main.ts`. */
  readonly command: string;
  /** Project folder the command runs in. */
  readonly cwd: string;
}

/** The app command: `--app`, else `app` of cdk8s.yaml in `cwd`. */
export function findApp(cwd: string, app?: string): AppCommand {
  if (app) return { command: app, cwd };
  const file = path.join(cwd, 'cdk8s.yaml');
  if (!fs.existsSync(file)) throw new CliError(`no cdk8s.yaml in ${cwd}: run keelson in the project folder or pass --app "npx tsx main.ts"`);
  let config: unknown;
  try {
    config = parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`${file}: is not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  const command = (config as { app?: unknown } | null)?.app;
  if (typeof command !== 'string' || !command.trim()) throw new CliError(`${file}: has no "app" command (e.g. app: npx tsx main.ts)`);
  return { command, cwd };
}

/** Options passed to the app through the environment. */
export interface RunOptions {
  /** Output directory. @default - the app's own (dist) */
  readonly outdir?: string;
  /** Stack folders to write. @default - all */
  readonly stacks?: readonly string[];
  /** Environment names whose stacks to write. @default - all */
  readonly envs?: readonly string[];
  /** Print stack traces. @default false */
  readonly debug?: boolean;
}

/** Runs the app; returns its exit code and output. */
export function runAppCommand(app: AppCommand, options: RunOptions): { status: number; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const set = (name: string, value: string | undefined) => {
    if (value) env[name] = value;
    else delete env[name];
  };
  set(RUN_ENV.outdir, options.outdir && path.resolve(app.cwd, options.outdir));
  set(RUN_ENV.stacks, options.stacks?.join(','));
  set(RUN_ENV.envs, options.envs?.join(','));
  set(RUN_ENV.debug, options.debug ? '1' : undefined);
  const result = spawnSync(app.command, { cwd: app.cwd, env, shell: true, stdio: 'pipe', encoding: 'utf8' });
  if (result.error) throw new CliError(`could not run the app "${app.command}": ${result.error.message}`);
  return { status: result.status ?? 1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}
