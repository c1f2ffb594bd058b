import { App } from 'cdk8s';
import { KeelsonError, KeelsonErrors } from './errors.js';
import { synth, type SynthOptions, type SynthResult } from './synth.js';

/**
 * Builds the app with `build`, synthesizes it, and reports errors as clear
 * lines instead of stack traces (set KEELSON_DEBUG=1 for the trace). Sets the
 * exit code to 1 on failure; the output directory is then left as it was.
 */
export function runApp(build: (app: App) => void, options: SynthOptions = {}): SynthResult | undefined {
  try {
    const app = new App({ outdir: options.outdir ?? process.env.CDK8S_OUTDIR ?? 'dist' });
    build(app);
    const result = synth(app, options);
    const objects = Object.values(result.kinds).reduce((a, b) => a + b, 0);
    console.log(
      `keelson: ${objects} objects in ${result.stacks.length} stack${result.stacks.length === 1 ? '' : 's'} → ${result.outdir} ` +
        `(${result.added.length} added, ${result.changed.length} changed, ${result.pruned.length} pruned)`,
    );
    return result;
  } catch (e) {
    process.exitCode = 1;
    console.error(formatError(e));
    return undefined;
  }
}

/** One readable message for any error; the stack trace only with KEELSON_DEBUG=1. */
export function formatError(e: unknown): string {
  if (process.env.KEELSON_DEBUG) return `error: ${(e as Error)?.stack ?? String(e)}`;
  if (e instanceof KeelsonErrors) return `error: ${e.message}`;
  if (e instanceof KeelsonError) return `error: ${e.message}`;
  if (e instanceof Error) return `error: ${e.message}\n(set KEELSON_DEBUG=1 for the stack trace)`;
  return `error: ${String(e)}`;
}
