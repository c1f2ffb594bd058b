import { generatedModel } from '../../src/imports/crd-models.js';

/** npm packages with models for the custom resources Keelson emits, by API group. */
const CRD_PACKAGES: Record<string, string> = {
  'external-secrets.io': '@kubernetes-models/external-secrets',
  'keda.sh': '@kubernetes-models/keda',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'argoproj.io': '@kubernetes-models/argo-cd',
  'security.istio.io': '@kubernetes-models/istio',
  'networking.istio.io': '@kubernetes-models/istio',
  'gateway.networking.k8s.io': '@kubernetes-models/gateway-api',
};

/**
 * Validates an object with the kubernetes-models class for its apiVersion/kind
 * (core kinds from `kubernetes-models`, custom resources from `@kubernetes-models/*` or the
 * validators generated from upstream CRDs in src/imports).
 * Returns the validation error messages (empty when valid); throws when no model exists.
 */
export async function validateWithModels(obj: { apiVersion: string; kind: string }): Promise<string[]> {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  const generated = generatedModel(obj.apiVersion, obj.kind);
  if (generated) {
    try {
      new generated(obj).validate();
      return [];
    } catch (e) {
      return [(e as Error).message];
    }
  }
  const pkg = CRD_PACKAGES[group!];
  const modulePath = pkg ? `${pkg}/${group}/${version}/${obj.kind}` : group ? `kubernetes-models/${group}/${version}/${obj.kind}` : `kubernetes-models/${version}/${obj.kind}`;
  let Model: any = generatedModel(obj.apiVersion, obj.kind);
  if (!Model) {
    try {
      Model = (await import(modulePath))[obj.kind];
    } catch {
      throw new Error(`no kubernetes-models schema for ${obj.apiVersion} ${obj.kind} (looked for ${modulePath})`);
    }
  }
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}
