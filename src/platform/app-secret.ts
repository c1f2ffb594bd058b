import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { SecretKeyRef } from '../core/env-value.js';
import { ErrorContext } from '../core/errors.js';
import { LABEL } from '../core/labels.js';
import { checkDnsLabel } from '../core/names.js';
import { checkKnownKeys, checkObject, propKeys } from '../core/props.js';
import { Stack } from '../core/stack.js';
import type { VolumeProps } from '../core/volumes.js';
import { ExternalSecret } from '../imports/external-secrets.js';

/** Where one key of an {@link AppSecret} comes from in an external store. */
export interface RemoteKey {
  /** The entry in the store, e.g. `prod/stripe`. */
  readonly remoteKey: string;
  /** The property of the entry. @default - the whole entry */
  readonly property?: string;
}

/** An {@link AppSecret} fetched by the External Secrets Operator. */
export interface ExternalSecretSource {
  /** Name of the SecretStore or ClusterSecretStore. */
  readonly store: string;
  /** Kind of the store. @default 'ClusterSecretStore' */
  readonly storeKind?: 'SecretStore' | 'ClusterSecretStore';
  /** How often the operator fetches the values again (`0`: once). @default '1h' */
  readonly refreshInterval?: string;
  /** The keys of the Secret, each with its place in the store. */
  readonly keys: Readonly<Record<string, RemoteKey>>;
}

/** An {@link AppSecret} whose values are sealed with the cluster's Sealed Secrets key (`kubeseal --raw`). */
export interface SealedSecretSource {
  /** The keys of the Secret, each with its encrypted value (never the plain value). */
  readonly encryptedData: Readonly<Record<string, string>>;
}

/** Props of an {@link AppSecret}: exactly one source. */
export interface AppSecretProps {
  /** `metadata.name` of the Secret. @default - the construct id */
  readonly name?: string;
  /** Fetch the values from an external store (ExternalSecret). @default - none */
  readonly externalSecret?: ExternalSecretSource;
  /** Commit the values sealed (SealedSecret). @default - none */
  readonly sealed?: SealedSecretSource;
}

const KEYS = propKeys<AppSecretProps>()('name', 'externalSecret', 'sealed');
const EXTERNAL_KEYS = propKeys<ExternalSecretSource>()('store', 'storeKind', 'refreshInterval', 'keys');
const REMOTE_KEYS = propKeys<RemoteKey>()('remoteKey', 'property');
const SEALED_KEYS = propKeys<SealedSecretSource>()('encryptedData');
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const INTERVAL = /^(0|(\d+(ns|us|µs|ms|s|m|h))+)$/;
const SEALED_VALUE = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * A Secret for any workload whose values never appear in the output: an ExternalSecret
 * (the External Secrets Operator writes the Secret from a store) or a SealedSecret (the
 * controller decrypts values sealed for the cluster). Workloads read it with
 * `env: { KEY: secret.key('KEY') }` or mount it with `volumes: { creds: secret.volume() }`.
 */
export class AppSecret extends Construct {
  /** Name of the Secret the workloads read. */
  public readonly secretName: string;
  /** The keys the Secret holds. */
  public readonly keys: readonly string[];
  /** The ExternalSecret or SealedSecret. */
  public readonly source: ApiObject;
  private readonly ctx: ErrorContext;

  constructor(scope: Construct, id: string, props: AppSecretProps) {
    super(scope, id);
    const ctx = (this.ctx = new ErrorContext(this.node.path));
    if (!props || typeof props !== 'object') throw ctx.error('props', props, 'are required', 'Pass { externalSecret: { store, keys } } or { sealed: { encryptedData } }');
    checkKnownKeys(ctx, '', props, KEYS);
    this.secretName = checkDnsLabel(ctx, props.name === undefined ? 'id' : 'name', props.name ?? id);
    const given = (['externalSecret', 'sealed'] as const).filter((k) => props[k] !== undefined);
    ctx.check(given.length === 1, given.length ? 'sealed' : 'externalSecret', given.length ? props.sealed : undefined, given.length ? 'is set together with externalSecret' : 'is required', 'Set exactly one of externalSecret and sealed');
    const stack = Stack.of(this);
    const metadata = { name: this.secretName, labels: { [LABEL.managedBy]: 'keelson', [LABEL.partOf]: stack.partOf } };
    if (props.externalSecret) {
      const ext = props.externalSecret;
      checkObject(ctx, 'externalSecret', ext);
      checkKnownKeys(ctx, 'externalSecret', ext, EXTERNAL_KEYS);
      checkDnsLabel(ctx, 'externalSecret.store', ext.store);
      const storeKind = ext.storeKind ?? 'ClusterSecretStore';
      ctx.check(storeKind === 'SecretStore' || storeKind === 'ClusterSecretStore', 'externalSecret.storeKind', storeKind, 'must be "SecretStore" or "ClusterSecretStore"');
      const refreshInterval = ext.refreshInterval ?? '1h';
      ctx.check(typeof refreshInterval === 'string' && INTERVAL.test(refreshInterval), 'externalSecret.refreshInterval', refreshInterval, 'is not a valid interval', 'Use e.g. "1h", "15m" or "0" to fetch once');
      this.keys = checkKeys(ctx, 'externalSecret.keys', ext.keys);
      for (const key of this.keys) {
        const remote = ext.keys[key]!;
        checkObject(ctx, `externalSecret.keys.${key}`, remote, false);
        checkKnownKeys(ctx, `externalSecret.keys.${key}`, remote, REMOTE_KEYS);
        ctx.check(typeof remote.remoteKey === 'string' && remote.remoteKey.trim().length > 0, `externalSecret.keys.${key}.remoteKey`, remote.remoteKey, 'is required', 'Name the entry in the store, e.g. "prod/stripe"');
      }
      this.source = new ExternalSecret(this, 'external-secret', {
        metadata,
        spec: {
          secretStoreRef: { name: ext.store, kind: storeKind },
          refreshInterval,
          target: { name: this.secretName, creationPolicy: 'Owner', deletionPolicy: 'Retain' },
          data: this.keys.map((key) => ({ secretKey: key, remoteRef: { key: ext.keys[key]!.remoteKey, ...(ext.keys[key]!.property ? { property: ext.keys[key]!.property } : {}) } })),
        },
      });
    } else {
      const sealed = props.sealed!;
      checkObject(ctx, 'sealed', sealed);
      checkKnownKeys(ctx, 'sealed', sealed, SEALED_KEYS);
      this.keys = checkKeys(ctx, 'sealed.encryptedData', sealed.encryptedData);
      for (const key of this.keys) {
        const value = sealed.encryptedData[key];
        // Sealed values are long base64 (RSA-OAEP + AES); anything short or not base64 is a plain value pasted by mistake.
        ctx.check(typeof value === 'string' && value.length >= 64 && SEALED_VALUE.test(value), `sealed.encryptedData.${key}`, typeof value === 'string' ? `${value.slice(0, 4)}…` : value, 'is not a sealed value', 'Seal it with `kubeseal --raw --namespace <ns> --name <secret>`; never commit the plain value');
      }
      this.source = new ApiObject(this, 'sealed-secret', {
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
        metadata,
        spec: { encryptedData: { ...sealed.encryptedData }, template: { metadata: { name: this.secretName, labels: metadata.labels } } },
      });
    }
  }

  /** An env value that reads `key` of the Secret. */
  public key(key: string): SecretKeyRef {
    this.ctx.check(this.keys.includes(key), 'key', key, `is not a key of the Secret (keys: ${this.keys.join(', ')})`);
    return { secret: this.secretName, key };
  }

  /** A volume with every key of the Secret as a file (or only `items`: key → file path). */
  public volume(items?: Readonly<Record<string, string>>): VolumeProps {
    for (const key of Object.keys(items ?? {})) this.key(key);
    return { secret: this.secretName, ...(items ? { items } : {}) };
  }
}

function checkKeys(ctx: ErrorContext, field: string, keys: Readonly<Record<string, unknown>> | undefined): string[] {
  checkObject(ctx, field, keys, false);
  const names = Object.keys(keys!);
  ctx.check(names.length > 0, field, keys, 'is empty', 'List at least one key');
  for (const k of names) ctx.check(SECRET_KEY.test(k) && k.length <= 253, field, k, 'is not a valid Secret key', 'Keys use letters, digits, "-", "_" and "."');
  return names;
}
