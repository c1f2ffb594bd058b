import { Construct } from 'constructs';
import { ConnectionGraph } from '../network/connection-graph.js';
import type { ConnectionOptions, NetworkPeer } from '../network/peer.js';
import { ErrorContext } from './errors.js';
import { Stack } from './stack.js';

/** A port other workloads connect to: the Service port and the container port behind it. */
export interface WorkloadPort {
  /** Port name (IANA_SVC_NAME), e.g. `http`, `postgres`, `metrics`. */
  readonly name: string;
  /** Port on the Service. */
  readonly port: number;
  /** Port the container listens on (what a NetworkPolicy admits). */
  readonly containerPort: number;
  /** Transport protocol. */
  readonly protocol: 'TCP' | 'UDP';
  /** What the port speaks above TCP (the Service port's `appProtocol`), when known. @default - plain TCP or UDP */
  readonly appProtocol?: 'http' | 'http2' | 'grpc';
  /**
   * Served for monitoring only (e.g. an exporter's `metrics`): a connection that
   * names no port does not include it.
   * @default false
   */
  readonly metricsOnly?: boolean;
}

/**
 * Base of every construct that runs pods (WebService, databases, workers): what
 * peers need to know to reach it — its name, namespace, pod selector and ports — and
 * who may reach it. Every workload gets a NetworkPolicy that admits exactly the peers
 * declared with {@link allowFrom} and reaches exactly the targets declared with
 * {@link allowTo} (plus DNS).
 */
export abstract class Workload extends Construct {
  /** `metadata.name` of the workload's objects. */
  public abstract readonly name: string;
  /** Labels that select the workload's pods. */
  public abstract readonly selector: Readonly<Record<string, string>>;
  /** Ports the workload serves. */
  public abstract readonly ports: readonly WorkloadPort[];
  /** The Stack the workload belongs to. */
  public readonly stack: Stack;
  /** Builds errors that name this construct's path. */
  protected readonly ctx: ErrorContext;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.stack = Stack.of(this);
    this.ctx = new ErrorContext(this.node.path);
    ConnectionGraph.of(this.stack).add(this);
  }

  /**
   * Lets `peer` open connections to this workload: its NetworkPolicy admits the peer on
   * this workload's ports (or `options.port`), and a peer workload gets the egress to match.
   * `api.allowFrom(frontend)`, `api.allowFrom(Peer.namespace('batch'), { port: 'http' })`.
   */
  public allowFrom(peer: NetworkPeer, options: ConnectionOptions = {}): this {
    ConnectionGraph.declare({ source: peer, target: this, options, declaredBy: this, method: 'allowFrom' });
    return this;
  }

  /**
   * Lets this workload open connections to `peer`: its NetworkPolicy allows the egress on
   * the peer's ports (or `options.port`), and a peer workload admits it.
   * `api.allowTo(payments)`, `api.allowTo(Peer.cidr('203.0.113.0/24'), { port: 443 })`.
   */
  public allowTo(peer: NetworkPeer, options: ConnectionOptions = {}): this {
    ConnectionGraph.declare({ source: this, target: peer, options, declaredBy: this, method: 'allowTo' });
    return this;
  }

  /** The namespace the workload runs in. */
  public get namespace(): string {
    return this.stack.namespaceName;
  }
}
