import type { KubeType } from '../core/kube-object.js';

/**
 * A KubeType that takes already-rendered Kubernetes JSON as it is, for objects the platform
 * derives from other objects' JSON (a colour's Deployment, a Rollout from a Deployment).
 */
export function renderedAs(gvk: { readonly apiVersion: string; readonly kind: string }): KubeType<Record<string, unknown>> {
  return { GVK: gvk, manifest: (json) => json };
}
