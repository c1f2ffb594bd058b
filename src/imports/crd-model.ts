/**
 * The runtime of the generated CRD validators in `models/`: each generated module
 * holds ajv standalone code compiled from one CRD version's `openAPIV3Schema`, and
 * `crd-models.ts` wraps it into a validator class with core's {@link schemaModel}
 * (the wrapper Kubernetes' own kinds use too). Nothing here depends on ajv at run time.
 */
import { schemaModel, type SchemaError, type ValidateFunction } from '../core/checks/kubernetes-schema.js';

/** One problem found by a generated validator, in ajv's error shape. */
export type CrdSchemaError = SchemaError;

/** An ajv standalone validate function: returns whether the data is valid and leaves the problems on `errors`. */
export type CrdValidateFunction = ValidateFunction;

/** A validator class of one CRD apiVersion/kind: `new M(json).validate()` throws with every problem on `errors`. */
export type CrdModelClass = ReturnType<typeof schemaModel>;

/** Wraps a generated validate function into a validator class for one apiVersion/kind. */
export const crdModel = schemaModel;
