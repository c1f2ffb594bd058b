import { fileURLToPath } from 'node:url';
import { requireCompiled } from '../code-cache.js';
import type { ModelClass } from '../kind-definition.js';

/** One problem found by a generated validator, in ajv's error shape. */
export interface SchemaError {
  /** JSON pointer of the offending value, e.g. `/spec/replicas`. */
  readonly instancePath: string;
  /** The JSON Schema keyword that failed: `type`, `required`, `additionalProperties`, … */
  readonly keyword: string;
  /** Details of the failure, e.g. `missingProperty` or `additionalProperty`. */
  readonly params: Readonly<Record<string, any>>;
  /** What is wrong, e.g. `must be integer`. */
  readonly message?: string;
}

/** An ajv standalone validate function: returns whether the data is valid and leaves the problems on `errors`. */
export type ValidateFunction = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };

/**
 * Kubernetes 1.28's served kinds and their validators, generated from the upstream
 * OpenAPI spec into `kubernetes-1.28.cjs` (see scripts/generate-kubernetes-schema.ts).
 * Loaded on first use: it is 1.4 MB of code.
 */
let validators: Readonly<Record<string, ValidateFunction>> | undefined;
let groups: ReadonlySet<string> | undefined;

function load(): Readonly<Record<string, ValidateFunction>> {
  validators ??= requireCompiled(fileURLToPath(new URL('./kubernetes-1.28.cjs', import.meta.url))) as Record<string, ValidateFunction>;
  return validators;
}

/** The validator of a kind Kubernetes 1.28 serves, by apiVersion and kind; undefined for any other. */
export function kubernetesValidator(apiVersion: string, kind: string): ValidateFunction | undefined {
  return load()[`${apiVersion}|${kind}`];
}

/** The API groups Kubernetes 1.28 serves ('' for the core group). */
export function kubernetesGroups(): ReadonlySet<string> {
  groups ??= new Set(Object.keys(load()).map((key) => {
    const apiVersion = key.slice(0, key.indexOf('|'));
    return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  }));
  return groups;
}

/** The validator classes' error: `errors` lists every problem in ajv's shape. */
export class SchemaValidationError extends Error {
  constructor(
    apiVersion: string,
    kind: string,
    /** Every problem, each with `instancePath`, `keyword`, `params` and `message`. */
    public readonly errors: readonly SchemaError[],
  ) {
    const first = errors[0];
    super(`${apiVersion} ${kind} does not match its schema: ${first ? `${first.instancePath || '/'} ${first.message ?? first.keyword}` : 'invalid'}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`);
    this.name = 'SchemaValidationError';
  }
}

/** A validator class (`new M(json).validate()` throws a {@link SchemaValidationError}) around a validate function. */
export function schemaModel(apiVersion: string, kind: string, validate: ValidateFunction): ModelClass & { readonly apiVersion: string; readonly kind: string } {
  return class {
    public static readonly apiVersion = apiVersion;
    public static readonly kind = kind;
    constructor(public readonly data: unknown) {}
    public validate(): void {
      if (!validate(this.data)) throw new SchemaValidationError(apiVersion, kind, validate.errors ?? []);
    }
  };
}
