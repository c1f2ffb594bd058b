import { k8s } from 'cdk8s-plus-28';
import { parseDuration, type Duration } from './duration.js';
import { ErrorContext } from './errors.js';
import { sharedConstant } from './l1-json.js';
import { checkKnownKeys, propKeys } from './props.js';

/** Timing shared by every probe kind; the defaults depend on the probe's role. */
export interface ProbeTiming {
  /** Wait before the first probe. @default 0 (use a startup probe for slow starters) */
  readonly initialDelay?: Duration;
  /** How often to probe. @default 5s for readiness and startup, 10s for liveness */
  readonly period?: Duration;
  /** How long one probe may take. @default 2s for readiness, 3s for liveness and startup */
  readonly timeout?: Duration;
  /** Failures in a row before acting. @default 3 for readiness, 6 for liveness */
  readonly failureThreshold?: number;
}

/** An HTTP GET probe; 2xx and 3xx count as healthy. */
export interface HttpProbe extends ProbeTiming {
  /** Path to GET, e.g. `/health`. */
  readonly http: string;
  /** Port number or container port name. @default - the workload's main port */
  readonly port?: number | string;
  /** HTTP or HTTPS. @default 'HTTP' */
  readonly scheme?: 'HTTP' | 'HTTPS';
}

/** A TCP connect probe. */
export interface TcpProbe extends ProbeTiming {
  /** Port number or container port name; `true` for the main port. */
  readonly tcp: number | string | true;
}

/** A gRPC health-checking-protocol probe. */
export interface GrpcProbe extends ProbeTiming {
  /** Service name for the health check; `true` for the server's overall health. */
  readonly grpc: string | true;
  /** Port number. @default - the workload's main port */
  readonly port?: number;
}

/** A command run in the container; exit code 0 counts as healthy. */
export interface ExecProbe extends ProbeTiming {
  /** Command and arguments (no shell unless you call one). */
  readonly exec: readonly string[];
}

/** A probe: a path string is shorthand for an HTTP GET on the main port. */
export type Probe = string | HttpProbe | TcpProbe | GrpcProbe | ExecProbe;

/** Health checks of a container. */
export interface HealthChecks {
  /** Liveness: failing it restarts the container. `false` for none. @default - TCP connect to the main port */
  readonly live?: Probe | false;
  /** Readiness: failing it takes the pod out of the Service. `false` for none. @default - TCP connect to the main port (gRPC health for gRPC services) */
  readonly ready?: Probe | false;
  /** Startup: holds off liveness until the app has started. @default - none, or the liveness check when `slowStart` is set */
  readonly startup?: Probe;
  /** The longest the app may take to start; adds a startup probe that allows that much time. @default - no startup probe */
  readonly slowStart?: Duration;
}

type Role = 'live' | 'ready' | 'startup';
const HEALTH_KEYS = propKeys<HealthChecks>()('live', 'ready', 'startup', 'slowStart');
const TIMING_KEYS = propKeys<ProbeTiming>()('initialDelay', 'period', 'timeout', 'failureThreshold');
/** The keys of each probe form, by the key that names its handler. */
const PROBE_KEYS = {
  http: propKeys<HttpProbe>()(...TIMING_KEYS, 'http', 'port', 'scheme'),
  tcp: propKeys<TcpProbe>()(...TIMING_KEYS, 'tcp'),
  grpc: propKeys<GrpcProbe>()(...TIMING_KEYS, 'grpc', 'port'),
  exec: propKeys<ExecProbe>()(...TIMING_KEYS, 'exec'),
} as const;
const HANDLERS = Object.keys(PROBE_KEYS) as (keyof typeof PROBE_KEYS)[];
const DEFAULTS: Record<Role, { period: number; timeout: number; failureThreshold: number }> = {
  ready: { period: 5, timeout: 2, failureThreshold: 3 },
  live: { period: 10, timeout: 3, failureThreshold: 6 },
  startup: { period: 5, timeout: 3, failureThreshold: 24 },
};

/** The main port of the container a probe defaults to. */
export interface ProbeTarget {
  /** Container port number. */
  readonly port: number;
  /** Container port name. */
  readonly portName: string;
  /** Whether the main port speaks gRPC. */
  readonly grpc: boolean;
}

/** The liveness, readiness and startup probes of a container, checked and with role defaults. */
export interface ContainerProbes {
  /** Restarts the container when it fails. */
  readonly livenessProbe?: k8s.Probe;
  /** Takes the pod out of its Services when it fails. */
  readonly readinessProbe?: k8s.Probe;
  /** Holds off liveness until the app has started. */
  readonly startupProbe?: k8s.Probe;
}

/**
 * Builds the container probes from `health`. Readiness and liveness running the same HTTP,
 * gRPC or command check is legal (the API server accepts it) but risky, so it is the
 * `readiness-equals-liveness` warning of the checks, not an error here. With `declared` (the
 * container's ports), a probe on a port name or number the container does not declare is an
 * error: the kubelet cannot resolve a missing name, and a probe of a port nothing listens on
 * fails forever.
 */
export function buildProbes(
  ctx: ErrorContext,
  health: HealthChecks | undefined,
  target: ProbeTarget | undefined,
  field = 'health',
  declared?: readonly { readonly name: string; readonly containerPort: number }[],
): ContainerProbes {
  if (health !== undefined) {
    ctx.check(health !== null && typeof health === 'object', field, health, 'must be { live?, ready?, startup?, slowStart? }');
    checkKnownKeys(ctx, field, health, HEALTH_KEYS);
  }
  const fallback: Probe | undefined = target ? (target.grpc ? { grpc: true } : { tcp: true }) : undefined;
  const live = health?.live === false ? undefined : (health?.live ?? (target ? { tcp: true } : undefined));
  const ready = health?.ready === false ? undefined : (health?.ready ?? fallback);
  const livenessProbe = live === undefined ? undefined : buildProbe(ctx, `${field}.live`, live, 'live', target, declared);
  const readinessProbe = ready === undefined ? undefined : buildProbe(ctx, `${field}.ready`, ready, 'ready', target, declared);
  let startupProbe: k8s.Probe | undefined;
  if (health?.startup !== undefined && health.slowStart !== undefined) {
    throw ctx.error(`${field}.slowStart`, health.slowStart, `is set together with ${field}.startup`, 'slowStart builds a startup check from liveness; keep one of them');
  }
  if (health?.startup !== undefined) {
    startupProbe = buildProbe(ctx, `${field}.startup`, health.startup, 'startup', target, declared);
  } else if (health?.slowStart !== undefined) {
    const seconds = parseDuration(ctx, `${field}.slowStart`, health.slowStart, 1);
    const base = live ?? ready;
    if (base === undefined) throw ctx.error(`${field}.slowStart`, health.slowStart, 'needs a liveness or readiness check to repeat at startup');
    const period = DEFAULTS.startup.period;
    startupProbe = buildProbe(ctx, `${field}.slowStart`, withTiming(base, { period, failureThreshold: Math.max(1, Math.ceil(seconds / period)) }), 'startup', target, declared);
  }
  return { livenessProbe, readinessProbe, startupProbe };
}

function withTiming(probe: Probe, timing: ProbeTiming): Probe {
  return typeof probe === 'string' ? { http: probe, ...timing } : { ...probe, ...timing };
}

function buildProbe(ctx: ErrorContext, field: string, probe: Probe, role: Role, target: ProbeTarget | undefined, declared?: readonly { readonly name: string; readonly containerPort: number }[]): k8s.Probe {
  const spec: Exclude<Probe, string> = typeof probe === 'string' ? { http: probe } : probe;
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw ctx.error(field, probe, 'is not a probe', 'Use a path ("/health"), { http }, { tcp }, { grpc } or { exec }');
  }
  const handlers = HANDLERS.filter((h) => h in spec);
  if (handlers.length > 1) {
    throw ctx.error(`${field}.${handlers[1]}`, (spec as unknown as Record<string, unknown>)[handlers[1]!], `is set together with ${field}.${handlers[0]}`, 'A probe has exactly one handler: keep one of http, tcp, grpc, exec');
  }
  if (handlers[0]) checkKnownKeys(ctx, field, spec, PROBE_KEYS[handlers[0]]);
  const d = DEFAULTS[role];
  const period = spec.period === undefined ? d.period : parseDuration(ctx, `${field}.period`, spec.period, 1);
  const timeout = spec.timeout === undefined ? d.timeout : parseDuration(ctx, `${field}.timeout`, spec.timeout, 1);
  const initialDelay = spec.initialDelay === undefined ? undefined : parseDuration(ctx, `${field}.initialDelay`, spec.initialDelay, 0);
  const failureThreshold = spec.failureThreshold ?? d.failureThreshold;
  ctx.check(Number.isInteger(failureThreshold) && failureThreshold >= 1, `${field}.failureThreshold`, failureThreshold, 'must be a whole number of at least 1');
  ctx.check(timeout <= period, `${field}.timeout`, spec.timeout ?? timeout, `must not exceed the period (${period}s)`, 'A probe that can run longer than its period overlaps itself');
  const timing = {
    periodSeconds: period,
    timeoutSeconds: timeout,
    failureThreshold,
    ...(initialDelay ? { initialDelaySeconds: initialDelay } : {}),
  };
  const mainPort = (): k8s.IntOrString => {
    if (!target) throw ctx.error(`${field}.port`, undefined, 'is required because the workload declares no port');
    return k8s.IntOrString.fromString(target.portName);
  };
  const port = (value: number | string | true | undefined, f: string): k8s.IntOrString => {
    if (value === undefined || value === true) return mainPort();
    if (typeof value === 'number') {
      ctx.check(Number.isInteger(value) && value >= 1 && value <= 65535, f, value, 'is not a valid port (1-65535)');
      checkDeclared(ctx, f, value, declared);
      return k8s.IntOrString.fromNumber(value);
    }
    ctx.check(typeof value === 'string' && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) && value.length <= 15, f, value, 'is not a valid port name (IANA_SVC_NAME, at most 15 characters)');
    checkDeclared(ctx, f, value, declared);
    return k8s.IntOrString.fromString(value);
  };
  if ('http' in spec) {
    ctx.check(typeof spec.http === 'string' && spec.http.startsWith('/') && !/\s/.test(spec.http), `${field}.http`, spec.http, 'must be an absolute path starting with "/" without spaces', 'e.g. "/health"');
    if (spec.scheme !== undefined) ctx.check(spec.scheme === 'HTTP' || spec.scheme === 'HTTPS', `${field}.scheme`, spec.scheme, 'must be "HTTP" or "HTTPS"');
    const httpGet = { path: spec.http, port: port(spec.port, `${field}.port`), scheme: spec.scheme ?? 'HTTP' };
    // Probes repeat across thousands of services: equal ones share one frozen rendering.
    return sharedConstant(`http-probe|${JSON.stringify([httpGet.path, httpGet.port.value, httpGet.scheme, timing])}`, () => ({ httpGet, ...timing }));
  }
  if ('tcp' in spec) {
    const tcpPort = port(spec.tcp, `${field}.tcp`);
    return sharedConstant(`tcp-probe|${JSON.stringify([tcpPort.value, timing])}`, () => ({ tcpSocket: { port: tcpPort }, ...timing }));
  }
  if ('grpc' in spec) {
    const grpcPort = spec.port ?? target?.port;
    if (grpcPort === undefined) throw ctx.error(`${field}.port`, undefined, 'is required because the workload declares no port');
    ctx.check(Number.isInteger(grpcPort) && grpcPort >= 1 && grpcPort <= 65535, `${field}.port`, grpcPort, 'is not a valid port (1-65535)');
    if (spec.port !== undefined) checkDeclared(ctx, `${field}.port`, grpcPort, declared);
    return { grpc: { port: grpcPort, ...(spec.grpc === true ? {} : { service: spec.grpc }) }, ...timing };
  }
  if ('exec' in spec) {
    ctx.check(Array.isArray(spec.exec) && spec.exec.length > 0 && spec.exec.every((a) => typeof a === 'string'), `${field}.exec`, spec.exec, 'must be a non-empty list of strings');
    return { exec: { command: [...spec.exec] }, ...timing };
  }
  throw ctx.error(field, probe, 'is not a probe', 'Use a path ("/health"), { http }, { tcp }, { grpc } or { exec }');
}

/** A probe's port must be one the container declares, by name or number (when the ports are known). */
function checkDeclared(ctx: ErrorContext, field: string, port: number | string, declared: readonly { readonly name: string; readonly containerPort: number }[] | undefined): void {
  if (declared === undefined) return;
  const found = declared.some((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port));
  const listed = declared.map((p) => `${p.name} (${p.containerPort})`).join(', ');
  ctx.check(found, field, port, 'is not a port the container declares', listed ? `Use one of ${listed}, or add it to ports` : 'Add the port to the container\'s ports');
}
