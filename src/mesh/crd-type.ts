import type { KubeType } from '../core/kube-object.js';

/**
 * A {@link KubeType} for a custom resource whose props type comes from its schema package
 * (`@kubernetes-models/istio`, `@kubernetes-models/gateway-api`): the compiler checks the
 * fields, and synth validates the object against the same schema through the kind registry.
 */
export function crdType<P extends object>(apiVersion: string, kind: string): KubeType<Omit<P, 'apiVersion' | 'kind'>> {
  return { GVK: { apiVersion, kind }, manifest: (props) => ({ apiVersion, kind, ...props }) };
}
