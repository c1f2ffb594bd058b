import type { Construct } from 'constructs';
import type { Duration } from '../core/duration.js';
import type { EnvValue, SecretKeyRef } from '../core/env-value.js';
import { ErrorContext } from '../core/errors.js';
import type { GpuProps } from '../core/gpu.js';
import { standardLabels } from '../core/labels.js';
import { checkDnsLabel } from '../core/names.js';
import { Peer } from '../core/peer.js';
import { checkKnownKeys, propKeys } from '../core/props.js';
import { ExternalSecret } from '../imports/external-secrets.js';
import { parseStorage, type ByteQuantity } from '../core/quantity.js';
import { WEB_SERVICE_KEYS, WebService, type WebServiceProps } from '../workloads/web-service.js';
import { VLLM, type ModelServerEngine } from './model-server-engine.js';

/** Where the model files are kept between starts. */
export interface ModelCacheProps {
  /** An existing PersistentVolumeClaim: the model survives restarts and is shared by replicas (ReadWriteMany) or pre-filled. @default - an emptyDir */
  readonly claim?: string;
  /** Size of the emptyDir cache (without `claim`); the container's ephemeral-storage limit is raised to it. @default '50Gi' */
  readonly size?: ByteQuantity;
  /** Mount path, also `HF_HOME`. @default '/models' */
  readonly path?: string;
}

/** A Hugging Face token the External Secrets Operator fetches into a Secret `<name>-hf-token`. */
export interface ExternalTokenProps {
  /** Where the External Secrets Operator reads the token. */
  readonly externalSecret: {
    /** Name of the SecretStore or ClusterSecretStore to read from. */
    readonly store: string;
    /** Kind of the store. @default 'ClusterSecretStore' */
    readonly storeKind?: 'SecretStore' | 'ClusterSecretStore';
    /** Key (path) of the entry in the provider, e.g. `ml/huggingface`. */
    readonly remoteKey: string;
    /** Property of the entry that holds the token. @default - the whole entry */
    readonly property?: string;
    /** How often the operator refreshes the Secret. @default '1h' */
    readonly refreshInterval?: string;
  };
}

/** Props of a {@link ModelServer}. */
export interface ModelServerProps extends Omit<WebServiceProps, 'image' | 'port' | 'gpu'> {
  /** Model id on the hub, e.g. `mistralai/Mistral-7B-Instruct-v0.3`, or a path in the cache. */
  readonly model: string;
  /** GPUs of each replica; the model is split over all of them (tensor parallelism). */
  readonly gpu: GpuProps;
  /** The server: its image, port, arguments and readiness endpoint. @default VLLM */
  readonly engine?: ModelServerEngine;
  /** Image of the engine (a pinned tag or digest). @default - the engine's */
  readonly image?: string;
  /** Tensor-parallel size; it must equal `gpu.count`. @default - gpu.count */
  readonly tensorParallel?: number;
  /** The model cache. @default - a 50Gi emptyDir at /models */
  readonly cache?: ModelCacheProps;
  /** Hugging Face token (`HF_TOKEN`): a key of an existing Secret, or fetched by an ExternalSecret the server creates. @default - none (public models) */
  readonly huggingFaceToken?: SecretKeyRef | ExternalTokenProps;
  /** Longest a start (download and loading the model onto the GPUs) may take before the container is restarted. @default '30m' */
  readonly loadTimeout?: Duration;
  /** Let the pods reach the model hub (HTTPS anywhere: NetworkPolicies cannot name hosts). Leave off when the cache is pre-filled or a mirror is allowed with `allowTo`. @default false */
  readonly hubEgress?: boolean;
}

const KEYS = propKeys<ModelServerProps>()(
  ...WEB_SERVICE_KEYS.filter((k): k is Exclude<typeof k, 'port'> => k !== 'port'),
  'model', 'gpu', 'engine', 'image', 'tensorParallel', 'cache', 'huggingFaceToken', 'loadTimeout', 'hubEgress',
);
const CACHE_KEYS = propKeys<ModelCacheProps>()('claim', 'size', 'path');
const TOKEN_KEYS = propKeys<ExternalTokenProps>()('externalSecret');
const TOKEN_SECRET_KEYS = propKeys<ExternalTokenProps['externalSecret']>()('store', 'storeKind', 'remoteKey', 'property', 'refreshInterval');
const SECRET_REF_KEYS = propKeys<SecretKeyRef>()('secret', 'key', 'optional');
const ENGINE_KEYS = propKeys<ModelServerEngine>()('name', 'image', 'port', 'readyPath', 'command', 'args');
const CACHE_VOLUME = 'model-cache';
const TOKEN_SUFFIX = '-hf-token';

/**
 * A model server (vLLM by default) behind a Service, like any WebService: GPUs with the
 * cluster's conventions, the model cache on a PVC or an emptyDir, the Hugging Face token
 * from a Secret, a startup probe sized for loading the model, readiness on the engine's
 * health endpoint, the tensor-parallel size tied to the GPU count, Pod Security
 * "restricted" (writable cache and `HOME`), and egress to the hub only when declared.
 * `args` are appended to the engine's own.
 */
export class ModelServer extends WebService {
  /** The model served. */
  public readonly model: string;
  /** The engine. */
  public readonly engine: ModelServerEngine;
  /** The ExternalSecret that fetches the Hugging Face token, when `huggingFaceToken.externalSecret` is set. */
  public readonly tokenSecret?: ExternalSecret;

  constructor(scope: Construct, id: string, props: ModelServerProps) {
    const early = new ErrorContext(scope.node.path ? `${scope.node.path}/${id}` : id);
    early.check(props !== null && typeof props === 'object', 'props', props, 'are required', 'Pass at least { model, gpu: { count } }');
    checkKnownKeys(early, '', props, KEYS);
    super(scope, id, ModelServer.serverProps(early, props, props.name ?? id));
    this.model = props.model;
    this.engine = props.engine ?? VLLM;
    if (props.hubEgress === true) this.allowTo(Peer.cidr('0.0.0.0/0'), { port: 443 });
    const token = props.huggingFaceToken;
    if (token && 'externalSecret' in token) {
      const ext = token.externalSecret;
      this.tokenSecret = new ExternalSecret(this, 'hf-token', {
        metadata: { name: `${this.name}${TOKEN_SUFFIX}`, labels: standardLabels({ ...this.identity, component: 'credentials' }) },
        spec: {
          secretStoreRef: { name: ext.store, kind: ext.storeKind ?? 'ClusterSecretStore' },
          refreshInterval: ext.refreshInterval ?? '1h',
          target: { name: `${this.name}${TOKEN_SUFFIX}`, creationPolicy: 'Owner', deletionPolicy: 'Retain' },
          data: [{ secretKey: 'token', remoteRef: { key: ext.remoteKey, ...(ext.property !== undefined ? { property: ext.property } : {}) } }],
        },
      });
    }
  }

  private static serverProps(ctx: ErrorContext, props: ModelServerProps, name: string): WebServiceProps {
    ctx.check(typeof props.model === 'string' && props.model.length > 0 && !/\s/.test(props.model), 'model', props.model, 'is required: a model id such as "mistralai/Mistral-7B-Instruct-v0.3" or a path');
    ctx.check(props.gpu !== undefined, 'gpu', props.gpu, 'is required: a model server runs on GPUs', 'Set gpu: { count: 1 }');
    const engine = props.engine ?? VLLM;
    ctx.check(engine !== null && typeof engine === 'object' && typeof engine.args === 'function' && typeof engine.image === 'string', 'engine', engine, 'is not a ModelServerEngine', 'Use VLLM, TGI, SGLANG or an object of the same shape');
    checkKnownKeys(ctx, 'engine', engine, ENGINE_KEYS);
    const count = props.gpu && typeof props.gpu === 'object' ? props.gpu.count : undefined;
    const tensorParallel = props.tensorParallel ?? count;
    if (props.tensorParallel !== undefined) {
      ctx.check(props.tensorParallel === count, 'tensorParallel', props.tensorParallel, `differs from gpu.count (${count}): each GPU holds one shard of the model`, 'Leave tensorParallel out, or set gpu.count to it');
    }
    const cache = props.cache ?? {};
    ctx.check(cache !== null && typeof cache === 'object', 'cache', cache, 'must be { claim?, size?, path? }');
    checkKnownKeys(ctx, 'cache', cache, CACHE_KEYS);
    ctx.check(cache.claim === undefined || cache.size === undefined, 'cache.size', cache.size, 'applies only to an emptyDir cache, not to claim', 'The claim\'s size is the PVC\'s');
    const cachePath = cache.path ?? '/models';
    const size = cache.size ?? '50Gi';
    if (cache.claim === undefined) parseStorage(ctx, 'cache.size', size);
    ctx.check(!props.volumes?.[CACHE_VOLUME], 'volumes', CACHE_VOLUME, 'is the volume name of the model cache');
    for (const key of ['HOME', 'HF_HOME', 'HF_TOKEN']) ctx.check(props.env?.[key] === undefined, `env.${key}`, props.env?.[key], 'is set by the model server', key === 'HF_TOKEN' ? 'Use huggingFaceToken' : 'Use cache.path');
    let token: SecretKeyRef | undefined;
    if (props.huggingFaceToken !== undefined) {
      const t = props.huggingFaceToken;
      ctx.check(t !== null && typeof t === 'object', 'huggingFaceToken', t, 'must be { secret, key } or { externalSecret: { store, remoteKey } }', 'Keelson writes no secret values into the manifests');
      if ('externalSecret' in t) {
        checkKnownKeys(ctx, 'huggingFaceToken', t, TOKEN_KEYS);
        const ext = t.externalSecret;
        ctx.check(ext !== null && typeof ext === 'object', 'huggingFaceToken.externalSecret', ext, 'must be { store, remoteKey, storeKind?, property?, refreshInterval? }');
        checkKnownKeys(ctx, 'huggingFaceToken.externalSecret', ext, TOKEN_SECRET_KEYS);
        checkDnsLabel(ctx, 'huggingFaceToken.externalSecret.store', ext.store);
        ctx.check(ext.storeKind === undefined || ext.storeKind === 'SecretStore' || ext.storeKind === 'ClusterSecretStore', 'huggingFaceToken.externalSecret.storeKind', ext.storeKind, 'must be "SecretStore" or "ClusterSecretStore"');
        ctx.check(typeof ext.remoteKey === 'string' && ext.remoteKey.trim().length > 0, 'huggingFaceToken.externalSecret.remoteKey', ext.remoteKey, 'is required', 'Name the entry in the store, e.g. "ml/huggingface"');
        if (ext.refreshInterval !== undefined) ctx.check(/^(0|(\d+(ns|us|µs|ms|s|m|h))+)$/.test(ext.refreshInterval), 'huggingFaceToken.externalSecret.refreshInterval', ext.refreshInterval, 'is not a valid interval', 'Use e.g. "1h", "15m" or "0" to fetch once');
        token = { secret: `${name}${TOKEN_SUFFIX}`, key: 'token' };
      } else {
        checkKnownKeys(ctx, 'huggingFaceToken', t, SECRET_REF_KEYS);
        ctx.check(typeof t.secret === 'string' && typeof t.key === 'string', 'huggingFaceToken', t, 'must be { secret, key } of an existing Secret', 'Or let the server fetch it: { externalSecret: { store, remoteKey } }');
        token = t;
      }
    }
    const env: Record<string, EnvValue> = {
      ...props.env,
      HOME: '/tmp',
      HF_HOME: cachePath,
      ...(token ? { HF_TOKEN: token } : {}),
    };
    const { model, engine: _e, tensorParallel: _t, cache: _c, huggingFaceToken: _h, loadTimeout, hubEgress: _g, ...web } = props;
    const port = engine.port;
    return {
      ...web,
      image: props.image ?? engine.image,
      port,
      size: props.size ?? (props.resources ? undefined : '2xlarge'),
      ...(engine.command ? { command: props.command ?? [...engine.command] } : {}),
      args: [...engine.args({ model, port, tensorParallel: tensorParallel ?? 1, cacheDir: cachePath }), ...(props.args ?? [])],
      env,
      health: props.health ?? { ready: engine.readyPath, slowStart: loadTimeout ?? '30m' },
      volumes: { ...props.volumes, [CACHE_VOLUME]: cache.claim !== undefined ? { claim: cache.claim } : { emptyDir: { sizeLimit: size } } },
      mounts: [...(props.mounts ?? []), { path: cachePath, volume: CACHE_VOLUME, readOnly: false }],
      ...(cache.claim === undefined && props.resources?.limits?.ephemeralStorage === undefined
        ? { resources: { ...props.resources, limits: { ...props.resources?.limits, ephemeralStorage: size } } }
        : {}),
    };
  }
}
