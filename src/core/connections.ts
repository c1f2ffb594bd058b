import { Construct, type IConstruct } from 'constructs';
import { checkCidr } from './cidr.js';
import type { ExportedValue } from './env-value.js';
import type { ErrorContext } from './errors.js';
import { checkDnsLabel } from './names.js';
import { Peer, type ConnectionOptions, type HttpRule } from './peer.js';
import { checkKnownKeys, checkObject, propKeys } from './props.js';

/**
 * The record of who may talk to whom, as data on the workloads that declare it. Core keeps
 * the record and checks its input when it is declared; the network area reads it at synth
 * and turns it into NetworkPolicies, checks and `network.md`.
 */

/** The method that declared a {@link Connection}. */
export type ConnectionMethod = 'allowFrom' | 'allowTo';

/**
 * One declared connection: `source` may open connections to `target`. `W` is the workload
 * type (`Workload`); the record is generic so that it names no type above it.
 */
export interface Connection<W extends IConstruct = IConstruct> {
  /** Who opens connections. */
  readonly source: W | Peer;
  /** Who accepts them. */
  readonly target: W | Peer;
  /** Port and protocol, as declared. */
  readonly options: ConnectionOptions;
  /** The workload whose `allowFrom` or `allowTo` declared it (errors name its path). */
  readonly declaredBy: W;
  /** The method that declared it. */
  readonly method: ConnectionMethod;
}

/** An environment variable whose value another construct exports (`api.env('DB', db.url)`): a dependency on it. */
export interface ConsumedValue {
  /** The variable's name. */
  readonly variable: string;
  /** The value, with the constructs it comes from. */
  readonly value: ExportedValue;
}

const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const CONNECTION_OPTION_KEYS = propKeys<ConnectionOptions>()('port', 'protocol', 'http');
const HTTP_RULE_KEYS = propKeys<HttpRule>()('methods', 'paths');
/** A fully qualified host name, optionally with a leading `*.` wildcard. */
const EXTERNAL_HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];
/** An exact path, or a prefix ending in `/*`: the forms both meshes express. */
const HTTP_PATH = /^\/[A-Za-z0-9._~!$&'()+,;=:@%/-]*(\/\*)?$/;

/** How a peer reads in errors: a workload's path, `Peer.cidr(10.0.0.0/8)`, or the value itself. */
export function describePeer(peer: unknown): unknown {
  if (peer instanceof Peer) return peer.value === undefined ? `Peer.${peer.kind}` : `Peer.${peer.kind}(${peer.value})`;
  if (Construct.isConstruct(peer)) return peer.node.path;
  return peer;
}

/**
 * Checks the input of `allowFrom` / `allowTo` where it is called: the peer is a workload
 * (`peerIsWorkload`) or a valid {@link Peer}, and the port and protocol are well formed.
 * Whether the peer runs pods and exposes the port is checked at synth.
 */
export function checkConnection(ctx: ErrorContext, connection: Connection, peerIsWorkload: boolean, targetIsWorkload: boolean): void {
  const { method, options } = connection;
  const peer = method === 'allowFrom' ? connection.source : connection.target;
  if (!peerIsWorkload) {
    if (!(peer instanceof Peer)) {
      throw ctx.error(method, describePeer(peer), 'is not a workload or a Peer', 'Pass another workload (e.g. a WebService) or Peer.namespace(), Peer.ingressController(), Peer.monitoring(), Peer.cidr()');
    }
    if (peer.kind === 'namespace') checkDnsLabel(ctx, `${method}(Peer.namespace)`, peer.value);
    if (peer.kind === 'cidr') checkCidr(ctx, `${method}(Peer.cidr)`, peer.value, peer.except);
    if (peer.kind === 'external') {
      ctx.check(method === 'allowTo', `${method}(Peer.external)`, peer.value, 'is a destination outside the cluster', 'Use allowTo(Peer.external(host, port)); callers from outside come through Peer.cidr or the ingress');
      ctx.check(typeof peer.value === 'string' && EXTERNAL_HOST.test(peer.value), `${method}(Peer.external)`, peer.value, 'is not a fully qualified host name', 'Use a name such as "api.stripe.com" or "*.googleapis.com"');
      ctx.check(Number.isInteger(peer.port) && peer.port! >= 1 && peer.port! <= 65535, `${method}(Peer.external).port`, peer.port, 'is not a valid port (1-65535)');
      ctx.check(options.port === undefined || options.port === peer.port, `${method}.port`, options.port, `differs from the port of Peer.external (${peer.port})`, 'Leave port out: Peer.external carries it');
    }
  }
  checkObject(ctx, `${method} options`, options, false);
  checkKnownKeys(ctx, method, options, CONNECTION_OPTION_KEYS);
  const { port, protocol } = options;
  if (port !== undefined) {
    const ok = typeof port === 'number' ? Number.isInteger(port) && port >= 1 && port <= 65535 : typeof port === 'string' && port.length <= 15 && IANA_SVC_NAME.test(port);
    ctx.check(ok, `${method}.port`, port, 'is not a port number (1-65535) or port name', 'Use a number or a name of up to 15 lower-case letters, digits and "-"');
  }
  if (protocol !== undefined) {
    ctx.check(PROTOCOLS.includes(protocol), `${method}.protocol`, protocol, 'must be "TCP", "UDP" or "SCTP"');
    ctx.check(targetIsWorkload || port !== undefined, `${method}.protocol`, protocol, 'needs a port when the target is not a workload', 'Set port as well');
  }
  if (options.http !== undefined) checkHttpRule(ctx, `${method}.http`, options.http, targetIsWorkload);
}

function checkHttpRule(ctx: ErrorContext, field: string, rule: unknown, targetIsWorkload: boolean): void {
  ctx.check(rule !== null && typeof rule === 'object' && !Array.isArray(rule), field, rule, 'must be { methods?, paths? }');
  ctx.check(targetIsWorkload, field, rule, 'applies only when the target is a workload (a mesh authorizes requests at the target\'s proxy)');
  checkKnownKeys(ctx, field, rule, HTTP_RULE_KEYS);
  const { methods, paths } = rule as { methods?: unknown; paths?: unknown };
  ctx.check(methods !== undefined || paths !== undefined, field, rule, 'names no methods and no paths', 'Leave http out to allow every request');
  if (methods !== undefined) {
    ctx.check(Array.isArray(methods) && methods.length > 0, `${field}.methods`, methods, 'must be a non-empty list');
    for (const m of methods as unknown[]) ctx.check(typeof m === 'string' && HTTP_METHODS.includes(m), `${field}.methods`, m, `is not an HTTP method (${HTTP_METHODS.join(', ')})`);
  }
  if (paths !== undefined) {
    ctx.check(Array.isArray(paths) && paths.length > 0, `${field}.paths`, paths, 'must be a non-empty list');
    for (const p of paths as unknown[]) {
      ctx.check(typeof p === 'string' && HTTP_PATH.test(p) && !p.slice(0, -1).includes('*'), `${field}.paths`, p, 'must be an exact path ("/orders") or a prefix ending in "/*" ("/orders/*")');
    }
  }
}
