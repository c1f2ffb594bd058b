import type { IConstruct } from 'constructs';
import { collectManifests } from './app.js';
import { describeObject } from './core/checks/finding.js';
import { KindRegistry } from './core/kinds.js';
import type { Stack } from './core/stack.js';
import { renderFiles } from './core/synth.js';
import { toYaml } from './core/yaml.js';

/** A synthesized object as plain JSON. */
export type K8sObject = Record<string, any> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: any } };

// The stack folder each object of synthObjects came from (weakly held: it lives as long as the object).
const stackOf = new WeakMap<object, string>();

/**
 * Synthesizes a Stack (or a whole App) in memory, runs the same validations as
 * `synth`, and returns its objects in apply order. Nothing is written to disk.
 */
export function synthObjects(scope: IConstruct): K8sObject[] {
  // Copies, so a test that edits an object cannot change the construct it came from.
  return collectManifests(scope).flatMap((s) =>
    s.objects.map((o) => {
      const copy = structuredClone(o.json) as K8sObject;
      stackOf.set(copy, s.dir);
      return copy;
    }),
  );
}

/** `Kind namespace/name`, or `Kind name` for a cluster-scoped object: the key of {@link snapshotObjects}. */
export function objectKey(object: K8sObject): string {
  return describeObject(object);
}

/**
 * The objects of a Stack or App (or a list from {@link synthObjects}) keyed by
 * `Kind namespace/name`, in apply order, e.g. `"Deployment shop-staging/api"`. Snapshot each
 * entry under its key, so a failing snapshot names the object and the diff shows only its
 * fields:
 *
 * @example
 * for (const [key, object] of Object.entries(snapshotObjects(app))) expect(object).toMatchSnapshot(key);
 */
export function snapshotObjects(source: IConstruct | readonly K8sObject[]): Record<string, K8sObject> {
  const objects = Array.isArray(source) ? (source as readonly K8sObject[]) : synthObjects(source as IConstruct);
  const out: Record<string, K8sObject> = {};
  for (const o of objects) {
    const key = objectKey(o);
    if (key in out) throw new Error(`snapshotObjects: two objects are ${key} (from different API groups); snapshot them with findObjects`);
    out[key] = o;
  }
  return out;
}

/** Like {@link synthObjects}, as the YAML stream `synth` would write. */
export function synthYaml(scope: IConstruct): string {
  return toYaml(synthObjects(scope));
}

/**
 * Every file `synth` would write for a Stack (or a whole App), path relative to the
 * output directory → text: the manifests and the stacks' other files (e.g. `network.md`).
 */
export function synthFiles(scope: IConstruct): Map<string, string> {
  return renderFiles(collectManifests(scope));
}

/** Narrows {@link findObject} and {@link findObjects} when one app has the same object in several stacks. */
export interface ObjectFilter {
  /** Only objects in this namespace. @default - any namespace */
  readonly namespace?: string;
  /** Only objects of this stack: the Stack, or its folder under dist/ (its id unless `outputDir` is set). Objects must come from {@link synthObjects}. @default - any stack */
  readonly stack?: Stack | string;
}

function matches(o: K8sObject, kind: string, name: string | undefined, filter: ObjectFilter): boolean {
  if (o.kind !== kind || (name !== undefined && o.metadata.name !== name)) return false;
  if (filter.namespace !== undefined && o.metadata.namespace !== filter.namespace) return false;
  if (filter.stack !== undefined) {
    const dir = typeof filter.stack === 'string' ? filter.stack : filter.stack.outputDir;
    const from = stackOf.get(o);
    if (from === undefined) throw new Error(`findObject: ${objectKey(o)} did not come from synthObjects, so its stack is unknown; filter by namespace instead`);
    if (from !== dir) return false;
  }
  return true;
}

function describeCandidate(o: K8sObject): string {
  const stack = stackOf.get(o);
  return stack === undefined ? objectKey(o) : `${objectKey(o)} (stack ${stack})`;
}

/**
 * Finds the one object of `kind` (and `name`, when given) that passes `filter`; throws an
 * error listing the candidates when there is none or more than one.
 *
 * @example findObject(objects, 'Deployment', 'api', { stack: 'shop-staging' })
 */
export function findObject(objects: readonly K8sObject[], kind: string, name?: string, filter: ObjectFilter = {}): K8sObject {
  const found = objects.filter((o) => matches(o, kind, name, filter));
  if (found.length === 1) return found[0]!;
  const wanted = `${kind}${name ? ` ${name}` : ''}${filter.namespace !== undefined ? ` in namespace ${filter.namespace}` : ''}${filter.stack !== undefined ? ` in stack ${typeof filter.stack === 'string' ? filter.stack : filter.stack.outputDir}` : ''}`;
  if (found.length > 1) {
    throw new Error(`expected exactly one ${wanted}, found ${found.length}: ${found.map(describeCandidate).join(', ')}. Pass { namespace } or { stack } to choose one`);
  }
  const sameKind = objects.filter((o) => o.kind === kind);
  const have = (sameKind.length ? sameKind : objects).map(describeCandidate).join(', ');
  throw new Error(`expected exactly one ${wanted}, found none (${sameKind.length ? `${kind} objects` : 'objects'}: ${have || 'none'})`);
}

/** All objects of `kind` that pass `filter`. */
export function findObjects(objects: readonly K8sObject[], kind: string, filter: ObjectFilter = {}): K8sObject[] {
  return objects.filter((o) => matches(o, kind, undefined, filter));
}

/** The (first) pod spec of a Pod, PodTemplate or workload object (Deployment, StatefulSet, Job, CronJob…), or undefined. */
export function podSpecOf(object: K8sObject): Record<string, any> | undefined {
  return KindRegistry.builtIns().podTemplates(object)[0]?.spec;
}
