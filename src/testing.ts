import type { IConstruct } from 'constructs';
import { collectManifests } from './app.js';
import { KindRegistry } from './core/kinds.js';
import { renderFiles, toYaml } from './core/synth.js';

/** A synthesized object as plain JSON. */
export type K8sObject = Record<string, any> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: any } };

/**
 * Synthesizes a Stack (or a whole App) in memory, runs the same validations as
 * `synth`, and returns its objects in apply order. Nothing is written to disk.
 */
export function synthObjects(scope: IConstruct): K8sObject[] {
  // Copies, so a test that edits an object cannot change the construct it came from.
  return collectManifests(scope).flatMap((s) => s.objects.map((o) => structuredClone(o.json) as K8sObject));
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

/** Finds the one object of `kind` (and `name`, when given); throws a helpful error when there is not exactly one. */
export function findObject(objects: readonly K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) {
    const have = objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ');
    throw new Error(`expected exactly one ${kind}${name ? `/${name}` : ''}, found ${found.length} (objects: ${have})`);
  }
  return found[0]!;
}

/** All objects of `kind`. */
export function findObjects(objects: readonly K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** The (first) pod spec of a Pod, PodTemplate or workload object (Deployment, StatefulSet, Job, CronJob…), or undefined. */
export function podSpecOf(object: K8sObject): Record<string, any> | undefined {
  return KindRegistry.builtIns().podTemplates(object)[0]?.spec;
}
