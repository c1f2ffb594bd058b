import type { KubeType } from '../core/kube-object.js';

/**
 * A {@link KubeType} for a custom resource whose props type is the JSON shape generated from
 * its upstream CRD (src/imports/types): the compiler checks the fields, and synth validates
 * the object against the same CRD's schema through the kind registry.
 */
export function crdType<P extends object>(apiVersion: string, kind: string): KubeType<Omit<P, 'apiVersion' | 'kind'>> {
  return { GVK: { apiVersion, kind }, manifest: (props) => ({ apiVersion, kind, ...props }) };
}
