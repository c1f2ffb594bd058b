import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import type { SizeName } from '../core/sizes.js';
import { parseDuration, type Duration } from '../core/duration.js';
import { ExportedValue, toEnvVars, type EnvValue } from '../core/env-value.js';
import { ErrorContext } from '../core/errors.js';
import { parseImage } from '../core/image.js';
import { selectorLabels, standardLabels, type WorkloadIdentity } from '../core/labels.js';
import { checkServiceName, isDnsSubdomain } from '../core/names.js';
import { buildContainer, buildPodTemplate, checkPort, checkReplicas } from '../core/pod.js';
import { buildProbes, type HealthChecks } from '../core/probes.js';
import { resolveResources, type ResourceProps } from '../core/resources.js';
import { resolveSecurity, type SecurityProps } from '../core/security.js';
import { KubeObject } from '../core/kube-object.js';
import { Workload, type WorkloadPort } from '../core/workload.js';

/** Horizontal autoscaling bounds and targets. */
export interface AutoscaleProps {
  /** Fewest replicas. */
  readonly min: number;
  /** Most replicas. */
  readonly max: number;
  /** Target average CPU utilization, percent of the request. @default 80 when no target is given */
  readonly cpu?: number;
  /** Target average memory utilization, percent of the request. @default - no memory target */
  readonly memory?: number;
}

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

/** How many pods a voluntary disruption (node drain) may take down at once. */
export interface DisruptionProps {
  /** Pods that may be unavailable at once (number or percentage). @default 1 */
  readonly maxUnavailable?: number | string;
  /** Pods that must stay available (instead of maxUnavailable). @default - not set */
  readonly minAvailable?: number | string;
}

/** Props of a {@link WebService}. */
export interface WebServiceProps {
  /** Container image with a tag or digest, e.g. `ecommerce/api:v2.1.0`. */
  readonly image: string;
  /** Port the container listens on. */
  readonly port: number;
  /** `metadata.name` of every object. @default - the construct id */
  readonly name?: string;
  /** Protocol of the port; decides the port name, default probes and URL scheme. @default 'http' */
  readonly protocol?: 'http' | 'grpc';
  /** Port of the Service. @default 80 for http, the container port for grpc */
  readonly servicePort?: number;
  /** Replicas when not autoscaled. @default - the environment's `replicas` */
  readonly replicas?: number;
  /** Resource preset. @default - the environment's `defaultSize` */
  readonly size?: SizeName;
  /** Explicit requests and limits; override the size preset field by field. @default - from the size preset */
  readonly resources?: ResourceProps;
  /** Liveness, readiness and startup checks. @default - TCP checks on the port (gRPC health for grpc) */
  readonly health?: HealthChecks;
  /** Autoscale with an HPA (where the environment enables autoscaling). @default - fixed replicas */
  readonly autoscale?: AutoscaleProps;
  /** Expose through an Ingress. @default - cluster-internal only */
  readonly ingress?: IngressProps;
  /** Environment variables: literals, Secret or ConfigMap keys, or values other constructs export. @default {} */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** Override the image's entrypoint. @default - the image's */
  readonly command?: readonly string[];
  /** Arguments to the entrypoint. @default - the image's */
  readonly args?: readonly string[];
  /** Security context settings and opt-outs. @default - Pod Security "restricted", UID 10001, read-only root */
  readonly security?: SecurityProps;
  /** Accept an image tagged `latest` or untagged. @default - the environment's `allowLatestTag` */
  readonly allowLatestTag?: boolean;
  /** Image pull policy. @default 'Always' for tags, 'IfNotPresent' for digests */
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent';
  /** Disruption budget settings (emitted when more than one replica can run). @default { maxUnavailable: 1 } */
  readonly disruption?: DisruptionProps;
  /** Sleep before SIGTERM so load balancers stop sending traffic; `0` for none. @default - the environment's `preStopSeconds` */
  readonly preStop?: Duration;
  /** `app.kubernetes.io/component`. @default 'web' */
  readonly component?: string;
}

const PERCENT = /^(\d{1,3})%$/;

/**
 * A stateless HTTP or gRPC service: Deployment, Service, ServiceAccount, and as
 * configured an Ingress, a HorizontalPodAutoscaler and a PodDisruptionBudget.
 */
export class WebService extends Workload {
  /** `metadata.name` of the objects. */
  public readonly name: string;
  /** The Service port. */
  public readonly port: number;
  /** The container port. */
  public readonly containerPort: number;
  /** The container port's name (`http` or `grpc`). */
  public readonly portName: string;
  /** Cluster DNS name, e.g. `api.shop.svc.cluster.local`. */
  public readonly host: ExportedValue;
  /** URL other workloads use, e.g. `http://api.shop.svc.cluster.local:80`. */
  public readonly url: ExportedValue;
  /** Labels that select this service's pods. */
  public readonly selector: Readonly<Record<string, string>>;
  /** The port peers connect to. */
  public readonly ports: readonly WorkloadPort[];
  /** The ServiceAccount. */
  public readonly serviceAccount: KubeObject;
  /** The Deployment. */
  public readonly deployment: KubeObject;
  /** The Service. */
  public readonly service: KubeObject;
  /** The Ingress, when `ingress` is set. */
  public readonly ingress?: KubeObject;
  /** The HorizontalPodAutoscaler, when autoscaled. */
  public readonly autoscaler?: KubeObject;
  /** The PodDisruptionBudget, when more than one replica can run. */
  public readonly disruptionBudget?: KubeObject;
  /** The smallest and largest number of replicas that can run. */
  public readonly replicaRange: { readonly min: number; readonly max: number };

  private readonly envVars: k8s.EnvVar[];

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    const ctx = this.ctx;
    if (!props || typeof props !== 'object') throw ctx.error('props', props, 'are required', 'Pass at least { image, port }');
    const stack = this.stack;
    const env = stack.env;
    this.name = checkServiceName(ctx, props.name === undefined ? 'id' : 'name', props.name ?? id);
    const image = parseImage(ctx, 'image', props.image, props.allowLatestTag ?? env.allowLatestTag);
    const protocol = props.protocol ?? 'http';
    ctx.check(protocol === 'http' || protocol === 'grpc', 'protocol', protocol, 'must be "http" or "grpc"');
    this.containerPort = checkPort(ctx, 'port', props.port);
    this.port = checkPort(ctx, 'servicePort', props.servicePort ?? (protocol === 'http' ? 80 : this.containerPort));
    this.portName = protocol;
    this.ports = [{ name: this.portName, port: this.port, containerPort: this.containerPort, protocol: 'TCP' }];
    if (this.containerPort < 1024 && !props.security?.bindLowPorts) {
      throw ctx.error('port', props.port, 'is below 1024, which a non-root process cannot bind', 'Listen on a port >= 1024 (the Service can still expose 80) or set security.bindLowPorts');
    }

    const identity: WorkloadIdentity = { name: this.name, partOf: stack.partOf, component: props.component ?? 'web', version: image.version };
    const labels = standardLabels(identity);
    this.selector = selectorLabels(identity);
    const metadata = { name: this.name, labels };

    this.replicaRange = this.resolveReplicas(ctx, props);
    const security = resolveSecurity(ctx, props.security);
    this.envVars = props.env ? toEnvVars(ctx, 'env', props.env) : [];
    if (props.env) this.recordConsumedValues(props.env);
    const preStopSeconds = props.preStop === undefined ? env.preStopSeconds : parseDuration(ctx, 'preStop', props.preStop, 0);
    const container = buildContainer({
      name: this.name,
      image: image.ref,
      imagePullPolicy: props.imagePullPolicy ?? (image.digest ? 'IfNotPresent' : 'Always'),
      ports: [{ name: this.portName, port: this.containerPort }],
      env: this.envVars,
      probes: buildProbes(ctx, props.health, { port: this.containerPort, portName: this.portName, grpc: protocol === 'grpc' }),
      resources: resolveResources(ctx, env, props.size, props.resources),
      security,
      command: props.command,
      args: props.args,
      preStopSeconds,
    });

    this.serviceAccount = KubeObject.create(this, 'service-account', k8s.KubeServiceAccount, { metadata, automountServiceAccountToken: false });
    const autoscaled = this.replicaRange.min !== this.replicaRange.max;
    this.deployment = KubeObject.create(this, 'deployment', k8s.KubeDeployment, {
      metadata,
      spec: {
        ...(autoscaled ? {} : { replicas: this.replicaRange.min }),
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: buildPodTemplate({
          identity,
          env,
          containers: [container],
          security,
          serviceAccountName: this.name,
          terminationGracePeriodSeconds: 30 + preStopSeconds,
          topologySpread: env.topologySpread && this.replicaRange.max > 1,
        }),
      },
    });
    this.service = KubeObject.create(this, 'service', k8s.KubeService, {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector: this.selector,
        ports: [{ name: this.portName, port: this.port, targetPort: k8s.IntOrString.fromString(this.portName), protocol: 'TCP' }],
      },
    });

    const host = `${this.name}.${this.namespace}.svc.cluster.local`;
    this.host = ExportedValue.of([host], this);
    this.url = ExportedValue.of([protocol === 'http' ? `http://${host}:${this.port}` : `dns:///${host}:${this.port}`], this, { port: this.port });

    if (props.ingress) this.ingress = this.createIngress(ctx, props.ingress, metadata);
    if (autoscaled) this.autoscaler = this.createAutoscaler(props.autoscale!, metadata);
    if (env.podDisruptionBudgets && this.replicaRange.max > 1) {
      this.disruptionBudget = this.createDisruptionBudget(ctx, props.disruption, metadata);
    }
  }

  /** Adds an environment variable after construction, e.g. `api.env('DATABASE_URL', db.url)`. */
  public env(name: string, value: EnvValue): this {
    if (this.envVars.some((e) => e.name === name)) throw this.ctx.error(`env.${name}`, name, 'is already set', 'Each variable may be set once');
    const added = toEnvVars(this.ctx, 'env', { [name]: value });
    this.envVars.push(...added);
    this.recordConsumedValues({ [name]: value });
    // The Deployment was rendered when it was created: add the variables to its container.
    const container = this.deployment.manifest.spec.template.spec.containers[0];
    // EnvVar fields have the same names in the typed props and in JSON; the round trip drops unset ones.
    container.env = [...(container.env ?? []), ...JSON.parse(JSON.stringify(added))];
    return this;
  }

  private resolveReplicas(ctx: ErrorContext, props: WebServiceProps): { min: number; max: number } {
    const env = this.stack.env;
    if (props.autoscale && props.replicas !== undefined) {
      throw ctx.error('replicas', props.replicas, 'cannot be set together with autoscale', 'The autoscaler owns the replica count; remove replicas or autoscale');
    }
    if (props.replicas !== undefined) {
      const n = checkReplicas(ctx, 'replicas', props.replicas);
      return { min: n, max: n };
    }
    const a = props.autoscale;
    if (!a) return { min: env.replicas, max: env.replicas };
    const min = checkReplicas(ctx, 'autoscale.min', a.min);
    const max = checkReplicas(ctx, 'autoscale.max', a.max);
    ctx.check(min <= max, 'autoscale.min', min, `is greater than autoscale.max (${max})`, 'Set min <= max');
    ctx.check(min < max, 'autoscale.max', max, `equals autoscale.min (${min}), so nothing would scale`, 'Use replicas for a fixed count');
    for (const metric of ['cpu', 'memory'] as const) {
      const v = a[metric];
      if (v !== undefined) ctx.check(Number.isInteger(v) && v >= 1 && v <= 100, `autoscale.${metric}`, v, 'must be a whole percentage from 1 to 100');
    }
    if (!env.autoscaling.enabled) return { min: env.replicas, max: env.replicas };
    const floor = env.autoscaling.minReplicasFloor ?? 1;
    const cap = env.autoscaling.maxReplicasCap ?? Number.MAX_SAFE_INTEGER;
    const lo = Math.max(min, floor);
    return { min: lo, max: Math.max(lo, Math.min(max, cap)) };
  }

  private createIngress(ctx: ErrorContext, ingress: IngressProps, metadata: k8s.ObjectMeta): KubeObject {
    const env = this.stack.env;
    const host = ingress.host;
    ctx.check(typeof host === 'string' && isDnsSubdomain(host.replace(/^\*\./, 'wildcard.')) && host.includes('.'), 'ingress.host', host, 'is not a valid host name', 'Use a fully qualified name such as "shop.example.com"');
    const path = ingress.path ?? '/';
    ctx.check(typeof path === 'string' && path.startsWith('/') && !/\s/.test(path), 'ingress.path', path, 'must be a path starting with "/"');
    const className = ingress.className ?? env.ingressClassName;
    ctx.check(isDnsSubdomain(className), 'ingress.className', className, 'is not a valid IngressClass name');
    const tls = ingress.tls === true ? {} : ingress.tls || undefined;
    const secretName = tls ? (tls.secretName ?? `${this.name}-tls`) : undefined;
    const issuer = tls ? (tls.issuer ?? env.certIssuer) : undefined;
    if (secretName !== undefined) ctx.check(isDnsSubdomain(secretName), 'ingress.tls.secretName', secretName, 'is not a valid Secret name');
    if (issuer !== undefined) ctx.check(isDnsSubdomain(issuer), 'ingress.tls.issuer', issuer, 'is not a valid ClusterIssuer name');
    return KubeObject.create(this, 'ingress', k8s.KubeIngress, {
      metadata: { ...metadata, ...(issuer ? { annotations: { 'cert-manager.io/cluster-issuer': issuer } } : {}) },
      spec: {
        ingressClassName: className,
        ...(secretName ? { tls: [{ hosts: [host], secretName }] } : {}),
        rules: [
          {
            host,
            http: { paths: [{ path, pathType: 'Prefix', backend: { service: { name: this.name, port: { name: this.portName } } } }] },
          },
        ],
      },
    });
  }

  private createAutoscaler(a: AutoscaleProps, metadata: k8s.ObjectMeta): KubeObject {
    const metrics: k8s.MetricSpecV2[] = [];
    const cpu = a.cpu ?? (a.memory === undefined ? 80 : undefined);
    if (cpu !== undefined) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } } });
    if (a.memory !== undefined) metrics.push({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: a.memory } } });
    return KubeObject.create(this, 'autoscaler', k8s.KubeHorizontalPodAutoscalerV2, {
      metadata,
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
        minReplicas: this.replicaRange.min,
        maxReplicas: this.replicaRange.max,
        metrics,
      },
    });
  }

  private createDisruptionBudget(ctx: ErrorContext, d: DisruptionProps | undefined, metadata: k8s.ObjectMeta): KubeObject {
    if (d?.minAvailable !== undefined && d.maxUnavailable !== undefined) {
      throw ctx.error('disruption', d, 'sets both minAvailable and maxUnavailable', 'Set one of them');
    }
    const min = this.replicaRange.min;
    const budget = (field: string, v: number | string, blocks: (n: number, percent: boolean) => boolean): k8s.IntOrString => {
      const match = typeof v === 'string' ? PERCENT.exec(v) : null;
      if (typeof v === 'number') ctx.check(Number.isInteger(v) && v >= 0, field, v, 'must be a whole number >= 0 or a percentage like "25%"');
      else ctx.check(match !== null && Number(match[1]) <= 100, field, v, 'must be a whole number >= 0 or a percentage like "25%"');
      const n = typeof v === 'number' ? v : Number(match![1]);
      if (blocks(n, typeof v === 'string')) {
        throw ctx.error(field, v, `blocks every voluntary eviction with ${min} replica${min === 1 ? '' : 's'}`, 'Node drains would hang; allow at least one pod to be evicted (e.g. maxUnavailable: 1)');
      }
      return typeof v === 'number' ? k8s.IntOrString.fromNumber(v) : k8s.IntOrString.fromString(v);
    };
    const spec: k8s.PodDisruptionBudgetSpec =
      d?.minAvailable !== undefined
        ? { minAvailable: budget('disruption.minAvailable', d.minAvailable, (n, pct) => (pct ? Math.ceil((n / 100) * min) >= min : n >= min)), selector: { matchLabels: this.selector } }
        : { maxUnavailable: budget('disruption.maxUnavailable', d?.maxUnavailable ?? 1, (n) => n < 1), selector: { matchLabels: this.selector } };
    return KubeObject.create(this, 'disruption-budget', k8s.KubePodDisruptionBudget, { metadata, spec });
  }
}
