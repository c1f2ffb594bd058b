import { ErrorContext } from './errors.js';
import { checkKnownKeys, propKeys } from './props.js';

/**
 * What a port speaks. `http`, `http2` and `grpc` also name the port so that Istio and
 * Linkerd detect the protocol (`<protocol>[-suffix]`), and set the Service port's `appProtocol`.
 */
export type PortProtocol = 'tcp' | 'udp' | 'http' | 'http2' | 'grpc';

/** A port a container listens on. */
export interface PortProps {
  /** Port number the container listens on. */
  readonly containerPort: number;
  /** Port name (IANA_SVC_NAME: at most 15 lower-case letters, digits and '-'). @default - the protocol, or `metrics` for a metrics port */
  readonly name?: string;
  /** What the port speaks. @default 'http' for metrics ports, else 'tcp' */
  readonly protocol?: PortProtocol;
  /** Port on the Service, where the workload has one. @default - the container port */
  readonly servicePort?: number;
  /**
   * Serves metrics for monitoring only: a connection that names no port does not include
   * it, and monitoring reaches it.
   * @default false
   */
  readonly metrics?: boolean;
}

/** A checked port of one container. */
export interface ResolvedPort {
  /** Port name. */
  readonly name: string;
  /** Container port. */
  readonly containerPort: number;
  /** Service port. */
  readonly servicePort: number;
  /** Transport protocol. */
  readonly transport: 'TCP' | 'UDP';
  /** Application protocol (Service `appProtocol`), when it is not plain TCP or UDP. */
  readonly appProtocol?: 'http' | 'http2' | 'grpc';
  /** Serves metrics only. */
  readonly metricsOnly: boolean;
}

const PORT_KEYS = propKeys<PortProps>()('containerPort', 'name', 'protocol', 'servicePort', 'metrics');
const PROTOCOLS: readonly PortProtocol[] = ['tcp', 'udp', 'http', 'http2', 'grpc'];
const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Checks a port number and returns it. */
export function checkPort(ctx: ErrorContext, field: string, value: unknown): number {
  ctx.check(
    typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535,
    field,
    value,
    'is not a valid port (1-65535)',
    'Use the port number your container listens on',
  );
  return value as number;
}

/** Checks a port name: IANA_SVC_NAME, at most 15 characters, with a letter, no `--`. */
export function checkPortName(ctx: ErrorContext, field: string, value: unknown): string {
  ctx.check(
    typeof value === 'string' && value.length <= 15 && IANA_SVC_NAME.test(value) && !value.includes('--'),
    field,
    value,
    'is not a valid port name (IANA_SVC_NAME: at most 15 lower-case letters, digits and "-", with at least one letter, no "--")',
    typeof value === 'string' && value.length > 15 ? `Shorten it, e.g. ${JSON.stringify(value.slice(0, 15).replace(/-+$/, ''))}` : 'e.g. "http", "grpc-admin", "metrics"',
  );
  return value as string;
}

/** Checks one port's props. */
export function resolvePort(ctx: ErrorContext, field: string, props: PortProps): ResolvedPort {
  ctx.check(props !== null && typeof props === 'object', field, props, 'must be an object like { containerPort: 8080, protocol: "http" }');
  checkKnownKeys(ctx, field, props, PORT_KEYS);
  const containerPort = checkPort(ctx, `${field}.containerPort`, props.containerPort);
  const metrics = props.metrics ?? false;
  ctx.check(typeof metrics === 'boolean', `${field}.metrics`, metrics, 'must be true or false');
  const protocol = props.protocol ?? (metrics ? 'http' : 'tcp');
  ctx.check(PROTOCOLS.includes(protocol), `${field}.protocol`, protocol, `must be one of ${PROTOCOLS.map((p) => JSON.stringify(p)).join(', ')}`);
  ctx.check(!(metrics && protocol === 'udp'), `${field}.protocol`, protocol, 'cannot serve metrics: Prometheus scrapes over HTTP', 'Use protocol "http" for a metrics port');
  const name = checkPortName(ctx, `${field}.name`, props.name ?? (metrics ? 'metrics' : protocol));
  const servicePort = props.servicePort === undefined ? containerPort : checkPort(ctx, `${field}.servicePort`, props.servicePort);
  return {
    name,
    containerPort,
    servicePort,
    transport: protocol === 'udp' ? 'UDP' : 'TCP',
    ...(protocol === 'http' || protocol === 'http2' || protocol === 'grpc' ? { appProtocol: protocol } : {}),
    metricsOnly: metrics,
  };
}

/** How another port reads in an error: a WebService's own `port` is the main port. */
function describe(field: string): string {
  return field === 'port' ? 'the main port (port)' : field;
}

/** Rejects two ports of one pod with the same name, the same number and transport, or the same Service port. */
export function checkDistinctPorts(ctx: ErrorContext, ports: readonly { field: string; port: ResolvedPort }[]): void {
  const names = new Map<string, string>();
  const numbers = new Map<string, string>();
  const servicePorts = new Map<string, string>();
  for (const { field, port } of ports) {
    const byName = names.get(port.name);
    if (byName) throw ctx.error(`${field}.name`, port.name, `is also the name of ${describe(byName)}`, 'Port names must be unique in a pod');
    names.set(port.name, field);
    const key = `${port.containerPort}/${port.transport}`;
    const byNumber = numbers.get(key);
    if (byNumber) throw ctx.error(`${field}.containerPort`, port.containerPort, `is also the port of ${describe(byNumber)}`, 'Two containers of one pod share its network namespace: give each its own port');
    numbers.set(key, field);
    const serviceKey = `${port.servicePort}/${port.transport}`;
    const byServicePort = servicePorts.get(serviceKey);
    if (byServicePort) throw ctx.error(`${field}.servicePort`, port.servicePort, `is also the Service port of ${describe(byServicePort)}`, 'The API server rejects a Service with one port twice: give each its own servicePort');
    servicePorts.set(serviceKey, field);
  }
}
