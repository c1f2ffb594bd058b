import { createRequire } from 'node:module';
import { KindRegistry } from '../../src/core/kinds.js';
import { generatedModel } from '../../src/imports/crd-models.js';

const kinds = KindRegistry.builtIns(generatedModel);

/**
 * Validates an object with the schema validator Keelson has for its apiVersion/kind: core
 * kinds with the validators generated from the 1.28 OpenAPI spec, custom resources with the validators generated from
 * upstream CRDs in src/imports (or, for versions without an upstream file, an
 * `@kubernetes-models/*` package).
 * Returns the validation error messages (empty when valid); throws when no validator exists.
 */
export function validateWithModels(obj: { apiVersion: string; kind: string }): string[] {
  const Model = kinds.validator(obj.apiVersion, obj.kind);
  if (!Model) throw new Error(`no schema validator for ${obj.apiVersion} ${obj.kind}`);
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}

const require = createRequire(import.meta.url);

/**
 * Validates an object of Kubernetes' own kinds with `kubernetes-models` (an npm package with
 * its own schemas and validator, independent of the validators Keelson generates), so the
 * tests do not only check the output with the code that made it. Returns the messages (empty
 * when valid); undefined for kinds that package does not model.
 */
export function validateWithKubernetesModels(obj: { apiVersion: string; kind: string }): string[] | undefined {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  let Model: (new (data: unknown) => { validate(): void }) | undefined;
  try {
    Model = (require(`kubernetes-models/${group ? `${group}/` : ''}${version}/${obj.kind}`) as Record<string, new (data: unknown) => { validate(): void }>)[obj.kind];
  } catch {
    return undefined;
  }
  try {
    new Model!(obj).validate();
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}
