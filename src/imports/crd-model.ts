/**
 * The runtime of the generated CRD validators in `models/`: each generated module
 * holds ajv standalone code compiled from one CRD version's `openAPIV3Schema` and
 * wraps it with {@link crdModel} into a class shaped like a kubernetes-models class.
 * Nothing here depends on ajv at run time.
 */

/** One problem found by a generated validator, in ajv's error shape. */
export interface CrdSchemaError {
  /** JSON pointer of the offending value, e.g. `/spec/replicas`. */
  readonly instancePath: string;
  /** JSON pointer of the schema rule that failed. */
  readonly schemaPath: string;
  /** The JSON Schema keyword that failed: `type`, `required`, `enum`, `additionalProperties`, … */
  readonly keyword: string;
  /** Details of the failure, e.g. `missingProperty` or `additionalProperty`. */
  readonly params: Readonly<Record<string, unknown>>;
  /** What is wrong, e.g. `must be integer`. */
  readonly message?: string;
}

/** An ajv standalone validate function: returns whether the data is valid and leaves the problems on `errors`. */
export type CrdValidateFunction = ((data: unknown) => boolean) & { errors?: CrdSchemaError[] | null };

/** An object of one CRD kind, ready to validate (the kubernetes-models shape). */
export interface CrdModel {
  /** Throws a {@link CrdValidationError} listing every problem when the object does not match its CRD schema. */
  validate(): void;
}

/** A validator class of one CRD apiVersion/kind, usable wherever a kubernetes-models class is. */
export interface CrdModelClass {
  new (data: unknown): CrdModel;
  /** apiVersion the schema belongs to, e.g. `kueue.x-k8s.io/v1beta2`. */
  readonly apiVersion: string;
  /** Kind the schema belongs to, e.g. `LocalQueue`. */
  readonly kind: string;
}

/** Thrown by {@link CrdModel.validate}: `errors` lists every problem in ajv's shape. */
export class CrdValidationError extends Error {
  constructor(
    apiVersion: string,
    kind: string,
    /** Every problem, each with `instancePath`, `keyword`, `params` and `message`. */
    public readonly errors: readonly CrdSchemaError[],
  ) {
    const first = errors[0];
    super(`${apiVersion} ${kind} does not match its CRD schema: ${first ? `${first.instancePath || '/'} ${first.message ?? first.keyword}` : 'invalid'}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`);
    this.name = 'CrdValidationError';
  }
}

/** Wraps a generated validate function into a validator class for one apiVersion/kind. */
export function crdModel(apiVersion: string, kind: string, validate: CrdValidateFunction): CrdModelClass {
  return class {
    public static readonly apiVersion = apiVersion;
    public static readonly kind = kind;
    constructor(private readonly data: unknown) {}
    public validate(): void {
      if (!validate(this.data)) throw new CrdValidationError(apiVersion, kind, validate.errors ?? []);
    }
  };
}
