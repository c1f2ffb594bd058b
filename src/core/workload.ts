import { Construct } from 'constructs';
import { checkConnection, describePeer, type Connection, type ConsumedValue } from './connections.js';
import { ExportedValue, type EnvValue } from './env-value.js';
import { ErrorContext } from './errors.js';
import type { ConnectionOptions, Peer } from './peer.js';
import { Stack } from './stack.js';
import { compactNode } from './compact-node.js';

/** What `allowFrom` and `allowTo` accept: another workload (in any stack) or a {@link Peer}. */
export type NetworkPeer = Workload | Peer;

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
  private readonly declared: Connection<Workload>[] = [];
  private readonly consumed: ConsumedValue[] = [];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    compactNode(this);
    this.stack = Stack.of(this);
    this.ctx = new ErrorContext(this.node.path);
  }

  /** The connections this workload declared with {@link allowFrom} and {@link allowTo}, in order. */
  public get connections(): readonly Connection<Workload>[] {
    return this.declared;
  }

  /** The environment variables whose values other constructs export (`db.url`), in the order they were set: what its egress must allow. */
  public get consumedValues(): readonly ConsumedValue[] {
    return this.consumed;
  }

  /**
   * Lets `peer` open connections to this workload: its NetworkPolicy admits the peer on
   * this workload's ports (or `options.port`), and a peer workload gets the egress to match.
   * `api.allowFrom(frontend)`, `api.allowFrom(Peer.namespace('batch'), { port: 'http' })`.
   */
  public allowFrom(peer: NetworkPeer, options: ConnectionOptions = {}): this {
    return this.declare({ source: peer, target: this, options, declaredBy: this, method: 'allowFrom' }, peer);
  }

  /**
   * Lets this workload open connections to `peer`: its NetworkPolicy allows the egress on
   * the peer's ports (or `options.port`), and a peer workload admits it.
   * `api.allowTo(payments)`, `api.allowTo(Peer.cidr('203.0.113.0/24'), { port: 443 })`.
   */
  public allowTo(peer: NetworkPeer, options: ConnectionOptions = {}): this {
    return this.declare({ source: this, target: peer, options, declaredBy: this, method: 'allowTo' }, peer);
  }

  /**
   * Records the environment variables of `env` whose values other constructs export, so
   * that the link to the construct they come from is kept as data. Subclasses call it for
   * every variable they set, at construction and in later edits.
   */
  protected recordConsumedValues(env: Readonly<Record<string, EnvValue>>): void {
    for (const [variable, value] of Object.entries(env)) if (value instanceof ExportedValue) this.consumed.push({ variable, value });
  }

  /** Checks a connection's input now and records it; refused once a synth has fixed either stack's connections. */
  private declare(connection: Connection<Workload>, peer: NetworkPeer): this {
    checkConnection(this.ctx, connection, peer instanceof Workload, connection.target instanceof Workload);
    for (const end of [this, peer]) {
      if (end instanceof Workload && end.stack.connectionsSealed) {
        throw this.ctx.error(connection.method, describePeer(peer), `comes after stack ${end.stack.node.path} was synthesized`, 'Declare every connection before synth');
      }
    }
    this.declared.push(connection);
    return this;
  }

  /** The namespace the workload runs in. */
  public get namespace(): string {
    return this.stack.namespaceName;
  }
}
