import type { Command } from 'commander';
import { findApp, runAppCommand } from './app.js';
import type { CliIo } from './io.js';

/** Options of `keelson synth`. */
export interface SynthCommandOptions {
  /** Environment names whose stacks to write. @default - all */
  readonly env?: string[];
  /** Stack folders to write. @default - all */
  readonly stack?: string[];
  /** Output directory. @default 'dist' */
  readonly out?: string;
  /** App command. @default - `app` of cdk8s.yaml */
  readonly app?: string;
}

/** `keelson synth`: runs the app, which checks and writes the manifests; returns the exit code. */
export function synthCommand(options: SynthCommandOptions, debug: boolean, io: CliIo, cwd = process.cwd()): number {
  const app = findApp(cwd, options.app);
  const result = runAppCommand(app, { outdir: options.out, stacks: options.stack, envs: options.env, debug });
  if (result.stdout.trim()) io.out(result.stdout.trimEnd());
  if (result.stderr.trim()) io.err(result.stderr.trimEnd());
  return result.status === 0 ? 0 : 1;
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

/** Registers `synth` on the program. */
export function registerSynth(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('synth')
    .description('synthesize the app into YAML: checks every object, writes only when there is no error')
    .option('--env <name>', 'only stacks of this environment profile (repeatable, or comma-separated)', collect)
    .option('--stack <folder>', 'only this stack folder (repeatable, or comma-separated)', collect)
    .option('--out <dir>', 'output directory (default: dist, or $CDK8S_OUTDIR)')
    .option('--app <command>', 'command that runs the app (default: "app" of cdk8s.yaml)')
    .action((options: SynthCommandOptions) => setExit(synthCommand(options, Boolean(program.opts().debug), io)));
}
