import { App } from 'cdk8s';
import type { IConstruct } from 'constructs';
import type { CheckedObject, Finding } from './core/checks/finding.js';
import { runChecks as runChecksWith, type CheckOptions } from './core/checks/index.js';
import { ConstructErrors } from './core/construct-errors.js';
import { KeelsonError, KeelsonErrors } from './core/errors.js';
import { KindRegistry } from './core/kinds.js';
import { collectStacks } from './core/manifest.js';
import { formatError, formatFindings, formatSummary, RUN_ENV } from './core/run.js';
import { Stack } from './core/stack.js';
import { SynthContext, type StackManifest, type SynthExtension } from './core/synth-context.js';
import { synthesize, type SynthOptions, type SynthResult } from './core/synth.js';
import { generatedModel } from './imports/crd-models.js';
import { meshExtension } from './mesh/mesh-extension.js';
import { networkExtension } from './network/connection-graph.js';
import { observabilityExtension } from './observability/extension.js';
import { platformExtension } from './platform/platform-extension.js';

/**
 * The composition root: the one place that knows every area, so core never has to.
 * Everything that synthesizes (`synth`, `runApp`, `keelson/testing`, the CLI) comes
 * through here and runs the same extensions.
 */

/**
 * The extensions every synth runs, in order: the service mesh (its objects, and its ports in
 * the NetworkPolicies, so it goes before the network), NetworkPolicies, network checks and
 * `network.md`; PrometheusRule content checks; then namespace ownership, Argo CD applications,
 * config checksums, sync waves and their checks.
 */
export const DEFAULT_EXTENSIONS: readonly SynthExtension[] = [meshExtension, networkExtension, observabilityExtension, platformExtension];

/** A fresh context for one synth of `root` with the default extensions and the generated CRD validators. */
export function createSynthContext(root: IConstruct): SynthContext {
  return new SynthContext(root, DEFAULT_EXTENSIONS, generatedModel);
}

/**
 * Runs every rule family over a set of objects (see the checks' `runChecks`), by default
 * with the built-in kinds and the CRD validators generated from upstream CRDs, as synth
 * validates them.
 */
export function runChecks(objects: readonly CheckedObject[], options: CheckOptions = {}): Finding[] {
  return runChecksWith(objects, { ...options, kinds: options.kinds ?? KindRegistry.builtIns(generatedModel) });
}

/**
 * Synthesizes every Stack under `root` into the output directory: one walk of the
 * tree, validation, network policies and checks (an error stops synth), apply order,
 * YAML. A failure leaves the previous output untouched; files nothing produces any
 * more disappear.
 */
export function synth(root: IConstruct, options: SynthOptions = {}): SynthResult {
  return synthesize(createSynthContext(root), options);
}

/**
 * Walks `root` as `synth` does (validations, network policies, checks of the whole tree)
 * and returns every object grouped by stack, in apply order, without writing anything.
 */
export function collectManifests(root: IConstruct): StackManifest[] {
  return collectStacks(createSynthContext(root));
}

function listFromEnv(name: string): string[] | undefined {
  const value = process.env[name]?.trim();
  return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}

/** The stack folders to write given KEELSON_STACKS / KEELSON_ENVS, or `options.only`. */
function selectStacks(app: App, only: readonly string[] | undefined): readonly string[] | undefined {
  const stacks = listFromEnv(RUN_ENV.stacks);
  const envs = listFromEnv(RUN_ENV.envs);
  if (!stacks && !envs) return only;
  const all = app.node.children.filter((c): c is Stack => Stack.isStack(c));
  if (envs) {
    const known = [...new Set(all.map((s) => s.env.name))].sort();
    const unknown = envs.filter((e) => !known.includes(e));
    if (unknown.length) throw new Error(`no stack has the environment ${unknown.map((e) => JSON.stringify(e)).join(', ')} (environments: ${known.join(', ') || 'none'})`);
  }
  const dirs = all.filter((s) => !envs || envs.includes(s.env.name)).map((s) => s.outputDir);
  return stacks ? stacks.filter((d) => !envs || dirs.includes(d) || !all.some((s) => s.outputDir === d)) : dirs;
}

/**
 * Builds the app, recording the error of each construct that fails instead of stopping at
 * the first (see {@link ConstructErrors}); when any failed, throws them all, with the
 * validation errors of the constructs that did build, unless the build stopped early.
 */
function buildReportingEveryError(app: App, build: (app: App) => void): void {
  const collector = ConstructErrors.attach(app);
  let stopped: unknown;
  try {
    build(app);
  } catch (e) {
    if (!collector.errors.length) throw e;
    stopped = e;
  }
  if (!collector.errors.length) return;
  if (stopped instanceof KeelsonError) throw new KeelsonErrors([...collector.errors, stopped], 'The app stopped there; errors after it are not known yet.');
  if (stopped instanceof KeelsonErrors) throw new KeelsonErrors([...collector.errors, ...stopped.errors], 'The app stopped there; errors after it are not known yet.');
  if (stopped !== undefined) throw new KeelsonErrors(collector.errors, `The app stopped: ${(stopped as Error)?.message ?? String(stopped)}`);
  let rest: readonly KeelsonError[] = [];
  try {
    collectStacks(createSynthContext(app));
  } catch (e) {
    if (e instanceof KeelsonErrors) rest = e.errors;
  }
  throw new KeelsonErrors([...collector.errors, ...rest]);
}

/**
 * Builds the app with `build`, synthesizes it, and reports errors as clear
 * lines instead of stack traces (set KEELSON_DEBUG=1 for the trace). Sets the
 * exit code to 1 on failure; the output directory is then left as it was. Every construct
 * that fails is reported, not only the first.
 * KEELSON_OUTDIR, KEELSON_STACKS and KEELSON_ENVS (set by `keelson synth`)
 * override the output directory and choose the stacks to write.
 */
export function runApp(build: (app: App) => void, options: SynthOptions = {}): SynthResult | undefined {
  const started = performance.now();
  try {
    const outdir = process.env[RUN_ENV.outdir] || options.outdir || process.env.CDK8S_OUTDIR || 'dist';
    const app = new App({ outdir });
    buildReportingEveryError(app, build);
    const result = synth(app, { ...options, outdir, only: selectStacks(app, options.only) });
    console.log(formatSummary(result, performance.now() - started));
    const findings = formatFindings(result.findings);
    if (findings) console.log(findings);
    return result;
  } catch (e) {
    process.exitCode = 1;
    console.error(formatError(e));
    return undefined;
  }
}
