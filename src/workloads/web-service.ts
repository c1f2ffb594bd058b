import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { ExportedValue } from '../core/env-value.js';
import { ErrorContext } from '../core/errors.js';
import { KubeObject } from '../core/kube-object.js';
import { checkServiceName, isDnsSubdomain } from '../core/names.js';
import { checkPort, type PortProps } from '../core/ports.js';
import { checkKnownKeys, propKeys } from '../core/props.js';
import { checkAnnotations } from '../core/scheduling.js';
import { Peer } from '../core/peer.js';
import { Canary, type CanaryProps } from '../mesh/canary.js';
import { ServiceTraffic, type TrafficProps } from '../mesh/traffic.js';
import { ServiceDashboard } from '../observability/service-dashboard.js';
import { checkSlo, ServiceLevelObjectives, type SloProps } from '../observability/slo.js';
import { DEPLOYMENT_KEYS, DeploymentWorkload, type DeploymentWorkloadProps } from './deployment-workload.js';


/** Exposure through an Ingress. */
export interface IngressProps {
  /** Host name, e.g. `shop.example.com`. */
  readonly host: string;
  /** Path prefix routed to the service. @default '/' */
  readonly path?: string;
  /**
   * Serve HTTPS with a certificate from cert-manager: `true` uses the environment's
   * ClusterIssuer and a Secret named `<name>-tls`.
   * @default false
   */
  readonly tls?: boolean | { readonly issuer?: string; readonly secretName?: string };
  /** IngressClass. @default - the environment's `ingressClassName` */
  readonly className?: string;
}

/** How the Service in front of the pods is exposed. */
export interface ServiceProps {
  /** `metadata.name` of the Service (the DNS name clients use). @default - the workload's name */
  readonly name?: string;
  /**
   * `ClusterIP` (inside the cluster), `LoadBalancer` (a cloud load balancer), `NodePort`
   * (a port on every node), or `Headless` (no virtual IP: DNS returns the pods).
   * @default 'ClusterIP'
   */
  readonly type?: 'ClusterIP' | 'LoadBalancer' | 'NodePort' | 'Headless';
  /** Annotations of the Service (e.g. a cloud load balancer's settings). @default - none */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Client CIDRs a LoadBalancer or NodePort accepts; the NetworkPolicy admits exactly these. @default ['0.0.0.0/0'] */
  readonly sourceRanges?: readonly string[];
}

/** Props of a {@link WebService}. */
export interface WebServiceProps extends DeploymentWorkloadProps {
  /** Port the main container serves on. */
  readonly port: number;
  /** What the main port speaks; decides its name, default probes and URL scheme. @default 'http' */
  readonly protocol?: 'http' | 'http2' | 'grpc';
  /** Port of the Service for the main port. @default 80 for http, the container port otherwise */
  readonly servicePort?: number;
  /** Further ports of the main container (admin, metrics). @default - none */
  readonly ports?: readonly PortProps[];
  /** Expose through an Ingress. @default - cluster-internal only */
  readonly ingress?: IngressProps;
  /** The Service's name and type. @default - a ClusterIP Service named like the workload */
  readonly service?: ServiceProps;
  /**
   * Service level objectives: recording rules and multi-window, multi-burn-rate alerts
   * (page on a fast burn, ticket on a slow one) in a PrometheusRule `<name>-slo`. Needs `metrics`.
   * @example { availability: 99.9, latency: { threshold: '300ms', percentile: 99 } }
   * @default - no objectives
   */
  readonly slo?: SloProps;
  /** A Grafana dashboard ConfigMap `<name>-dashboard` (requests, errors, latency, CPU, memory, restarts). @default true where `metrics` is set */
  readonly dashboard?: boolean;
}

/** The keys of {@link WebServiceProps}; workloads built on a WebService spread these into their own {@link propKeys} list. */
export const WEB_SERVICE_KEYS = propKeys<WebServiceProps>()(...DEPLOYMENT_KEYS, 'port', 'protocol', 'servicePort', 'ingress', 'service', 'slo', 'dashboard');
const SERVICE_KEYS = propKeys<ServiceProps>()('name', 'type', 'annotations', 'sourceRanges');
const INGRESS_KEYS = propKeys<IngressProps>()('host', 'path', 'tls', 'className');
const INGRESS_TLS_KEYS = propKeys<Exclude<NonNullable<IngressProps['tls']>, boolean>>()('issuer', 'secretName');

/**
 * A stateless HTTP, HTTP/2 or gRPC service: Deployment, Service, ServiceAccount, and as
 * configured an Ingress, a HorizontalPodAutoscaler and a PodDisruptionBudget.
 */
export class WebService extends DeploymentWorkload {
  /** The Service port of the main port. */
  public readonly port: number;
  /** The container port of the main port. */
  public readonly containerPort: number;
  /** The main port's name (`http`, `http2` or `grpc`). */
  public readonly portName: string;
  /** `metadata.name` of the Service. */
  public readonly serviceName: string;
  /** The Service. */
  public readonly service: KubeObject;
  /** The Ingress, when `ingress` is set. */
  public readonly ingress?: KubeObject;
  /** The SLO recording rules and burn-rate alerts, when `slo` is set. */
  public readonly slo?: ServiceLevelObjectives;
  /** The Grafana dashboard, when `metrics` is set and `dashboard` is not false. */
  public readonly dashboard?: ServiceDashboard;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    const protocol = props?.protocol ?? 'http';
    if (props && typeof props === 'object') {
      const early = new ErrorContext(scope.node.path ? `${scope.node.path}/${id}` : id);
      early.check(['http', 'http2', 'grpc'].includes(protocol), 'protocol', protocol, 'must be "http", "http2" or "grpc"');
      checkPort(early, 'port', props.port);
      if (props.servicePort !== undefined) checkPort(early, 'servicePort', props.servicePort);
    }
    const main: PortProps = { name: protocol, containerPort: props?.port, protocol, servicePort: props?.servicePort ?? (protocol === 'http' ? 80 : props?.port) };
    super(scope, id, props && typeof props === 'object' ? { ...props, ports: [main, ...(Array.isArray(props.ports) ? props.ports : [])] } : props, {
      component: 'web',
      longRunning: true,
      keys: WEB_SERVICE_KEYS,
      serviceName: true,
      scrapeThrough: 'service',
      portsFromProps: 1,
    });
    const ctx = this.ctx;
    this.containerPort = props.port;
    this.port = this.ports[0]!.port;
    this.portName = protocol;
    const service = props.service ?? {};
    ctx.check(service !== null && typeof service === 'object', 'service', service, 'must be { name?, type?, annotations?, sourceRanges? }');
    checkKnownKeys(ctx, 'service', service, SERVICE_KEYS);
    this.serviceName = service.name === undefined ? this.name : checkServiceName(ctx, 'service.name', service.name);
    const type = service.type ?? 'ClusterIP';
    ctx.check(['ClusterIP', 'LoadBalancer', 'NodePort', 'Headless'].includes(type), 'service.type', type, 'must be "ClusterIP", "LoadBalancer", "NodePort" or "Headless"');
    const external = type === 'LoadBalancer' || type === 'NodePort';
    if (service.sourceRanges !== undefined) {
      ctx.check(external, 'service.sourceRanges', service.sourceRanges, `applies only to LoadBalancer and NodePort Services, not ${type}`);
      ctx.check(Array.isArray(service.sourceRanges) && service.sourceRanges.length > 0, 'service.sourceRanges', service.sourceRanges, 'must be a non-empty list of CIDRs');
    }
    const sourceRanges = external ? [...(service.sourceRanges ?? ['0.0.0.0/0'])] : [];
    this.service = KubeObject.create(this, 'service', k8s.KubeService, {
      metadata: {
        ...this.metadata,
        name: this.serviceName,
        ...(service.annotations ? { annotations: { ...this.metadata.annotations, ...checkAnnotations(ctx, 'service.annotations', service.annotations) } } : {}),
      },
      spec: {
        type: type === 'Headless' ? 'ClusterIP' : type,
        ...(type === 'Headless' ? { clusterIp: 'None' } : {}),
        ...(type === 'LoadBalancer' && service.sourceRanges ? { loadBalancerSourceRanges: sourceRanges } : {}),
        selector: this.selector,
        ports: this.ports.map((p) => ({
          name: p.name,
          port: p.port,
          targetPort: k8s.IntOrString.fromString(p.name),
          protocol: p.protocol,
          ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
        })),
      },
    });
    // Traffic from outside the cluster reaches the pods directly: admit exactly the source ranges on the serving ports.
    for (const cidr of sourceRanges) this.allowFrom(Peer.cidr(cidr));

    if (props.ingress) this.ingress = this.createIngress(ctx, props.ingress);
    const observed = this.observe(ctx, props);
    this.slo = observed.slo;
    this.dashboard = observed.dashboard;
  }

  // The exported values are made when read: thousands of services keep no copies of them.

  /** Cluster DNS name, e.g. `api.shop.svc.cluster.local`. */
  public get host(): ExportedValue {
    return ExportedValue.of([this.dnsName], this);
  }

  /** `host:port` of the main port, e.g. `api.shop.svc.cluster.local:80`. */
  public get address(): ExportedValue {
    return ExportedValue.of([`${this.dnsName}:${this.port}`], this, { port: this.port });
  }

  /** URL other workloads use, e.g. `http://api.shop.svc.cluster.local:80`. */
  public get url(): ExportedValue {
    return ExportedValue.of([this.portName === 'grpc' ? `dns:///${this.dnsName}:${this.port}` : `http://${this.dnsName}:${this.port}`], this, { port: this.port });
  }

  private get dnsName(): string {
    return `${this.serviceName}.${this.namespace}.svc.cluster.local`;
  }

  /** The SLO rules and the dashboard, which read the metrics the ServiceMonitor scrapes. */
  private observe(ctx: ErrorContext, props: WebServiceProps): { slo?: ServiceLevelObjectives; dashboard?: ServiceDashboard } {
    if (props.dashboard !== undefined) ctx.check(typeof props.dashboard === 'boolean', 'dashboard', props.dashboard, 'must be true or false');
    const slo = props.slo === undefined ? undefined : checkSlo(ctx, 'slo', props.slo);
    if (!this.monitoring) {
      ctx.check(slo === undefined, 'slo', props.slo, 'needs metrics: objectives are computed from the metrics Prometheus scrapes', 'Set metrics, e.g. { port: 9090 }');
      ctx.check(props.dashboard !== true, 'dashboard', true, 'needs metrics', 'Set metrics, e.g. { port: 9090 }');
      return {};
    }
    const labels = this.metadata.labels;
    const out: { slo?: ServiceLevelObjectives; dashboard?: ServiceDashboard } = {};
    if (slo) out.slo = new ServiceLevelObjectives(this, 'slo', { slo, service: this.serviceName, namespace: this.namespace, name: `${this.name}-slo`, labels });
    if (props.dashboard !== false) {
      out.dashboard = new ServiceDashboard(this, 'dashboard', {
        target: { kind: 'Deployment', name: this.name, namespace: this.namespace },
        service: this.serviceName,
        container: this.name,
        ...(slo?.metric ? { metric: slo.metric } : {}),
        labels,
      });
    }
    return out;
  }

  /**
   * Runs a second version beside this one and sends it `weight` percent of the requests
   * (and every request with `headers`) through the stack's service mesh:
   * `api.canary({ image: 'ecommerce/api:v2.2.0', weight: 10 })`.
   */
  public canary(props: CanaryProps): Canary {
    this.ctx.check(!this.node.tryFindChild('canary'), 'canary', props?.image, 'is already set for this service', 'Call canary() once per service');
    return new Canary(this, 'canary', props);
  }

  /** Timeouts, retries, outlier detection and connection limits for calls to this service, through the stack's mesh. */
  public traffic(props: TrafficProps): ServiceTraffic {
    this.ctx.check(!this.node.tryFindChild('traffic'), 'traffic', props, 'is already set for this service', 'Call traffic() once per service');
    return new ServiceTraffic(this, 'traffic', props);
  }

  private createIngress(ctx: ErrorContext, ingress: IngressProps): KubeObject {
    const env = this.stack.env;
    ctx.check(typeof ingress === 'object', 'ingress', ingress, 'must be { host, path?, tls?, className? }');
    checkKnownKeys(ctx, 'ingress', ingress, INGRESS_KEYS);
    const host = ingress.host;
    ctx.check(typeof host === 'string' && isDnsSubdomain(host.replace(/^\*\./, 'wildcard.')) && host.includes('.'), 'ingress.host', host, 'is not a valid host name', 'Use a fully qualified name such as "shop.example.com"');
    ctx.check(!/^[0-9.]+$/.test(host) && !host.includes(':'), 'ingress.host', host, 'is an IP address; an Ingress host must be a DNS name', 'Use a DNS name that resolves to the load balancer, or leave the Ingress out and use a LoadBalancer Service');
    const path = ingress.path ?? '/';
    ctx.check(typeof path === 'string' && path.startsWith('/') && !/\s/.test(path), 'ingress.path', path, 'must be a path starting with "/"');
    // The API server's rules for pathType Prefix (validateIngressHTTPPath).
    const bad = ['//', '/./', '/../', '%2f', '%2F'].find((s) => path.includes(s)) ?? ['/..', '/.'].find((s) => path.endsWith(s));
    ctx.check(bad === undefined, 'ingress.path', path, `must not contain ${JSON.stringify(bad)} (the API server rejects it in a Prefix path)`, 'Write the path in its plain form, e.g. "/api/v1"');
    const className = ingress.className ?? env.ingressClassName;
    ctx.check(isDnsSubdomain(className), 'ingress.className', className, 'is not a valid IngressClass name');
    const tls = ingress.tls === true ? {} : ingress.tls || undefined;
    if (tls) {
      ctx.check(typeof tls === 'object' && !Array.isArray(tls), 'ingress.tls', ingress.tls, 'must be true, false or { issuer?, secretName? }');
      checkKnownKeys(ctx, 'ingress.tls', tls, INGRESS_TLS_KEYS);
    }
    const secretName = tls ? (tls.secretName ?? `${this.name}-tls`) : undefined;
    const issuer = tls ? (tls.issuer ?? env.certIssuer) : undefined;
    if (secretName !== undefined) ctx.check(isDnsSubdomain(secretName), 'ingress.tls.secretName', secretName, 'is not a valid Secret name');
    if (issuer !== undefined) ctx.check(isDnsSubdomain(issuer), 'ingress.tls.issuer', issuer, 'is not a valid ClusterIssuer name');
    return KubeObject.create(this, 'ingress', k8s.KubeIngress, {
      metadata: { ...this.metadata, ...(issuer ? { annotations: { ...this.metadata.annotations, 'cert-manager.io/cluster-issuer': issuer } } : {}) },
      spec: {
        ingressClassName: className,
        ...(secretName ? { tls: [{ hosts: [host], secretName }] } : {}),
        rules: [
          {
            host,
            http: { paths: [{ path, pathType: 'Prefix', backend: { service: { name: this.serviceName, port: { name: this.portName } } } }] },
          },
        ],
      },
    });
  }
}
