import { ApiObject, Chart } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { KeelsonError, KeelsonErrors } from './errors.js';
import { KindRegistry } from './kinds.js';
import { KubeObject } from './kube-object.js';
import { Stack } from './stack.js';

/** One Kubernetes object as synthesized, with where it came from. */
export interface ManifestObject {
  /** The object as plain JSON. */
  readonly json: Record<string, any>;
  /** Path of the construct that made it. */
  readonly path: string;
  /** File (relative to the stack folder) it is written to. */
  readonly file: string;
}

/** All objects of one Stack (or plain cdk8s Chart), in apply order. */
export interface StackManifest {
  /** Folder under the output directory. */
  readonly dir: string;
  /** The chart. */
  readonly chart: Chart;
  /** Objects in apply order. */
  readonly objects: ManifestObject[];
  /** Other files of the stack folder, path relative to it → text (e.g. `network.md`). @default - none */
  readonly files?: Readonly<Record<string, string>>;
}

/** What a {@link SynthHook}'s `finish` reports. */
export interface SynthHookResult {
  /** Problems found in the output. @default - none */
  readonly errors?: readonly KeelsonError[];
  /** Files for the stack folder, path relative to it → text. @default - none */
  readonly files?: Readonly<Record<string, string>>;
}

/** Work a stack adds to {@link collectManifests}, for objects and checks that depend on the whole tree. */
export interface SynthHook {
  /**
   * Runs once, when the walk first reaches the stack and before it visits the stack's
   * children: the place to create objects derived from every construct.
   * @default - nothing to prepare
   */
  readonly prepare?: () => void;
  /**
   * Runs after every walk that included the stack, with its objects and those of every
   * stack in the walk: checks the output and adds files.
   * @default - nothing to check
   */
  readonly finish?: (manifest: StackManifest, all: readonly StackManifest[]) => SynthHookResult;
}

const HOOKS = new WeakMap<Chart, { readonly hook: SynthHook; prepared: boolean }[]>();

/** Registers `hook` to run whenever `chart` is synthesized. */
export function addSynthHook(chart: Chart, hook: SynthHook): void {
  let hooks = HOOKS.get(chart);
  if (!hooks) HOOKS.set(chart, (hooks = []));
  hooks.push({ hook, prepared: false });
}

/**
 * Walks the construct tree once, runs construct validations and the stacks' synth
 * hooks, and returns every object grouped by stack, in apply order. Linear in the
 * number of constructs. Throws {@link KeelsonErrors} listing every validation error,
 * duplicate object and error a hook found.
 */
export function collectManifests(root: IConstruct): StackManifest[] {
  const kinds = KindRegistry.forTree(root);
  const errors: KeelsonError[] = [];
  const stacks = new Map<Chart, StackManifest>();
  const seen = new Map<string, string>();
  const stackDirs = new Map<string, string>();

  // Iterative depth-first walk; children are visited in creation order.
  const stack: { node: IConstruct; chart?: Chart; top?: string }[] = [{ node: root }];
  while (stack.length) {
    const { node, chart, top } = stack.pop()!;
    for (const message of node.node.validate()) {
      errors.push(new KeelsonError({ path: node.node.path, field: 'construct', value: node.node.id, rule: message }));
    }
    let currentChart = chart;
    let currentTop = top;
    if (node instanceof Chart) {
      for (const entry of HOOKS.get(node) ?? []) {
        if (entry.prepared) continue;
        entry.prepared = true;
        entry.hook.prepare?.();
      }
      currentChart = node;
      currentTop = undefined;
      if (!stacks.has(node)) {
        const dir = node instanceof Stack ? node.outputDir : node.node.id;
        const other = stackDirs.get(dir);
        if (other) errors.push(new KeelsonError({ path: node.node.path, field: 'outputDir', value: dir, rule: `is also the folder of ${other}`, hint: 'Give each stack its own id or outputDir' }));
        stackDirs.set(dir, node.node.path);
        stacks.set(node, { dir, chart: node, objects: [] });
      }
    } else if (currentChart && node.node.scope === currentChart) {
      currentTop = node.node.id;
    }
    if (node instanceof ApiObject && currentChart) {
      const json = toJsonChecked(node, errors);
      if (json) {
        if (kinds.isClusterScoped(json) && json.metadata) delete json.metadata.namespace;
        const key = `${json.apiVersion.includes('/') ? json.apiVersion.split('/')[0] : ''}|${json.kind}|${json.metadata?.namespace ?? ''}|${json.metadata?.name}`;
        const first = seen.get(key);
        if (first) {
          errors.push(
            new KeelsonError({
              path: node.node.path,
              field: 'metadata.name',
              value: json.metadata?.name,
              rule: `is also the name of the ${json.kind} made by ${first} in namespace ${JSON.stringify(json.metadata?.namespace ?? '')}`,
              hint: 'Give one of them another id or name',
            }),
          );
        } else seen.set(key, node.node.path);
        const file = kinds.setupFile(json) ?? `${currentTop ?? json.kind.toLowerCase()}.yaml`;
        stacks.get(currentChart)!.objects.push({ json, path: node.node.path, file });
      }
    }
    const children = node.node.children;
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i]!, chart: currentChart, top: currentTop });
  }
  if (errors.length) throw new KeelsonErrors(errors);
  const sorted = [...stacks.values()].filter((s) => s.objects.length > 0);
  for (const s of sorted) s.objects.sort((a, b) => compareObjects(a, b, kinds));
  sorted.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
  const result = sorted.map((s) => {
    let files: Record<string, string> | undefined;
    for (const { hook } of HOOKS.get(s.chart) ?? []) {
      const finished = hook.finish?.(s, sorted);
      errors.push(...(finished?.errors ?? []));
      if (finished?.files) files = { ...files, ...finished.files };
    }
    return files ? { ...s, files } : s;
  });
  if (errors.length) throw new KeelsonErrors(errors);
  return result;
}

function toJsonChecked(obj: ApiObject, errors: KeelsonError[]): Record<string, any> | undefined {
  try {
    // A KubeObject's JSON is already plain and compact, and shared with the construct. Anything
    // else goes through a JSON round trip for compact, shared shapes: cdk8s builds objects key by
    // key with spreads, which leaves slow dictionary-mode objects that checks and rendering walk.
    if (KubeObject.isKubeObject(obj) && obj.rendersDirectly) return obj.toJson();
    return JSON.parse(JSON.stringify(obj.toJson()));
  } catch (e) {
    const err = e instanceof KeelsonError ? e : undefined;
    errors.push(err ?? new KeelsonError({ path: obj.node.path, field: 'object', value: obj.name, rule: `could not be serialized: ${(e as Error).message}` }));
    return undefined;
  }
}

/** Apply order: by file, then by the rank of the kind (what must exist before what uses it), then by kind, namespace and name. */
function compareObjects(a: ManifestObject, b: ManifestObject, kinds: KindRegistry): number {
  return (
    cmp(a.file, b.file) ||
    kinds.rank(a.json) - kinds.rank(b.json) ||
    cmp(a.json.kind, b.json.kind) ||
    cmp(a.json.metadata?.namespace ?? '', b.json.metadata?.namespace ?? '') ||
    cmp(a.json.metadata?.name ?? '', b.json.metadata?.name ?? '')
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
