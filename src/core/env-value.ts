import { k8s } from 'cdk8s-plus-28';
import type { IConstruct } from 'constructs';
import { ErrorContext, KeelsonError } from './errors.js';
import { checkKnownKeys, propKeys } from './props.js';

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

/** A construct an {@link ExportedValue} comes from, and the Service port it points at. */
export interface ValueSource {
  /** The construct that exports the value (the one a consumer depends on). */
  readonly construct: IConstruct;
  /** The Service port of `construct` the value connects to (`api.url`: its port), when it names one. @default - none (e.g. a bare host) */
  readonly port?: number;
}

/** Options of {@link ExportedValue.of}. */
export interface ExportOptions {
  /** The Service port of the source the value connects to. @default - none (e.g. a bare host) */
  readonly port?: number;
}

const EXPORT_OPTION_KEYS = propKeys<ExportOptions>()('port');

/** What {@link concat} and {@link ref} join: text, numbers, Secret keys and exported values. */
export type ValuePiece = string | number | SecretKeyRef | ExportedValue;

/**
 * A value one construct exports for others to consume as environment variables,
 * e.g. `api.url` or `db.url`. Parts that come from Secrets are resolved by the
 * kubelet (through `$(VAR)` expansion), so no secret ever lands in the manifests.
 * The value keeps the constructs it comes from, so the network checks follow the
 * dependency instead of parsing it back out of text. It never turns into plain text
 * by accident: build new values with {@link ref} or {@link concat}.
 */
export class ExportedValue {
  /** A value made of literal text and Secret keys, in order, exported by `source`. */
  public static of(parts: readonly ValuePart[], source?: IConstruct, options: ExportOptions = {}): ExportedValue {
    checkKnownKeys(new ErrorContext(source?.node.path ?? 'ExportedValue.of'), 'options', options, EXPORT_OPTION_KEYS);
    return new ExportedValue(parts, source ? [{ construct: source, ...(options.port === undefined ? {} : { port: options.port }) }] : []);
  }

  /** Joins pieces into one value that keeps every source of the exported values among them. */
  public static join(pieces: readonly ValuePiece[]): ExportedValue {
    const parts: ValuePart[] = [];
    const sources: ValueSource[] = [];
    const addText = (text: string) => {
      if (typeof parts[parts.length - 1] === 'string') parts[parts.length - 1] += text;
      else if (text) parts.push(text);
    };
    for (const piece of pieces) {
      if (piece instanceof ExportedValue) {
        for (const p of piece.parts) {
          if (typeof p === 'string') addText(p);
          else parts.push(p);
        }
        for (const s of piece.sources) if (!sources.some((t) => t.construct === s.construct && t.port === s.port)) sources.push(s);
      } else if (typeof piece === 'string' || typeof piece === 'number') addText(String(piece));
      else parts.push(piece);
    }
    return new ExportedValue(parts, sources);
  }

  private constructor(
    /** The literal and secret pieces, in order. */
    public readonly parts: readonly ValuePart[],
    /** The constructs the value comes from, each once, in order. */
    public readonly sources: readonly ValueSource[],
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
  public describe(): string {
    return this.parts.map((p) => (typeof p === 'string' ? p : `<secret:${p.secret}/${p.key}>`)).join('');
  }

  /** JSON shows the described value (errors and snapshots print it). */
  public toJSON(): string {
    return this.describe();
  }

  /** Refuses to become text: text would lose the link to the constructs the value comes from. */
  public toString(): string {
    throw this.asTextError();
  }

  /** Refuses to become text or a number in template literals and `+`, like {@link toString}. */
  public [Symbol.toPrimitive](): never {
    throw this.asTextError();
  }

  private asTextError(): KeelsonError {
    return new KeelsonError({
      path: this.sources.map((s) => s.construct.node.path).join(', ') || '(value)',
      field: 'exported value',
      value: this.describe(),
      rule: 'was used as plain text, which loses the link to the construct that exports it',
      hint: 'Build the text with the ref tagged template (ref`${db.host}:5432`) or concat(...), which keep the link; describe() gives the text for docs',
    });
  }
}

/** Joins text, Secret keys and exported values into one {@link ExportedValue} that keeps every source: `concat(api.url, '/v1')`. */
export function concat(...pieces: ValuePiece[]): ExportedValue {
  return ExportedValue.join(pieces);
}

/**
 * A tagged template that builds an {@link ExportedValue} keeping the sources of the values
 * it interpolates: ``ref`http://${search.host}:9200/` ``. A plain template literal would
 * throw instead, since it would lose the dependency.
 */
export function ref(strings: TemplateStringsArray, ...values: ValuePiece[]): ExportedValue {
  const pieces: ValuePiece[] = [];
  strings.forEach((text, i) => {
    pieces.push(text);
    if (i < values.length) pieces.push(values[i]!);
  });
  return ExportedValue.join(pieces);
}

/** A field of the pod itself, resolved by the kubelet (the downward API). */
export interface PodFieldRef {
  /** The field, e.g. `status.podIP`, `metadata.name`, `spec.nodeName`, or a label `metadata.labels['app.kubernetes.io/version']`. */
  readonly field: PodField;
}

/** Pod fields the downward API offers to env variables. */
export type PodField =
  | 'metadata.name'
  | 'metadata.namespace'
  | 'metadata.uid'
  | 'spec.nodeName'
  | 'spec.serviceAccountName'
  | 'status.hostIP'
  | 'status.hostIPs'
  | 'status.podIP'
  | 'status.podIPs'
  | `metadata.labels['${string}']`
  | `metadata.annotations['${string}']`;

/** A container's own request or limit, resolved by the kubelet (e.g. GOMAXPROCS from `limits.cpu`). */
export interface ResourceFieldRef {
  /** The resource, e.g. `limits.cpu`, `requests.memory`. */
  readonly resource: 'limits.cpu' | 'limits.memory' | 'limits.ephemeral-storage' | 'requests.cpu' | 'requests.memory' | 'requests.ephemeral-storage';
  /** Unit of the value, e.g. `1` core, `1m`, `1Mi`. @default '1' */
  readonly divisor?: string;
}

/** What a container env variable can be set to. */
export type EnvValue = string | number | boolean | SecretKeyRef | ConfigMapKeyRef | PodFieldRef | ResourceFieldRef | ExportedValue;

const POD_FIELD = /^(metadata\.(name|namespace|uid)|spec\.(nodeName|serviceAccountName)|status\.(hostIPs?|podIPs?)|metadata\.(labels|annotations)\['[^'\]]+'\])$/;
const RESOURCE_FIELD = /^(limits|requests)\.(cpu|memory|ephemeral-storage)$/;
const DIVISOR = /^(1|1m|1k|1M|1G|1T|1Ki|1Mi|1Gi|1Ti)$/;

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
/** The divisors the API server accepts for CPU (the others are for memory and ephemeral storage only). */
const CPU_DIVISOR = /^(1|1m)$/;
const SECRET_REF_KEYS = propKeys<SecretKeyRef>()('secret', 'key', 'optional');
const CONFIG_MAP_REF_KEYS = propKeys<ConfigMapKeyRef>()('configMap', 'key', 'optional');
const POD_FIELD_KEYS = propKeys<PodFieldRef>()('field');
const RESOURCE_FIELD_KEYS = propKeys<ResourceFieldRef>()('resource', 'divisor');

function checkOptional(ctx: ErrorContext, field: string, value: unknown): void {
  if (value !== undefined) ctx.check(typeof value === 'boolean', field, value, 'must be true or false');
}

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
      checkKnownKeys(ctx, where, value, SECRET_REF_KEYS);
      checkRefName(ctx, `${where}.secret`, value.secret);
      checkKey(ctx, `${where}.key`, value.key);
      checkOptional(ctx, `${where}.optional`, value.optional);
      out.push(secretEnv(name, value));
    } else if (value && typeof value === 'object' && 'configMap' in value) {
      checkKnownKeys(ctx, where, value, CONFIG_MAP_REF_KEYS);
      checkRefName(ctx, `${where}.configMap`, value.configMap);
      checkKey(ctx, `${where}.key`, value.key);
      checkOptional(ctx, `${where}.optional`, value.optional);
      out.push({ name, valueFrom: { configMapKeyRef: { name: value.configMap, key: value.key, optional: value.optional } } });
    } else if (value && typeof value === 'object' && 'field' in value) {
      checkKnownKeys(ctx, where, value, POD_FIELD_KEYS);
      ctx.check(typeof value.field === 'string' && POD_FIELD.test(value.field), `${where}.field`, value.field, 'is not a pod field the downward API offers', 'Use e.g. "status.podIP", "metadata.name", "metadata.namespace", "spec.nodeName" or "metadata.labels[\'key\']"');
      out.push({ name, valueFrom: { fieldRef: { fieldPath: value.field } } });
    } else if (value && typeof value === 'object' && 'resource' in value) {
      checkKnownKeys(ctx, where, value, RESOURCE_FIELD_KEYS);
      ctx.check(typeof value.resource === 'string' && RESOURCE_FIELD.test(value.resource), `${where}.resource`, value.resource, 'is not a container resource the downward API offers', 'Use e.g. "limits.cpu", "limits.memory", "requests.cpu"');
      if (value.divisor !== undefined) ctx.check(typeof value.divisor === 'string' && DIVISOR.test(value.divisor), `${where}.divisor`, value.divisor, 'is not a unit divisor', 'Use "1", "1m" for CPU or "1", "1Ki", "1Mi", "1Gi" for memory');
      if (value.divisor !== undefined && value.resource.endsWith('.cpu')) {
        ctx.check(CPU_DIVISOR.test(value.divisor), `${where}.divisor`, value.divisor, `is not a CPU divisor, but ${where}.resource is ${JSON.stringify(value.resource)}`, 'Use "1" (cores) or "1m" (millicores) for CPU');
      }
      out.push({ name, valueFrom: { resourceFieldRef: { resource: value.resource, ...(value.divisor ? { divisor: k8s.Quantity.fromString(value.divisor) } : {}) } } });
    } else {
      throw ctx.error(where, value, 'is not a valid env value', 'Use a string, { secret, key }, { configMap, key }, { field } (downward API), { resource } or a value another construct exports (e.g. db.url)');
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
