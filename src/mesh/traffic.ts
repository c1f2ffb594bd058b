import { Construct } from 'constructs';
import { parseDuration, type Duration } from '../core/duration.js';
import { ErrorContext } from '../core/errors.js';
import { checkKnownKeys, propKeys } from '../core/props.js';
import type { MeshService } from './canary.js';

/** When a request is retried. */
export type RetryCondition = '5xx' | 'gateway-error' | 'connect-failure' | 'reset';

/** Retries of failed requests. */
export interface RetryProps {
  /** Retries after the first attempt, 1-10. */
  readonly attempts: number;
  /** Timeout of each attempt. @default - the request timeout */
  readonly perTryTimeout?: Duration;
  /** Failures that are retried; Linkerd retries `5xx` and `gateway-error` only. @default ['5xx'] */
  readonly on?: readonly RetryCondition[];
}

/** Ejection of endpoints that keep failing (Istio outlier detection, Linkerd failure accrual). */
export interface OutlierDetectionProps {
  /** Consecutive errors after which an endpoint is ejected. */
  readonly consecutiveErrors: number;
  /** Shortest time an ejected endpoint stays out. @default 30s */
  readonly ejectionTime?: Duration;
  /** How often endpoints are scanned (Istio only). @default - the mesh's default (10s) */
  readonly interval?: Duration;
  /** Most endpoints ejected at once, in percent (Istio only). @default - the mesh's default (10) */
  readonly maxEjectionPercent?: number;
}

/** Limits on connections to the service (Istio only; Linkerd has no connection pool settings). */
export interface ConnectionPoolProps {
  /** Most TCP connections to the service from one client proxy. @default - unlimited */
  readonly maxConnections?: number;
  /** Most requests waiting for a connection. @default - unlimited */
  readonly maxPendingRequests?: number;
}

/** Props of {@link ServiceTraffic}. */
export interface TrafficProps {
  /** Time a request may take, retries included. @default - the mesh's default (none) */
  readonly timeout?: Duration;
  /** Retries of failed requests. @default - the mesh's default */
  readonly retries?: RetryProps;
  /** Ejection of failing endpoints. @default - none */
  readonly outlierDetection?: OutlierDetectionProps;
  /** Connection limits (Istio only). @default - none */
  readonly connectionPool?: ConnectionPoolProps;
}

const RETRY_CONDITIONS: readonly RetryCondition[] = ['5xx', 'gateway-error', 'connect-failure', 'reset'];
const KEYS = propKeys<TrafficProps>()('timeout', 'retries', 'outlierDetection', 'connectionPool');
const RETRY_KEYS = propKeys<RetryProps>()('attempts', 'perTryTimeout', 'on');
const OUTLIER_KEYS = propKeys<OutlierDetectionProps>()('consecutiveErrors', 'ejectionTime', 'interval', 'maxEjectionPercent');
const POOL_KEYS = propKeys<ConnectionPoolProps>()('maxConnections', 'maxPendingRequests');

/**
 * Timeouts, retries, outlier detection and connection limits for calls to one service,
 * through the stack's mesh: Istio `VirtualService` and `DestinationRule`, or (Linkerd) a Gateway
 * API `HTTPRoute` and failure-accrual annotations on the Service. A setting the mesh cannot
 * express is an error, never silently dropped. Made by `WebService.traffic()`.
 */
export class ServiceTraffic extends Construct {
  /** The service the settings apply to. */
  public readonly target: MeshService;
  /** Request timeout in seconds. */
  public readonly timeoutSeconds?: number;
  /** Retries, with durations in seconds. */
  public readonly retries?: { readonly attempts: number; readonly perTryTimeoutSeconds?: number; readonly on: readonly RetryCondition[] };
  /** Outlier detection, with durations in seconds. */
  public readonly outlierDetection?: { readonly consecutiveErrors: number; readonly ejectionTimeSeconds: number; readonly intervalSeconds?: number; readonly maxEjectionPercent?: number };
  /** Connection limits. */
  public readonly connectionPool?: ConnectionPoolProps;

  constructor(target: MeshService, id: string, props: TrafficProps) {
    super(target, id);
    const ctx = new ErrorContext(this.node.path);
    ctx.check(props !== null && typeof props === 'object', 'traffic', props, 'must be { timeout?, retries?, outlierDetection?, connectionPool? }');
    checkKnownKeys(ctx, 'traffic', props, KEYS);
    const mesh = target.stack.mesh;
    ctx.check(mesh !== undefined, 'traffic', props, `needs a service mesh, and stack ${target.stack.node.path} has none`, 'Set mesh: Mesh.istio() or Mesh.linkerd() on the environment or the Stack');
    ctx.check(mesh!.mode !== 'ambient', 'traffic', props, 'needs L7 routing, which Istio ambient mode does only through a waypoint proxy (not emitted by Keelson)', 'Use Mesh.istio({ mode: "sidecar" }) or Mesh.linkerd()');
    const linkerd = mesh!.provider === 'linkerd';
    this.target = target;
    if (props.timeout !== undefined) this.timeoutSeconds = parseDuration(ctx, 'traffic.timeout', props.timeout, 1);
    if (props.retries !== undefined) {
      const r = props.retries;
      checkKnownKeys(ctx, 'traffic.retries', r, RETRY_KEYS);
      ctx.check(Number.isInteger(r?.attempts) && r.attempts >= 1 && r.attempts <= 10, 'traffic.retries.attempts', r?.attempts, 'must be a whole number from 1 to 10');
      const on = r.on ?? ['5xx'];
      ctx.check(Array.isArray(on) && on.length > 0, 'traffic.retries.on', on, 'must be a non-empty list');
      for (const c of on) {
        ctx.check(RETRY_CONDITIONS.includes(c), 'traffic.retries.on', c, `is not a retry condition (${RETRY_CONDITIONS.join(', ')})`);
        ctx.check(!linkerd || c === '5xx' || c === 'gateway-error', 'traffic.retries.on', c, 'is not a condition Linkerd retries on (it retries HTTP 5xx and gateway errors)', 'Use "5xx" or "gateway-error"');
      }
      const perTry = r.perTryTimeout === undefined ? undefined : parseDuration(ctx, 'traffic.retries.perTryTimeout', r.perTryTimeout, 1);
      if (perTry !== undefined && this.timeoutSeconds !== undefined) {
        ctx.check(perTry <= this.timeoutSeconds, 'traffic.retries.perTryTimeout', r.perTryTimeout, `is longer than the request timeout (${this.timeoutSeconds}s)`);
      }
      this.retries = { attempts: r.attempts, on: [...on], ...(perTry !== undefined ? { perTryTimeoutSeconds: perTry } : {}) };
    }
    if (props.outlierDetection !== undefined) {
      const o = props.outlierDetection;
      checkKnownKeys(ctx, 'traffic.outlierDetection', o, OUTLIER_KEYS);
      ctx.check(Number.isInteger(o?.consecutiveErrors) && o.consecutiveErrors >= 1, 'traffic.outlierDetection.consecutiveErrors', o?.consecutiveErrors, 'must be a whole number >= 1');
      for (const field of ['interval', 'maxEjectionPercent'] as const) {
        ctx.check(!linkerd || o[field] === undefined, `traffic.outlierDetection.${field}`, o[field], 'is not something Linkerd supports (its failure accrual counts consecutive failures only)', 'Leave it out on Linkerd');
      }
      if (o.maxEjectionPercent !== undefined) {
        ctx.check(Number.isInteger(o.maxEjectionPercent) && o.maxEjectionPercent >= 1 && o.maxEjectionPercent <= 100, 'traffic.outlierDetection.maxEjectionPercent', o.maxEjectionPercent, 'must be a whole percentage from 1 to 100');
      }
      this.outlierDetection = {
        consecutiveErrors: o.consecutiveErrors,
        ejectionTimeSeconds: parseDuration(ctx, 'traffic.outlierDetection.ejectionTime', o.ejectionTime ?? 30, 1),
        ...(o.interval !== undefined ? { intervalSeconds: parseDuration(ctx, 'traffic.outlierDetection.interval', o.interval, 1) } : {}),
        ...(o.maxEjectionPercent !== undefined ? { maxEjectionPercent: o.maxEjectionPercent } : {}),
      };
    }
    if (props.connectionPool !== undefined) {
      const p = props.connectionPool;
      ctx.check(!linkerd, 'traffic.connectionPool', p, 'is not something Linkerd supports (it has no connection pool limits)', 'Leave connectionPool out on Linkerd, or use Mesh.istio()');
      checkKnownKeys(ctx, 'traffic.connectionPool', p, POOL_KEYS);
      for (const field of ['maxConnections', 'maxPendingRequests'] as const) {
        const v = p[field];
        ctx.check(v === undefined || (Number.isInteger(v) && v >= 1), `traffic.connectionPool.${field}`, v, 'must be a whole number >= 1');
      }
      this.connectionPool = { ...p };
    }
  }
}
