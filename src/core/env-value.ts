import { k8s } from 'cdk8s-plus-28';
import type { IConstruct } from 'constructs';
import { ErrorContext } from './errors.js';

/** A key of an existing Secret. */
export interface SecretKeyRef {
  /** Name of the Secret in the stack's namespace. */
  readonly secret: string;
  /** Key inside the Secret. */
  readonly key: string;
  /** Start the pod even when the key is missing. @default false */
  readonly optional?: boolean;
}

/** A key of an existing ConfigMap. */
export interface ConfigMapKeyRef {
  /** Name of the ConfigMap in the stack's namespace. */
  readonly configMap: string;
  /** Key inside the ConfigMap. */
  readonly key: string;
  /** Start the pod even when the key is missing. @default false */
  readonly optional?: boolean;
}

/** One piece of an {@link ExportedValue}: literal text or a Secret key resolved in the pod. */
export type ValuePart = string | SecretKeyRef;

/**
 * A value one construct exports for others to consume as environment variables,
 * e.g. `api.url` or `db.url`. Parts that come from Secrets are resolved by the
 * kubelet (through `$(VAR)` expansion), so no secret ever lands in the manifests.
 */
export class ExportedValue {
  /** A value made of literal text and Secret keys, in order. */
  public static of(parts: readonly ValuePart[], source?: IConstruct): ExportedValue {
    return new ExportedValue(parts, source);
  }

  private constructor(
    /** The literal and secret pieces, in order. */
    public readonly parts: readonly ValuePart[],
    /** The construct that exports the value (the one a consumer depends on). */
    public readonly source?: IConstruct,
  ) {}

  /** The value when it has no secret parts, else undefined. */
  public get literal(): string | undefined {
    return this.parts.every((p) => typeof p === 'string') ? this.parts.join('') : undefined;
  }

  /** The environment variables that produce this value under `name`. */
  public toEnvVars(name: string): k8s.EnvVar[] {
    const literal = this.literal;
    if (literal !== undefined) return [{ name, value: literal }];
    if (this.parts.length === 1) return [secretEnv(name, this.parts[0] as SecretKeyRef)];
    const helpers: k8s.EnvVar[] = [];
    let value = '';
    for (const part of this.parts) {
      if (typeof part === 'string') {
        value += part.replace(/\$\(/g, '$$$$(');
      } else {
        const helper = `${name}_${part.key.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
        if (!helpers.some((h) => h.name === helper)) helpers.push(secretEnv(helper, part));
        value += `$(${helper})`;
      }
    }
    return [...helpers, { name, value }];
  }

  /** The value with secret parts shown as `<secret:name/key>`, for docs and errors. */
  public toString(): string {
    return this.parts.map((p) => (typeof p === 'string' ? p : `<secret:${p.secret}/${p.key}>`)).join('');
  }
}

/** What a container env variable can be set to. */
export type EnvValue = string | number | boolean | SecretKeyRef | ConfigMapKeyRef | ExportedValue;

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function secretEnv(name: string, ref: SecretKeyRef): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: ref.secret, key: ref.key, optional: ref.optional } } };
}

/** Turns a record of env values into checked container env variables, in the order given. */
export function toEnvVars(ctx: ErrorContext, field: string, env: Readonly<Record<string, EnvValue>>): k8s.EnvVar[] {
  const out: k8s.EnvVar[] = [];
  for (const [name, value] of Object.entries(env)) {
    const where = `${field}.${name}`;
    ctx.check(ENV_NAME.test(name), field, name, 'is not a valid environment variable name', 'Use letters, digits, "_", "-" and "."; do not start with a digit');
    if (value instanceof ExportedValue) out.push(...value.toEnvVars(name));
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out.push({ name, value: String(value) });
    else if (value && typeof value === 'object' && 'secret' in value) {
      checkRefName(ctx, `${where}.secret`, value.secret);
      checkKey(ctx, `${where}.key`, value.key);
      out.push(secretEnv(name, value));
    } else if (value && typeof value === 'object' && 'configMap' in value) {
      checkRefName(ctx, `${where}.configMap`, value.configMap);
      checkKey(ctx, `${where}.key`, value.key);
      out.push({ name, valueFrom: { configMapKeyRef: { name: value.configMap, key: value.key, optional: value.optional } } });
    } else {
      throw ctx.error(where, value, 'is not a valid env value', 'Use a string, { secret, key }, { configMap, key } or a value another construct exports (e.g. db.url)');
    }
  }
  return out;
}

function checkRefName(ctx: ErrorContext, field: string, value: unknown): void {
  ctx.check(
    typeof value === 'string' && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(value) && value.length <= 253,
    field,
    value,
    'is not a valid object name (DNS-1123 subdomain)',
  );
}

function checkKey(ctx: ErrorContext, field: string, value: unknown): void {
  ctx.check(typeof value === 'string' && /^[-._a-zA-Z0-9]+$/.test(value) && value.length <= 253, field, value, 'is not a valid key', 'Keys use letters, digits, "-", "_" and "."');
}
