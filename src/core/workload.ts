import { Construct } from 'constructs';
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
}

/**
 * Base of every construct that runs pods (WebService, databases, workers): what
 * peers need to know to reach it — its name, namespace, pod selector and ports.
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
  }

  /** The namespace the workload runs in. */
  public get namespace(): string {
    return this.stack.namespaceName;
  }
}
