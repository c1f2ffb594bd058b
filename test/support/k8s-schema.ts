import { KindRegistry } from '../../src/core/kinds.js';
import { generatedModel } from '../../src/imports/crd-models.js';

const kinds = KindRegistry.builtIns(generatedModel);

/**
 * Validates an object with the schema validator Keelson has for its apiVersion/kind: core
 * kinds with `kubernetes-models`, custom resources with the validators generated from
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
