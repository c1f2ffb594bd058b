import type { IConstruct } from 'constructs';
import type { StackManifest } from '../core/synth-context.js';

/**
 * Optional `kustomization.yaml` per stack folder, for users who layer kustomize on top of
 * the output (`resources:` lists the folder's manifests in apply order). Argo CD then reads
 * the folder as a Kustomize application, which applies the same objects.
 */

const KUSTOMIZE_METADATA = 'keelson:kustomization';

/** Writes a `kustomization.yaml` into every stack folder of the app `scope` belongs to. */
export function writeKustomizations(scope: IConstruct): void {
  const root = scope.node.root;
  if (!wantsKustomizations(root)) root.node.addMetadata(KUSTOMIZE_METADATA, true);
}

/** True when {@link writeKustomizations} was called on the app of `scope`. */
export function wantsKustomizations(scope: IConstruct): boolean {
  return scope.node.root.node.metadata.some((m) => m.type === KUSTOMIZE_METADATA);
}

/** The `kustomization.yaml` of one stack folder. */
export function kustomizationOf(stack: StackManifest): string {
  const files = [...new Set(stack.objects.map((o) => o.file))].sort();
  return ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:', ...files.map((f) => `  - ${f}`), ''].join('\n');
}
