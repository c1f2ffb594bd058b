import { ApiObject, Chart } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { KeelsonError, KeelsonErrors } from './errors.js';
import { checkWaiverRules, waiversOf } from './checks/waivers.js';
import { KindRegistry } from './kinds.js';
import { KubeObject, plainJson } from './kube-object.js';
import { Stack } from './stack.js';
import type { ManifestObject, StackManifest, SynthContext } from './synth-context.js';

/**
 * Walks the tree of `context.root` once, runs construct validations and the synth's
 * extensions, and returns every object grouped by stack, in apply order. Linear in the
 * number of constructs. Throws {@link KeelsonErrors} listing every validation error,
 * duplicate object, waiver of a rule no check knows, and error an extension found.
 */
export function collectStacks(context: SynthContext): StackManifest[] {
  const root = context.root;
  const kinds = context.kinds;
  const errors: KeelsonError[] = [];
  const stacks = new Map<Chart, StackManifest>();
  const seen = new Map<string, string>();
  const stackDirs = new Map<string, string>();

  // Iterative depth-first walk; children are visited in creation order.
  // `file` is the file of the construct's top-level ancestor in its chart, one string shared by all its objects.
  const stack: { node: IConstruct; chart?: Chart; file?: string }[] = [{ node: root }];
  while (stack.length) {
    const { node, chart, file } = stack.pop()!;
    for (const message of node.node.validate()) {
      errors.push(new KeelsonError({ path: node.node.path, field: 'construct', value: node.node.id, rule: message }));
    }
    let currentChart = chart;
    let currentFile = file;
    if (node instanceof Chart) {
      currentChart = node;
      currentFile = undefined;
      if (!stacks.has(node)) {
        for (const extension of context.extensions) extension.prepareStack?.(context, node);
        const dir = node instanceof Stack ? node.outputDir : node.node.id;
        const other = stackDirs.get(dir);
        if (other) errors.push(new KeelsonError({ path: node.node.path, field: 'outputDir', value: dir, rule: `is also the folder of ${other}`, hint: 'Give each stack its own id or outputDir' }));
        stackDirs.set(dir, node.node.path);
        stacks.set(node, { dir, chart: node, objects: [] });
      }
    } else if (currentChart && node.node.scope === currentChart) {
      currentFile = `${node.node.id}.yaml`;
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
        stacks.get(currentChart)!.objects.push({ json, path: node.node.path, file: kinds.setupFile(json) ?? currentFile ?? `${json.kind.toLowerCase()}.yaml` });
      }
    }
    const children = node.node.children;
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i]!, chart: currentChart, file: currentFile });
  }
  errors.push(...checkWaiverRules(waiversOf(root), context.rules));
  if (errors.length) throw new KeelsonErrors(errors);
  const sorted = [...stacks.values()].filter((s) => s.objects.length > 0);
  for (const s of sorted) s.objects.sort((a, b) => compareObjects(a, b, kinds));
  sorted.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
  context.setManifests(sorted);
  const result = sorted.map((s) => {
    let files: Record<string, string> | undefined;
    for (const extension of context.extensions) {
      const finished = extension.finishStack?.(context, s);
      errors.push(...(finished?.errors ?? []));
      if (finished?.files) files = { ...files, ...finished.files };
    }
    return files ? { ...s, files } : s;
  });
  if (errors.length) throw new KeelsonErrors(errors);
  context.releaseState();
  return result;
}

function toJsonChecked(obj: ApiObject, errors: KeelsonError[]): Record<string, any> | undefined {
  try {
    // A KubeObject's JSON is already plain and compact, and shared with the construct. Anything
    // else is copied into plain objects with compact shapes: cdk8s builds objects key by key
    // with spreads, which leaves slow dictionary-mode objects that checks and rendering walk.
    if (KubeObject.isKubeObject(obj) && obj.rendersDirectly) return obj.toJson();
    return plainJson(obj.toJson()) as Record<string, any>;
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
