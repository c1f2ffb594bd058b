import { k8s } from 'cdk8s-plus-28';
import { ErrorContext } from './errors.js';
import { sharedConstant } from './l1-json.js';
import { checkKnownKeys, propKeys } from './props.js';

/** Who the container runs as and what it may write. Defaults pass Pod Security "restricted". */
export interface SecurityProps {
  /**
   * UID of the container process. Must not be 0; set the image's own UID when
   * it needs one (e.g. 999 for official database images).
   * @default 10001
   */
  readonly runAsUser?: number;
  /** GID of the container process. @default - same as runAsUser */
  readonly runAsGroup?: number;
  /** Group that owns mounted volumes, so the process can write them. @default - same as runAsGroup */
  readonly fsGroup?: number;
  /** Writable emptyDir mounts on an otherwise read-only root filesystem. @default ['/tmp'] */
  readonly writablePaths?: readonly string[];
  /**
   * Opt out of the read-only root filesystem, with the reason (kept as an
   * annotation on the pod so reviewers and `keelson check` see it).
   * @default - root filesystem is read-only
   */
  readonly writableRootFilesystem?: { readonly reason: string };
  /** Add NET_BIND_SERVICE so a non-root process can bind ports below 1024. @default false */
  readonly bindLowPorts?: boolean;
}

/** The annotation that records why a pod opts out of a security default. */
export const OPT_OUT_ANNOTATION_PREFIX = 'keelson.dev/opt-out-';

/** Resolved security settings of one pod. */
export interface ResolvedSecurity {
  /** The pod-level security context. */
  readonly pod: k8s.PodSecurityContext;
  /** The container-level security context. */
  readonly container: k8s.SecurityContext;
  /** emptyDir volumes for the writable paths. */
  readonly volumes: k8s.Volume[];
  /** Mounts of those volumes. */
  readonly mounts: k8s.VolumeMount[];
  /** Pod annotations recording opt-outs and their reasons. */
  readonly annotations: Record<string, string>;
}

const SECURITY_KEYS = propKeys<SecurityProps>()('runAsUser', 'runAsGroup', 'fsGroup', 'writablePaths', 'writableRootFilesystem', 'bindLowPorts');

/**
 * Checks security props and returns the pod and container security contexts. `field` is
 * the prop path (e.g. `sidecars[0].security`); `volumePrefix` keeps the writable volumes of
 * several containers of one pod apart.
 */
export function resolveSecurity(ctx: ErrorContext, props: SecurityProps | undefined, field = 'security', volumePrefix = ''): ResolvedSecurity {
  if (props !== undefined) {
    ctx.check(props !== null && typeof props === 'object', field, props, 'must be an object');
    checkKnownKeys(ctx, field, props, SECURITY_KEYS);
  }
  const id = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    ctx.check(Number.isInteger(v) && v > 0 && v <= 2147483647, `${field}.${name}`, value, 'must be a non-root id (1-2147483647)', 'Pod Security "restricted" forbids running as root (0)');
    return v;
  };
  const runAsUser = id('runAsUser', props?.runAsUser, 10001);
  const runAsGroup = id('runAsGroup', props?.runAsGroup, runAsUser);
  const fsGroup = id('fsGroup', props?.fsGroup, runAsGroup);
  if (props?.writableRootFilesystem !== undefined) {
    ctx.check(props.writableRootFilesystem !== null && typeof props.writableRootFilesystem === 'object', `${field}.writableRootFilesystem`, props.writableRootFilesystem, 'must be { reason }');
    checkKnownKeys(ctx, `${field}.writableRootFilesystem`, props.writableRootFilesystem, propKeys<NonNullable<SecurityProps['writableRootFilesystem']>>()('reason'));
    ctx.check(props.writablePaths === undefined, `${field}.writablePaths`, props.writablePaths, `is set together with ${field}.writableRootFilesystem, which makes every path writable`, 'Keep one: writablePaths (preferred) or the opt-out');
  }
  const writable = props?.writablePaths ?? ['/tmp'];
  if (props?.writablePaths !== undefined) ctx.check(Array.isArray(props.writablePaths), `${field}.writablePaths`, props.writablePaths, 'must be a list of absolute paths');
  const volumes: k8s.Volume[] = [];
  const mounts: k8s.VolumeMount[] = [];
  writable.forEach((path, i) => {
    ctx.check(typeof path === 'string' && path.startsWith('/') && !path.includes('..'), `${field}.writablePaths[${i}]`, path, 'must be an absolute path without ".."');
    const first = writable.findIndex((p) => p.replace(/\/+$/, '') === path.replace(/\/+$/, ''));
    ctx.check(first === i, `${field}.writablePaths[${i}]`, path, `is also ${field}.writablePaths[${first}]`, 'Each path is mounted once; remove the duplicate');
    const name = `${volumePrefix}${i === 0 && path === '/tmp' ? 'tmp' : `writable-${i}`}`;
    volumes.push(sharedConstant(`writable-volume|${name}`, () => ({ name, emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } })));
    mounts.push(sharedConstant(`writable-mount|${name}|${path}`, () => ({ name, mountPath: path })));
  });
  const annotations: Record<string, string> = {};
  if (props?.writableRootFilesystem) {
    const reason = props.writableRootFilesystem.reason;
    ctx.check(typeof reason === 'string' && reason.trim().length >= 10, `${field}.writableRootFilesystem.reason`, reason, 'must explain the opt-out (at least 10 characters)');
    annotations[`${OPT_OUT_ANNOTATION_PREFIX}read-only-root-filesystem`] = reason.trim();
  }
  const readOnlyRootFilesystem = !props?.writableRootFilesystem;
  const bindLowPorts = Boolean(props?.bindLowPorts);
  // Shared, frozen contexts: thousands of workloads with the same settings hold one rendering of each.
  return {
    pod: sharedConstant(`pod-security|${runAsUser}|${runAsGroup}|${fsGroup}`, () => ({
      runAsNonRoot: true,
      runAsUser,
      runAsGroup,
      fsGroup,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    })),
    container: sharedConstant(`container-security|${runAsUser}|${runAsGroup}|${readOnlyRootFilesystem}|${bindLowPorts}`, () => ({
      runAsNonRoot: true,
      runAsUser,
      runAsGroup,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem,
      capabilities: { drop: ['ALL'], ...(bindLowPorts ? { add: ['NET_BIND_SERVICE'] } : {}) },
      seccompProfile: { type: 'RuntimeDefault' },
    })),
    volumes,
    mounts,
    annotations,
  };
}
