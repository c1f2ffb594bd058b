import { Command, CommanderError, Option } from 'commander';
import { formatError } from '../core/run.js';
import type { DiffCommandOptions } from './diff.js';
import { registerInit } from './init.js';
import { CliError, ownPackage, processIo, type CliIo } from './io.js';
import { registerSynth } from './synth.js';

/** The `keelson` program; commands report their exit code through `setExit`. */
export function createProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('keelson')
    .description('Typed Kubernetes constructs on cdk8s: synthesize, check and diff manifests')
    .version(ownPackage().version)
    .option('--debug', 'print stack traces')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  registerSynth(program, io, setExit);
  registerCheck(program, io, setExit);
  registerDiff(program, io, setExit);
  registerInit(program, io, setExit);
  for (const command of program.commands) command.exitOverride().configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  return program;
}

/** Registers `check`; the checks load when it runs, so other commands start without them. */
function registerCheck(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('check')
    .description('check a folder of Kubernetes YAML (any YAML, not only what keelson wrote); exit code 1 on errors')
    .argument('[dir]', 'folder or file to check', 'dist')
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json']).default('text'))
    .action(async (dir: string, options: { format: 'text' | 'json' }) => setExit(await (await import('./check.js')).checkCommand(dir, options.format, io)));
}

/** Registers `diff`; the differ loads when it runs. */
function registerDiff(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('diff')
    .description('synthesize into a temporary folder and show what would change in the output directory; exit code 1 when it is stale')
    .option('--out <dir>', 'the committed output directory', 'dist')
    .option('--app <command>', 'command that runs the app (default: "app" of cdk8s.yaml)')
    .action(async (options: DiffCommandOptions) => setExit((await import('./diff.js')).diffCommand(options, Boolean(program.opts().debug), io)));
}

/** Runs the CLI with `argv` (as `process.argv`); returns the exit code. Errors are one line, stack traces only with --debug. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let code = 0;
  const program = createProgram(io, (c) => (code = c));
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof CliError && !debug) {
      io.err(`error: ${e.message}`);
      if (e.details) io.err(e.details);
      return e.exitCode;
    }
    io.err(debug ? `error: ${(e as Error)?.stack ?? String(e)}` : formatError(e));
    return 1;
  }
}
