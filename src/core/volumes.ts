import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { k8s } from 'cdk8s-plus-28';
import { parseDuration, type Duration } from './duration.js';
import { ErrorContext } from './errors.js';
import { isDnsSubdomain } from './names.js';
import { checkKnownKeys, propKeys } from './props.js';
import { parseStorage, type ByteQuantity } from './quantity.js';

/** Scratch space that lives as long as the pod. */
export interface EmptyDirProps {
  /** Most the volume may hold; the kubelet evicts the pod beyond it. @default '1Gi' */
  readonly sizeLimit?: ByteQuantity;
  /** `Memory` backs the volume with RAM (tmpfs), as `/dev/shm` needs; it counts against the memory limit. @default - the node's disk */
  readonly medium?: 'Memory';
}

/** A short-lived ServiceAccount token for one audience, refreshed by the kubelet. */
export interface ServiceAccountTokenProps {
  /** Who the token is for (`aud` claim), e.g. `vault` or `sts.amazonaws.com`. */
  readonly audience: string;
  /** How long a token lives (at least 10 minutes). @default '1h' */
  readonly expiration?: Duration;
  /** File name of the token inside the volume. @default 'token' */
  readonly fileName?: string;
}

/**
 * One volume of a pod. Set exactly one source: `files` / `fromFiles` (a ConfigMap the
 * workload generates), `configMap`, `secret`, `emptyDir`, `claim` or `serviceAccountToken`.
 */
export interface VolumeProps {
  /** Files of a ConfigMap generated for this workload (`<workload>-<volume>`): file name → content. Pods roll when it changes. @default - none */
  readonly files?: Readonly<Record<string, string>>;
  /** Files of the generated ConfigMap read from the repository: file name → path relative to the working directory. @default - none */
  readonly fromFiles?: Readonly<Record<string, string>>;
  /** An existing ConfigMap in the namespace. @default - none */
  readonly configMap?: string;
  /** An existing Secret in the namespace (Keelson never writes secret values into the manifests). @default - none */
  readonly secret?: string;
  /** Only these keys of `configMap` or `secret`: key → file path in the volume. @default - every key */
  readonly items?: Readonly<Record<string, string>>;
  /** Scratch space; `true` for the defaults. @default - none */
  readonly emptyDir?: EmptyDirProps | true;
  /** An existing PersistentVolumeClaim. @default - none */
  readonly claim?: string;
  /** A projected ServiceAccount token. @default - none */
  readonly serviceAccountToken?: ServiceAccountTokenProps;
}

/** A ConfigMap a workload generates for one of its volumes. */
export interface GeneratedConfigMap {
  /** Name of the volume. */
  readonly volume: string;
  /** `metadata.name` of the ConfigMap. */
  readonly name: string;
  /** File name → content. */
  readonly data: Record<string, string>;
}

/** Checked volumes of one pod. */
export interface ResolvedVolumes {
  /** The pod's volumes. */
  readonly volumes: k8s.Volume[];
  /** ConfigMaps to generate. */
  readonly configMaps: GeneratedConfigMap[];
  /** The kind of source of each volume, by name. */
  readonly sources: ReadonlyMap<string, VolumeSourceKind>;
  /** Hash of the generated ConfigMaps' content (for the pod's rollout annotation), when there are any. */
  readonly checksum?: string;
}

/** Which source a volume has. */
export type VolumeSourceKind = 'generated' | 'configMap' | 'secret' | 'emptyDir' | 'claim' | 'serviceAccountToken';

const VOLUME_KEYS = propKeys<VolumeProps>()('files', 'fromFiles', 'configMap', 'secret', 'items', 'emptyDir', 'claim', 'serviceAccountToken');
const EMPTY_DIR_KEYS = propKeys<EmptyDirProps>()('sizeLimit', 'medium');
const TOKEN_KEYS = propKeys<ServiceAccountTokenProps>()('audience', 'expiration', 'fileName');
const VOLUME_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const FILE_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * Checks the volumes of a pod; `owner` names generated ConfigMaps (`<owner>-<volume>`).
 * `claimTemplates` are the volumes a StatefulSet's volumeClaimTemplates add to each pod.
 */
export function resolveVolumes(
  ctx: ErrorContext,
  field: string,
  owner: string,
  props: Readonly<Record<string, VolumeProps>> | undefined,
  reserved: readonly string[],
  claimTemplates: readonly string[] = [],
): ResolvedVolumes {
  const volumes: k8s.Volume[] = [];
  const configMaps: GeneratedConfigMap[] = [];
  const sources = new Map<string, VolumeSourceKind>(claimTemplates.map((n) => [n, 'claim']));
  for (const [name, v] of Object.entries(props ?? {})) {
    const f = `${field}.${name}`;
    ctx.check(!sources.has(name), field, name, 'is also the name of a volume claim template');
    ctx.check(VOLUME_NAME.test(name) && name.length <= 63, field, name, 'is not a valid volume name (DNS-1123 label)', 'Use lower-case letters, digits and "-"');
    ctx.check(!reserved.includes(name), field, name, 'is a volume name Keelson uses itself', `Pick another name than ${reserved.map((r) => JSON.stringify(r)).join(', ')}`);
    ctx.check(v !== null && typeof v === 'object' && !Array.isArray(v), f, v, 'must be an object with one source, e.g. { files: { "app.conf": "..." } } or { emptyDir: true }');
    checkKnownKeys(ctx, f, v, VOLUME_KEYS);
    const given = (['files', 'fromFiles', 'configMap', 'secret', 'emptyDir', 'claim', 'serviceAccountToken'] as const).filter((k) => v[k] !== undefined);
    const kinds = new Set(given.map((k) => (k === 'fromFiles' ? 'files' : k)));
    ctx.check(kinds.size === 1, f, v, kinds.size ? `sets several sources (${given.join(', ')})` : 'has no source', 'Set exactly one of files/fromFiles, configMap, secret, emptyDir, claim, serviceAccountToken');
    if (v.items !== undefined) ctx.check(v.configMap !== undefined || v.secret !== undefined, `${f}.items`, v.items, 'applies only to configMap and secret volumes');
    if (v.files !== undefined || v.fromFiles !== undefined) {
      const cmName = `${owner}-${name}`;
      ctx.check(isDnsSubdomain(cmName), f, cmName, 'gives a ConfigMap name that is not a valid DNS-1123 subdomain');
      const data: Record<string, string> = {};
      for (const [key, content] of Object.entries(v.files ?? {})) {
        checkFileKey(ctx, `${f}.files`, key);
        ctx.check(typeof content === 'string', `${f}.files.${key}`, content, 'must be the file content as a string');
        data[key] = content;
      }
      for (const [key, file] of Object.entries(v.fromFiles ?? {})) {
        checkFileKey(ctx, `${f}.fromFiles`, key);
        ctx.check(!(key in data), `${f}.fromFiles.${key}`, key, 'is also set in files');
        ctx.check(typeof file === 'string' && file.length > 0, `${f}.fromFiles.${key}`, file, 'must be a path to a file');
        let content: string;
        try {
          content = fs.readFileSync(path.resolve(file), 'utf8');
        } catch (e) {
          throw ctx.error(`${f}.fromFiles.${key}`, file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, `Paths are relative to the working directory ${process.cwd()}`);
        }
        data[key] = content;
      }
      ctx.check(Object.keys(data).length > 0, f, v, 'generates an empty ConfigMap', 'Add at least one file');
      const size = Object.entries(data).reduce((n, [k, c]) => n + k.length + Buffer.byteLength(c), 0);
      ctx.check(size <= 1024 * 1024, f, `${size} bytes`, 'exceeds the 1 MiB a ConfigMap can hold', 'Mount large files from a volume or bake them into the image');
      const sorted = Object.fromEntries(Object.keys(data).sort().map((k) => [k, data[k]!]));
      configMaps.push({ volume: name, name: cmName, data: sorted });
      volumes.push({ name, configMap: { name: cmName } });
      sources.set(name, 'generated');
    } else if (v.configMap !== undefined || v.secret !== undefined) {
      const isSecret = v.secret !== undefined;
      const ref = (isSecret ? v.secret : v.configMap) as unknown;
      const refField = `${f}.${isSecret ? 'secret' : 'configMap'}`;
      ctx.check(typeof ref === 'string' && isDnsSubdomain(ref), refField, ref, 'is not a valid object name (DNS-1123 subdomain)');
      const items = v.items === undefined ? undefined : Object.entries(v.items).map(([key, p]) => {
        checkFileKey(ctx, `${f}.items`, key);
        ctx.check(typeof p === 'string' && p.length > 0 && !p.startsWith('/') && !p.split('/').includes('..'), `${f}.items.${key}`, p, 'must be a relative path without ".."');
        return { key, path: p };
      });
      volumes.push(isSecret ? { name, secret: { secretName: ref as string, ...(items ? { items } : {}) } } : { name, configMap: { name: ref as string, ...(items ? { items } : {}) } });
      sources.set(name, isSecret ? 'secret' : 'configMap');
    } else if (v.emptyDir !== undefined) {
      const e: EmptyDirProps = v.emptyDir === true ? {} : v.emptyDir;
      ctx.check(e !== null && typeof e === 'object', `${f}.emptyDir`, e, 'must be true or { sizeLimit?, medium? }');
      checkKnownKeys(ctx, `${f}.emptyDir`, e, EMPTY_DIR_KEYS);
      if (e.medium !== undefined) ctx.check(e.medium === 'Memory', `${f}.emptyDir.medium`, e.medium, 'must be "Memory" (or left out for the node\'s disk)');
      const sizeLimit = parseStorage(ctx, `${f}.emptyDir.sizeLimit`, e.sizeLimit ?? '1Gi').text;
      volumes.push({ name, emptyDir: { ...(e.medium ? { medium: e.medium } : {}), sizeLimit: k8s.Quantity.fromString(sizeLimit) } });
      sources.set(name, 'emptyDir');
    } else if (v.claim !== undefined) {
      ctx.check(typeof v.claim === 'string' && isDnsSubdomain(v.claim), `${f}.claim`, v.claim, 'is not a valid PersistentVolumeClaim name');
      volumes.push({ name, persistentVolumeClaim: { claimName: v.claim } });
      sources.set(name, 'claim');
    } else {
      const t = v.serviceAccountToken!;
      ctx.check(t !== null && typeof t === 'object', `${f}.serviceAccountToken`, t, 'must be { audience, expiration?, fileName? }');
      checkKnownKeys(ctx, `${f}.serviceAccountToken`, t, TOKEN_KEYS);
      ctx.check(typeof t.audience === 'string' && t.audience.length > 0, `${f}.serviceAccountToken.audience`, t.audience, 'is required');
      const expiration = parseDuration(ctx, `${f}.serviceAccountToken.expiration`, t.expiration ?? '1h', 600);
      ctx.check(expiration <= 2 ** 32, `${f}.serviceAccountToken.expiration`, t.expiration, 'is too long');
      const fileName = t.fileName ?? 'token';
      checkFileKey(ctx, `${f}.serviceAccountToken.fileName`, fileName);
      volumes.push({ name, projected: { sources: [{ serviceAccountToken: { audience: t.audience, expirationSeconds: expiration, path: fileName } }] } });
      sources.set(name, 'serviceAccountToken');
    }
  }
  const checksum = configMaps.length ? createHash('sha256').update(JSON.stringify(configMaps.map((c) => [c.name, c.data]))).digest('hex').slice(0, 16) : undefined;
  return { volumes, configMaps, sources, checksum };
}

function checkFileKey(ctx: ErrorContext, field: string, key: string): void {
  ctx.check(FILE_KEY.test(key) && key.length <= 253 && key !== '.' && key !== '..', field, key, 'is not a valid file key (letters, digits, "-", "_" and ".")');
}

/** Where a container mounts a volume. */
export interface MountProps {
  /** Absolute path in the container. */
  readonly path: string;
  /** Name of a volume of the pod. */
  readonly volume: string;
  /** Mount one file or folder of the volume instead of all of it. @default - the whole volume */
  readonly subPath?: string;
  /** Mount read-only. @default true, except for emptyDir volumes (scratch space is for writing) */
  readonly readOnly?: boolean;
}

const MOUNT_KEYS = propKeys<MountProps>()('path', 'volume', 'subPath', 'readOnly');

/**
 * Checks a container's mounts against the pod's volumes: known volume, absolute path, one
 * mount per path (including the paths Keelson mounts itself), `/dev/shm` only from a
 * memory-backed emptyDir.
 */
export function resolveMounts(
  ctx: ErrorContext,
  field: string,
  mounts: readonly MountProps[] | undefined,
  volumes: ResolvedVolumes,
  taken: readonly k8s.VolumeMount[],
): k8s.VolumeMount[] {
  if (mounts === undefined) return [];
  ctx.check(Array.isArray(mounts), field, mounts, 'must be a list of { path, volume }');
  const out: k8s.VolumeMount[] = [];
  const paths = new Map(taken.map((m) => [m.mountPath.replace(/\/+$/, ''), `the ${m.name} volume Keelson mounts`]));
  mounts.forEach((m, i) => {
    const f = `${field}[${i}]`;
    ctx.check(m !== null && typeof m === 'object', f, m, 'must be { path, volume, subPath?, readOnly? }');
    checkKnownKeys(ctx, f, m, MOUNT_KEYS);
    ctx.check(typeof m.path === 'string' && m.path.startsWith('/') && !m.path.split('/').includes('..') && !m.path.includes(':'), `${f}.path`, m.path, 'must be an absolute path without ".." or ":"');
    const kind = volumes.sources.get(m.volume);
    ctx.check(kind !== undefined, `${f}.volume`, m.volume, 'is not a volume of the pod', `Declare it under volumes (known: ${[...volumes.sources.keys()].join(', ') || 'none'})`);
    const key = m.path.replace(/\/+$/, '') || '/';
    const other = paths.get(key);
    if (other) throw ctx.error(`${f}.path`, m.path, `is already the mount path of ${other}`, 'Mount each path once; use subPath to mount single files of several volumes into one folder');
    paths.set(key, `${field}[${i}] (volume ${m.volume})`);
    if (key === '/dev/shm') {
      const v = volumes.volumes.find((x) => x.name === m.volume);
      ctx.check(v?.emptyDir?.medium === 'Memory', `${f}.volume`, m.volume, 'is mounted at /dev/shm but is not a memory-backed emptyDir', 'Use { emptyDir: { medium: "Memory", sizeLimit: "1Gi" } } (or the shm prop): shared memory on disk is slow and breaks PyTorch data loaders');
    }
    if (m.subPath !== undefined) {
      ctx.check(typeof m.subPath === 'string' && m.subPath.length > 0 && !m.subPath.startsWith('/') && !m.subPath.split('/').includes('..'), `${f}.subPath`, m.subPath, 'must be a relative path without ".."');
    }
    const readOnly = m.readOnly ?? kind !== 'emptyDir';
    ctx.check(typeof readOnly === 'boolean', `${f}.readOnly`, m.readOnly, 'must be true or false');
    if (!readOnly) ctx.check(kind === 'emptyDir' || kind === 'claim', `${f}.readOnly`, m.readOnly, `cannot be false for a ${kind} volume: the kubelet mounts it read-only`);
    out.push({ name: m.volume, mountPath: m.path, ...(m.subPath !== undefined ? { subPath: m.subPath } : {}), ...(readOnly ? { readOnly: true } : {}) });
  });
  return out;
}
