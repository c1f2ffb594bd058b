import { ApiObject, type ApiObjectMetadata } from 'cdk8s';
import type { Construct } from 'constructs';
import { ErrorContext } from '../core/errors.js';
import { checkKnownKeys, checkObject, propKeys } from '../core/props.js';

/** The store an ExternalSecret reads from. */
export interface ExternalSecretStoreRef {
  /** Name of the SecretStore or ClusterSecretStore. */
  readonly name: string;
  /** Kind of the store. @default 'SecretStore' (the operator's default) */
  readonly kind?: 'SecretStore' | 'ClusterSecretStore';
}

/** Where one value lives in the external provider. */
export interface ExternalSecretRemoteRef {
  /** Key (path) of the entry in the provider, e.g. `prod/orders-db`. */
  readonly key: string;
  /** Property inside the entry (for JSON or multi-value entries). @default - the whole entry */
  readonly property?: string;
  /** Version of the entry. @default - the latest */
  readonly version?: string;
  /** How to decode the fetched value. @default 'None' */
  readonly decodingStrategy?: 'Auto' | 'Base64' | 'Base64URL' | 'None';
  /** Whether to fetch the value or its metadata. @default 'None' */
  readonly metadataPolicy?: 'None' | 'Fetch';
  /** How to convert the fetched value. @default 'Default' */
  readonly conversionStrategy?: 'Default' | 'Unicode';
}

/** One key of the target Secret and where its value comes from. */
export interface ExternalSecretData {
  /** Key in the target Secret. */
  readonly secretKey: string;
  /** The value in the provider. */
  readonly remoteRef: ExternalSecretRemoteRef;
}

/** Copies every property of a provider entry into the target Secret. */
export interface ExternalSecretDataFrom {
  /** The entry whose properties become keys. */
  readonly extract: ExternalSecretRemoteRef;
}

/** The Secret the operator writes. */
export interface ExternalSecretTarget {
  /** Name of the Secret. @default - the ExternalSecret's name */
  readonly name?: string;
  /** Who owns the Secret. @default 'Owner' */
  readonly creationPolicy?: 'Owner' | 'Orphan' | 'Merge' | 'None' | 'CreateOrMerge';
  /** What happens to the Secret when the provider entry is gone. @default 'Retain' */
  readonly deletionPolicy?: 'Delete' | 'Merge' | 'Retain';
  /** Make the Secret immutable. @default false */
  readonly immutable?: boolean;
  /** Shape of the Secret (type, labels, templated values). @default - an Opaque Secret with the fetched keys */
  readonly template?: {
    /** Secret type, e.g. `kubernetes.io/basic-auth`. @default 'Opaque' */
    readonly type?: string;
    /** Labels and annotations of the Secret. @default - none */
    readonly metadata?: { readonly labels?: Readonly<Record<string, string>>; readonly annotations?: Readonly<Record<string, string>> };
    /** Templated keys (Go templates over the fetched values). @default - the fetched keys as they are */
    readonly data?: Readonly<Record<string, string>>;
    /** Template engine version. @default 'v2' */
    readonly engineVersion?: 'v2';
    /** Replace or merge templated keys with fetched ones. @default 'Replace' */
    readonly mergePolicy?: 'Replace' | 'Merge';
  };
}

/** `spec` of an ExternalSecret (external-secrets.io/v1). */
export interface ExternalSecretSpec {
  /** The store to read from. */
  readonly secretStoreRef: ExternalSecretStoreRef;
  /** The Secret to write. @default - a Secret named like the ExternalSecret */
  readonly target?: ExternalSecretTarget;
  /** Keys fetched one by one. @default - none */
  readonly data?: readonly ExternalSecretData[];
  /** Entries whose properties all become keys. @default - none */
  readonly dataFrom?: readonly ExternalSecretDataFrom[];
  /** How often to refresh, e.g. `1h`, `15m`; `0` fetches once. @default '1h' */
  readonly refreshInterval?: string;
  /** When to refresh. @default 'Periodic' */
  readonly refreshPolicy?: 'CreatedOnce' | 'Periodic' | 'OnChange';
}

/** Props of an {@link ExternalSecret}. */
export interface ExternalSecretProps {
  /** Object metadata. @default - the name cdk8s generates */
  readonly metadata?: ApiObjectMetadata;
  /** The desired state. */
  readonly spec: ExternalSecretSpec;
}

/**
 * An External Secrets Operator `ExternalSecret` (external-secrets.io/v1): the
 * operator fetches values from a SecretStore or ClusterSecretStore and writes a
 * Kubernetes Secret, so the manifests only name where the secret lives.
 */
export class ExternalSecret extends ApiObject {
  /** apiVersion and kind of the object. */
  public static readonly GVK = { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret' } as const;

  constructor(scope: Construct, id: string, props: ExternalSecretProps) {
    checkExternalSecretProps(new ErrorContext(scope.node.path ? `${scope.node.path}/${id}` : id), props);
    super(scope, id, { ...ExternalSecret.GVK, metadata: props.metadata, spec: props.spec });
  }
}

type Template = NonNullable<ExternalSecretTarget['template']>;
const REMOTE_REF_KEYS = propKeys<ExternalSecretRemoteRef>()('key', 'property', 'version', 'decodingStrategy', 'metadataPolicy', 'conversionStrategy');

/**
 * The operator's CRD is structural: the API server prunes fields it does not know, so a
 * misspelt field would vanish without a word. Every level is closed here instead.
 */
function checkExternalSecretProps(ctx: ErrorContext, props: ExternalSecretProps): void {
  checkObject(ctx, 'props', props, false);
  checkKnownKeys(ctx, '', props, propKeys<ExternalSecretProps>()('metadata', 'spec'));
  const spec = props.spec;
  checkObject(ctx, 'spec', spec, false);
  checkKnownKeys(ctx, 'spec', spec, propKeys<ExternalSecretSpec>()('secretStoreRef', 'target', 'data', 'dataFrom', 'refreshInterval', 'refreshPolicy'));
  checkObject(ctx, 'spec.secretStoreRef', spec.secretStoreRef, false);
  checkKnownKeys(ctx, 'spec.secretStoreRef', spec.secretStoreRef, propKeys<ExternalSecretStoreRef>()('name', 'kind'));
  checkObject(ctx, 'spec.target', spec.target);
  checkKnownKeys(ctx, 'spec.target', spec.target, propKeys<ExternalSecretTarget>()('name', 'creationPolicy', 'deletionPolicy', 'immutable', 'template'));
  checkObject(ctx, 'spec.target.template', spec.target?.template);
  checkKnownKeys(ctx, 'spec.target.template', spec.target?.template, propKeys<Template>()('type', 'metadata', 'data', 'engineVersion', 'mergePolicy'));
  checkKnownKeys(ctx, 'spec.target.template.metadata', spec.target?.template?.metadata, propKeys<NonNullable<Template['metadata']>>()('labels', 'annotations'));
  (spec.data ?? []).forEach((d, i) => {
    checkObject(ctx, `spec.data[${i}]`, d, false);
    checkKnownKeys(ctx, `spec.data[${i}]`, d, propKeys<ExternalSecretData>()('secretKey', 'remoteRef'));
    checkKnownKeys(ctx, `spec.data[${i}].remoteRef`, d.remoteRef, REMOTE_REF_KEYS);
  });
  (spec.dataFrom ?? []).forEach((d, i) => {
    checkObject(ctx, `spec.dataFrom[${i}]`, d, false);
    checkKnownKeys(ctx, `spec.dataFrom[${i}]`, d, propKeys<ExternalSecretDataFrom>()('extract'));
    checkKnownKeys(ctx, `spec.dataFrom[${i}].extract`, d.extract, REMOTE_REF_KEYS);
  });
}
