import { createHash } from 'node:crypto';
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import type { SizeName } from '../core/sizes.js';
import { parseDuration, type Duration } from '../core/duration.js';
import { ExportedValue, type SecretKeyRef, type ValuePart } from '../core/env-value.js';
import { ErrorContext } from '../core/errors.js';
import { KubeObject } from '../core/kube-object.js';
import { parseImage } from '../core/image.js';
import { selectorLabels, sortLabels, standardLabels, type WorkloadIdentity } from '../core/labels.js';
import { checkServiceName, isDnsSubdomain } from '../core/names.js';
import { buildContainer, buildPodTemplate, checkReplicas } from '../core/pod.js';
import { parseStorage, type ByteQuantity } from '../core/quantity.js';
import { resolveResources, type ResourceProps } from '../core/resources.js';
import { resolveSecurity, type ResolvedSecurity } from '../core/security.js';
import { Workload, type WorkloadPort } from '../core/workload.js';
import { waiveImplied } from '../core/checks/waivers.js';
import { ExternalSecret } from '../imports/external-secrets.js';
import { DisruptionBudget } from '../scaling/disruption-budget.js';
import { checkKnownKeys, checkObject, propKeys } from '../core/props.js';
import { templateContainers, VerticalAutoscaler, type VerticalScalingProps } from '../scaling/vertical-autoscaler.js';
import { addWorkloadMonitoring, type WorkloadMonitoring } from '../observability/workload-monitoring.js';
import type { AlertRuleProps } from '../observability/prometheus-rule.js';
import { DATABASE_ALERT_KEYS, pascal, type DatabaseAlertsProps, type ExtraAlert } from '../observability/workload-alerts.js';
import { DatabaseBackup, type BackupProps } from './backup.js';

/** An existing Secret with the database credentials. */
export interface SecretCredentials<K extends string> {
  /** Name of the Secret in the stack's namespace. */
  readonly secret: string;
  /** Key of each credential inside the Secret. @default - the engine's key names (e.g. `username`, `password`) */
  readonly keys?: { readonly [P in K]?: string };
}

/** Credentials fetched by the External Secrets Operator into a Secret it creates. */
export interface ExternalSecretCredentials<K extends string> {
  readonly externalSecret: {
    /** Name of the SecretStore or ClusterSecretStore to read from. */
    readonly store: string;
    /** Kind of the store. @default 'ClusterSecretStore' */
    readonly storeKind?: 'SecretStore' | 'ClusterSecretStore';
    /** Key (path) of the entry in the provider, e.g. `prod/orders-db`. */
    readonly remoteKey: string;
    /** Property of the entry that holds each credential. @default - the engine's key names */
    readonly properties?: { readonly [P in K]?: string };
    /** How often the operator refreshes the Secret, e.g. `1h`, `15m`. @default '1h' */
    readonly refreshInterval?: string;
    /** Name of the Secret the operator writes. @default '<name>-credentials' */
    readonly secretName?: string;
  };
}

/** Where the credentials come from: never plaintext in the manifests. */
export type DatabaseCredentials<K extends string> = SecretCredentials<K> | ExternalSecretCredentials<K>;

/** Props every database shares. */
export interface DatabaseProps<K extends string> {
  /** Where the credentials come from: an existing Secret or an ExternalSecret. */
  readonly credentials: DatabaseCredentials<K>;
  /** Engine version: the official image's tag (e.g. `"16.4"` for Postgres). @default - the engine's pinned version */
  readonly version?: string;
  /** `metadata.name` of every object (at most 40 characters). @default - the construct id */
  readonly name?: string;
  /** Size of the data volume of each pod, e.g. `"20Gi"`. @default '10Gi' */
  readonly storage?: ByteQuantity;
  /** StorageClass of the data volumes; pick one with `allowVolumeExpansion` to grow them later. @default - the cluster's default StorageClass */
  readonly storageClass?: string;
  /** Access mode of the data volumes. @default 'ReadWriteOnce' */
  readonly accessMode?: 'ReadWriteOnce' | 'ReadWriteOncePod';
  /** Resource preset. @default - the environment's `defaultSize` */
  readonly size?: SizeName;
  /** Explicit requests and limits; override the size preset field by field. @default - from the size preset */
  readonly resources?: ResourceProps;
  /**
   * Run the engine's Prometheus exporter as a sidecar on a port named `metrics`, scraped by a
   * ServiceMonitor, with the workload and engine alerts (down, connections near the limit,
   * replication lag, memory).
   * @default false
   */
  readonly metrics?: boolean;
  /**
   * Tune or remove the alerts that come with `metrics`: `false` removes them all,
   * `{ replicationLag: { threshold: 60 }, pvcNearlyFull: false }` tunes or removes one.
   * @default - every alert that applies
   */
  readonly alerts?: false | DatabaseAlertsProps;
  /** Dump the database on a schedule to a PersistentVolumeClaim. @default - no backups */
  readonly backup?: BackupProps;
  /** Time the engine gets for a clean shutdown after SIGTERM. @default - the engine's (120s, 60s for Redis) */
  readonly terminationGracePeriod?: Duration;
  /** A VerticalPodAutoscaler for the primary's StatefulSet (e.g. `{ mode: 'Off' }` for recommendations only). @default - no VPA */
  readonly vpa?: VerticalScalingProps;
}

/** Read replicas that stream from the primary. */
export interface ReadReplicaProps {
  /** Number of replica pods. @default - one fewer than the environment's `replicas`, at least 1 */
  readonly count?: number;
}

/** A credential's Secret key and the env variable that carries it. */
export interface CredentialRefs<K extends string> {
  /** Name of the Secret holding the credentials. */
  readonly secretName: string;
  /** Secret key reference of each credential. */
  readonly refs: Readonly<Record<K, SecretKeyRef>>;
  /** An env variable set from a credential. */
  env(name: string, credential: K): k8s.EnvVar;
}

/** What an engine's container, exporter and backup need to know about the database. */
export interface EngineContext<K extends string> {
  /** The client Service's cluster DNS name. */
  readonly host: string;
  /** The credentials. */
  readonly credentials: CredentialRefs<K>;
}

/** The engine-specific parts of the main container. */
export interface EngineContainer {
  /** Environment variables of the main container. */
  readonly env: k8s.EnvVar[];
  /** Arguments to the image entrypoint. @default - none */
  readonly args?: readonly string[];
  /** Extra volumes of the pod (e.g. memory-backed emptyDirs). */
  readonly volumes?: readonly k8s.Volume[];
  /** Extra volume mounts of the main container. @default - none */
  readonly mounts?: readonly k8s.VolumeMount[];
  /** Init containers that prepare the data volume. */
  readonly initContainers?: readonly InitContainerSpec[];
}

/** An init container running the engine image with a shell script. */
export interface InitContainerSpec {
  /** Container name. */
  readonly name: string;
  /** Environment variables of the script. */
  readonly env: k8s.EnvVar[];
  /** Shell script run with `sh -c`. */
  readonly script: string;
}

/** How one engine runs on its official image. */
export interface Engine<K extends string> {
  /** Display name in errors, e.g. `Postgres`. */
  readonly title: string;
  /** Container and port name, e.g. `postgres`. */
  readonly id: string;
  /** Official image repository, e.g. `postgres`, `mongo`. */
  readonly image: string;
  /** Pinned default tag. */
  readonly defaultVersion: string;
  /** Accepted tag format and the rule shown when it does not match. */
  readonly version: { readonly pattern: RegExp; readonly rule: string; readonly minMajor: number };
  /** The port the engine listens on. */
  readonly port: number;
  /** UID and GID of the image's database user. */
  readonly uid: number;
  /** Mount path of the data volume. */
  readonly dataPath: string;
  /** Paths the engine writes outside its data volume (emptyDirs on a read-only root). */
  readonly writablePaths: readonly string[];
  /** Default Secret key of each credential. */
  readonly credentialKeys: Readonly<Record<K, string>>;
  /** Seconds a clean shutdown may take (checkpoint, flush). */
  readonly terminationGraceSeconds: number;
  /** Configuration files mounted read-only into the main container (from a ConfigMap `<name>-config`). */
  readonly config?: { readonly mountPath: string; readonly files: Readonly<Record<string, string>> };
  /** Readiness and liveness commands; liveness must tolerate a database that is recovering. */
  readonly probes: { readonly ready: readonly string[]; readonly live: readonly string[]; readonly timeoutSeconds: number };
  /** Env, args, volumes and init containers of the main container for a role. */
  readonly container: (c: EngineContext<K>, role: MemberRole) => EngineContainer;
  /** The Prometheus exporter sidecar. */
  readonly exporter: ExporterSpec<K>;
  /** How to dump the database: file extension, env and the dump script. */
  readonly backup: { readonly extension: string; readonly env: (c: EngineContext<K>) => k8s.EnvVar[]; readonly script: (c: EngineContext<K>, file: string) => string };
  /** Parts of the client URL. */
  readonly url: (c: EngineContext<K>) => ValuePart[];
}

/** A Prometheus exporter sidecar. */
export interface ExporterSpec<K extends string> {
  /** Pinned exporter image. */
  readonly image: string;
  /** Port the exporter serves `/metrics` on. */
  readonly port: number;
  /** Environment variables (connection and credentials). */
  readonly env: (c: EngineContext<K>) => k8s.EnvVar[];
  /** Arguments. @default - none */
  readonly args?: readonly string[];
  /** The engine's alerts on the exporter's metrics, by the key that tunes them in `alerts`. */
  readonly alerts: (target: ExporterTarget) => Readonly<Record<string, ExtraAlert>>;
}

/** The pods an exporter's alerts watch. */
export interface ExporterTarget {
  /** The database name (alert names start with it). */
  readonly name: string;
  /** PromQL label matchers that pick the database's pods, e.g. `namespace="shop", pod=~"db(-replica)?-[0-9]+"`. */
  readonly pods: string;
  /** Whether the database has read replicas. */
  readonly replicas: boolean;
}

/** An engine alert named after the database, e.g. `OrdersDbDatabaseDown`. */
export function engineAlert(t: ExporterTarget, name: string, rule: Omit<AlertRuleProps, 'alert'>): AlertRuleProps {
  return { alert: `${pascal(t.name)}${name}`, ...rule };
}

/** Primary (takes writes) or replica (streams from the primary). */
export type MemberRole = 'primary' | 'replica';

/** The objects of one StatefulSet: the pods, their governing headless Service and the Service clients use. */
export interface DatabaseMembers {
  /** The StatefulSet. */
  readonly statefulSet: KubeObject;
  /** The governing headless Service (stable pod DNS). */
  readonly headlessService: KubeObject;
  /** The Service clients connect to. */
  readonly service: KubeObject;
}

const MAX_NAME = 40;

/** The keys of {@link DatabaseProps}; engines with more props spread these into their own {@link propKeys} list. */
export const DATABASE_KEYS = propKeys<DatabaseProps<string>>()(
  'credentials', 'version', 'name', 'storage', 'storageClass', 'accessMode', 'size', 'resources', 'metrics', 'alerts', 'backup', 'terminationGracePeriod', 'vpa',
);
const SECRET_CREDENTIAL_KEYS = propKeys<SecretCredentials<string>>()('secret', 'keys');
const EXTERNAL_CREDENTIAL_KEYS = propKeys<ExternalSecretCredentials<string>['externalSecret']>()('store', 'storeKind', 'remoteKey', 'properties', 'refreshInterval', 'secretName');

/** The error context of a construct that is about to be created as `scope/id` (for checks before `super`). */
export function errorContextFor(scope: Construct, id: string): ErrorContext {
  return new ErrorContext(scope.node.path ? `${scope.node.path}/${id}` : id);
}
const DATA_VOLUME = 'data';

/**
 * Base of the StatefulSet databases: a StatefulSet on the official image with a
 * headless Service for stable pod DNS and a client Service, persistent volumes
 * from volumeClaimTemplates, engine probes, Pod Security "restricted" with the
 * image's own UID, an optional exporter sidecar, backups and read replicas.
 *
 * Data volumes are kept when the StatefulSet is deleted or scaled down. A
 * StatefulSet's volumeClaimTemplates cannot change in place: to grow a volume,
 * use a StorageClass with `allowVolumeExpansion`, raise `storage`, patch each
 * PVC's `spec.resources.requests.storage` to the new size, then recreate the
 * StatefulSet with `kubectl delete statefulset <name> --cascade=orphan` and sync.
 *
 * Only the peers given to `allowFrom` reach the database port, e.g.
 * `db.allowFrom(api)`; with read replicas or backups the database also admits
 * its own pods.
 */
export abstract class Database<K extends string> extends Workload {
  /** `metadata.name` of the objects. */
  public readonly name: string;
  /** Labels that select every pod of the database (primary and replicas). */
  public readonly selector: Readonly<Record<string, string>>;
  /** The database port. */
  public readonly ports: readonly WorkloadPort[];
  /** The database port number (usable as an env value). */
  public readonly port: number;
  /** Cluster DNS name of the primary's Service, e.g. `db.shop.svc.cluster.local`. */
  public readonly host: ExportedValue;
  /** Connection URL with the credentials resolved from the Secret in the pod. */
  public readonly url: ExportedValue;
  /** Secret key reference of each credential, e.g. `db.credentials.password`. */
  public readonly credentials: Readonly<Record<K, SecretKeyRef>>;
  /** Name of the Secret with the credentials. */
  public readonly credentialsSecretName: string;
  /** The ServiceAccount of the pods. */
  public readonly serviceAccount: KubeObject;
  /** The primary's StatefulSet. */
  public readonly statefulSet: KubeObject;
  /** The headless Service that governs the primary's StatefulSet (`<name>-headless`). */
  public readonly headlessService: KubeObject;
  /** The Service clients connect to (`<name>`). */
  public readonly service: KubeObject;
  /** The ExternalSecret, when credentials come from an external store. */
  public readonly externalSecret?: ExternalSecret;
  /** The PodDisruptionBudget over all pods, when the environment asks for one. */
  public readonly disruptionBudget?: KubeObject;
  /** The VerticalPodAutoscaler of the primary, when `vpa` is set. */
  public readonly verticalAutoscaler?: KubeObject;
  /** The backup CronJob and its volume, when `backup` is set. */
  public readonly backup?: DatabaseBackup;
  /** The ConfigMap with the engine's configuration files, when the engine has any. */
  public readonly configMap?: KubeObject;
  /** The ServiceMonitor and alerts, when `metrics` is set. */
  public readonly monitoring?: WorkloadMonitoring;

  protected readonly engine: Engine<K>;
  protected readonly identity: WorkloadIdentity;
  protected readonly context: EngineContext<K>;
  private readonly imageRef: string;
  private readonly security: ResolvedSecurity;
  private readonly resources: k8s.ResourceRequirements;
  private readonly storageClaim: k8s.KubePersistentVolumeClaimProps;
  private readonly terminationGraceSeconds: number;
  private readonly exporter?: k8s.Container;
  private readonly podCount: number;
  /** Pods of the read-replica StatefulSet the subclass adds with {@link addMembers} (0 for none). */
  protected readonly readReplicaCount: number;

  /** `keys` are every props key the engine accepts (a {@link propKeys} list of its props). */
  protected constructor(scope: Construct, id: string, props: DatabaseProps<K>, engine: Engine<K>, readReplicas?: ReadReplicaProps, keys: readonly string[] = DATABASE_KEYS) {
    super(scope, id);
    const ctx = this.ctx;
    if (!props || typeof props !== 'object') throw ctx.error('props', props, 'are required', 'Pass at least { credentials }');
    checkKnownKeys(ctx, '', props, keys);
    if (props.metrics !== undefined) ctx.check(typeof props.metrics === 'boolean', 'metrics', props.metrics, 'must be true or false');
    // Every engine's alert keys here; the engine's own exporter alerts narrow them when the alerts are made.
    if (props.alerts !== false) checkKnownKeys(ctx, 'alerts', props.alerts, DATABASE_ALERT_KEYS);
    const env = this.stack.env;
    this.engine = engine;
    this.name = checkServiceName(ctx, props.name === undefined ? 'id' : 'name', props.name ?? id, MAX_NAME);
    const version = this.checkVersion(props.version ?? engine.defaultVersion);
    this.imageRef = parseImage(ctx, 'version', `${engine.image}:${version}`).ref;
    this.identity = { name: this.name, partOf: this.stack.partOf, component: 'database', version };
    this.selector = selectorLabels(this.identity);
    this.port = engine.port;
    const enginePort: WorkloadPort = { name: engine.id, port: engine.port, containerPort: engine.port, protocol: 'TCP' };
    this.readReplicaCount = this.checkReadReplicas(readReplicas);
    this.podCount = 1 + this.readReplicaCount;

    const creds = this.resolveCredentials(props.credentials);
    this.credentials = creds.refs;
    this.credentialsSecretName = creds.secretName;
    const hostName = `${this.name}.${this.namespace}.svc.cluster.local`;
    this.context = { host: hostName, credentials: creds };
    this.host = ExportedValue.of([hostName], this);
    this.url = ExportedValue.of(engine.url(this.context), this, { port: engine.port });

    this.storageClaim = this.resolveStorage(props);
    this.resources = resolveResources(ctx, env, props.size, props.resources);
    this.security = resolveSecurity(ctx, { runAsUser: engine.uid, runAsGroup: engine.uid, fsGroup: engine.uid, writablePaths: engine.writablePaths });
    this.terminationGraceSeconds =
      props.terminationGracePeriod === undefined ? engine.terminationGraceSeconds : parseDuration(ctx, 'terminationGracePeriod', props.terminationGracePeriod, 10);
    this.exporter = props.metrics ? this.buildExporter() : undefined;
    const metricsPort = this.exporter?.ports?.[0]?.containerPort;
    this.ports = metricsPort === undefined ? [enginePort] : [enginePort, { name: 'metrics', port: metricsPort, containerPort: metricsPort, protocol: 'TCP', metricsOnly: true }];

    if (engine.config) {
      this.configMap = KubeObject.create(this, 'config', k8s.KubeConfigMap, {
        metadata: { name: `${this.name}-config`, labels: standardLabels(this.identity) },
        data: { ...engine.config.files },
      });
    }
    this.serviceAccount = KubeObject.create(this, 'service-account', k8s.KubeServiceAccount, {
      metadata: { name: this.name, labels: standardLabels(this.identity) },
      automountServiceAccountToken: false,
    });
    const primary = this.addMembers('primary', 1, this.name, this.name);
    this.statefulSet = primary.statefulSet;
    this.headlessService = primary.headlessService;
    this.service = primary.service;
    if (props.vpa !== undefined) {
      this.verticalAutoscaler = new VerticalAutoscaler(this, 'vertical-autoscaler', {
        target: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: this.name },
        containers: templateContainers(this.statefulSet, ['spec', 'template']),
        scaling: props.vpa,
        metadata: { name: this.name, labels: standardLabels(this.identity) },
        errors: { ctx, field: 'vpa' },
      }).object;
    }

    if (env.podDisruptionBudgets) {
      // One pod at a time; pods that are not ready may always be evicted, so a crash-looping
      // member never blocks a node drain.
      this.disruptionBudget = new DisruptionBudget(this, 'disruption-budget', {
        selector: this.selector,
        minReplicas: 1,
        metadata: { name: this.name, labels: standardLabels(this.identity) },
        errors: { ctx, field: 'disruption' },
      }).object;
    } else if (this.podCount > 1) waiveImplied(this, 'missing-pdb', `the ${env.name} environment runs without PodDisruptionBudgets (podDisruptionBudgets: false)`);
    if (props.backup) {
      this.backup = new DatabaseBackup(this, 'backup', {
        ctx,
        props: props.backup,
        name: `${this.name}-backup`,
        identity: { ...this.identity, component: 'backup' },
        image: this.imageRef,
        serviceAccountName: this.name,
        security: resolveSecurity(ctx, { runAsUser: engine.uid, runAsGroup: engine.uid, fsGroup: engine.uid }),
        defaultStorage: this.storageClaim.spec!.resources!.requests!.storage!.value as string,
        extension: engine.backup.extension,
        env: engine.backup.env(this.context),
        script: (file) => engine.backup.script(this.context, file),
      });
    }
    // Replicas stream from the primary and backup pods (which carry this selector) dump it.
    if (this.readReplicaCount > 0 || this.backup) this.allowFrom(this);
    if (metricsPort !== undefined) this.monitoring = this.monitor(props.alerts);
  }

  /** A ServiceMonitor on the exporter (the NetworkPolicy admits Prometheus on `metrics` only) and the alerts. */
  private monitor(alerts: false | DatabaseAlertsProps | undefined): WorkloadMonitoring {
    const pods = `namespace=${JSON.stringify(this.namespace)}, pod=~${JSON.stringify(`${this.name}(-replica)?-[0-9]+`)}`;
    return addWorkloadMonitoring(this, {
      through: 'service',
      metrics: { port: 'metrics' },
      portName: 'metrics',
      target: { kind: 'StatefulSet', name: this.name, namespace: this.namespace, claimTemplates: [DATA_VOLUME] },
      alerts,
      extraAlerts: this.engine.exporter.alerts({ name: this.name, pods, replicas: this.readReplicaCount > 0 }),
      labels: standardLabels(this.identity),
    });
  }

  /**
   * Adds a StatefulSet of `count` pods in `role`, with its headless Service and a
   * client Service named `serviceName`.
   */
  protected addMembers(role: MemberRole, count: number, statefulSetName: string, serviceName: string): DatabaseMembers {
    const env = this.stack.env;
    const engine = this.engine;
    const identity: WorkloadIdentity = { ...this.identity, component: role };
    const labels = standardLabels(identity);
    const selector = sortLabels({ ...selectorLabels(identity), 'app.kubernetes.io/component': role });
    const headlessName = `${statefulSetName}-headless`;
    const spec = engine.container(this.context, role);
    const mounts: k8s.VolumeMount[] = [
      { name: DATA_VOLUME, mountPath: engine.dataPath },
      ...(engine.config ? [{ name: 'config', mountPath: engine.config.mountPath, readOnly: true }] : []),
      ...(spec.mounts ?? []),
    ];
    const volumes: k8s.Volume[] = [...(this.configMap ? [{ name: 'config', configMap: { name: this.configMap.name } }] : []), ...(spec.volumes ?? [])];
    const execProbe = (command: readonly string[], periodSeconds: number, failureThreshold: number): k8s.Probe => ({
      exec: { command: [...command] },
      periodSeconds,
      timeoutSeconds: engine.probes.timeoutSeconds,
      failureThreshold,
    });
    const main = buildContainer({
      name: engine.id,
      image: this.imageRef,
      imagePullPolicy: 'Always',
      ports: [{ name: engine.id, port: engine.port }],
      env: spec.env,
      probes: {
        // Startup allows 15 minutes for first initialisation or crash recovery before liveness applies.
        startupProbe: execProbe(engine.probes.live, 10, 90),
        readinessProbe: execProbe(engine.probes.ready, 10, 3),
        // Two minutes of failures before a restart, so a busy or recovering database is not killed.
        livenessProbe: execProbe(engine.probes.live, 20, 6),
      },
      resources: this.resources,
      security: this.security,
      mounts,
      args: spec.args,
    });
    const initContainers = (spec.initContainers ?? []).map((init) =>
      buildContainer({
        name: init.name,
        image: this.imageRef,
        imagePullPolicy: 'Always',
        ports: [],
        env: init.env,
        probes: {},
        resources: this.resources,
        security: this.security,
        mounts,
        command: ['sh', '-c', init.script],
      }),
    );
    const template = buildPodTemplate({
      identity,
      env,
      containers: [main, ...(this.exporter ? [this.exporter] : [])],
      initContainers,
      security: this.security,
      serviceAccountName: this.name,
      volumes,
      annotations: engine.config ? { 'keelson.dev/config-checksum': checksum(engine.config.files) } : undefined,
      terminationGracePeriodSeconds: this.terminationGraceSeconds,
      topologySpread: env.topologySpread && count > 1,
    });
    const podSpec = template.spec!;
    const statefulSet = KubeObject.create(this, `${role}-statefulset`, k8s.KubeStatefulSet, {
      metadata: { name: statefulSetName, labels },
      spec: {
        replicas: count,
        serviceName: headlessName,
        selector: { matchLabels: selector },
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate' },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: { metadata: template.metadata, spec: this.podCount > 1 ? { ...podSpec, affinity: this.antiAffinity() } : podSpec },
        volumeClaimTemplates: [{ metadata: { name: DATA_VOLUME, labels }, spec: this.storageClaim.spec }],
      },
    });
    const ports = [
      { name: engine.id, port: engine.port, targetPort: k8s.IntOrString.fromString(engine.id), protocol: 'TCP' },
      ...(this.exporter ? [{ name: 'metrics', port: this.exporter.ports![0]!.containerPort, targetPort: k8s.IntOrString.fromString('metrics'), protocol: 'TCP' }] : []),
    ];
    const headlessService = KubeObject.create(this, `${role}-headless-service`, k8s.KubeService, {
      metadata: { name: headlessName, labels },
      spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector, ports },
    });
    const service = KubeObject.create(this, `${role}-service`, k8s.KubeService, {
      metadata: { name: serviceName, labels },
      spec: { type: 'ClusterIP', selector, ports: [ports[0]!] },
    });
    return { statefulSet, headlessService, service };
  }

  /** Checks the read-replica count; an empty object takes one fewer than the environment's replicas. */
  private checkReadReplicas(replicas: ReadReplicaProps | undefined): number {
    if (replicas === undefined) return 0;
    if (replicas === null || typeof replicas !== 'object') {
      throw this.ctx.error('replicas', replicas, 'must be an object like { count: 2 }', 'Omit replicas for a primary without read replicas');
    }
    checkKnownKeys(this.ctx, 'replicas', replicas, propKeys<ReadReplicaProps>()('count'));
    if (replicas.count === undefined) return Math.max(1, this.stack.env.replicas - 1);
    this.ctx.check(replicas.count !== 0, 'replicas.count', 0, 'must be at least 1', 'Omit replicas for a primary without read replicas');
    return checkReplicas(this.ctx, 'replicas.count', replicas.count, 1);
  }

  private checkVersion(version: unknown): string {
    const { pattern, rule, minMajor } = this.engine.version;
    const title = this.engine.title;
    this.ctx.check(typeof version === 'string' && pattern.test(version), 'version', version, `is not a ${title} version (${rule})`, `Use an official ${this.engine.image} image tag such as "${this.engine.defaultVersion}"`);
    const major = Number((version as string).split('.')[0]);
    this.ctx.check(major >= minMajor, 'version', version, `is older than ${title} ${minMajor}, the oldest version supported`, `Use e.g. "${this.engine.defaultVersion}"`);
    return version as string;
  }

  private resolveCredentials(credentials: DatabaseCredentials<K> | undefined): CredentialRefs<K> {
    const ctx = this.ctx;
    if (!credentials || typeof credentials !== 'object') {
      throw ctx.error('credentials', credentials, 'is required', 'Reference an existing Secret ({ secret: "db-credentials" }) or an external store ({ externalSecret: { store, remoteKey } })');
    }
    const roles = Object.keys(this.engine.credentialKeys) as K[];
    const checkKey = (field: string, value: unknown): string => {
      ctx.check(typeof value === 'string' && /^[-._a-zA-Z0-9]+$/.test(value) && value.length <= 253, field, value, 'is not a valid Secret key', 'Keys use letters, digits, "-", "_" and "."');
      return value as string;
    };
    const checkName = (field: string, value: unknown): string => {
      ctx.check(typeof value === 'string' && isDnsSubdomain(value), field, value, 'is not a valid object name (DNS-1123 subdomain)');
      return value as string;
    };
    let secretName: string;
    const keys = {} as Record<K, string>;
    if ('externalSecret' in credentials && 'secret' in credentials) {
      throw ctx.error('credentials.externalSecret', credentials.externalSecret, 'is set together with credentials.secret', 'Use an existing Secret ({ secret }) or an external store ({ externalSecret }), not both');
    }
    const checkRoles = (field: string, map: unknown): void => {
      if (map === undefined) return;
      checkObject(ctx, field, map);
      const unknown = Object.keys(map as object).find((k) => !roles.includes(k as K));
      if (unknown !== undefined) throw ctx.error(`${field}.${unknown}`, (map as Record<string, unknown>)[unknown], `is not a ${this.engine.title} credential`, `Use ${roles.join(', ')}`);
    };
    if ('externalSecret' in credentials) {
      const ext = credentials.externalSecret;
      checkObject(ctx, 'credentials.externalSecret', ext, false);
      checkKnownKeys(ctx, 'credentials', credentials, propKeys<ExternalSecretCredentials<string>>()('externalSecret'));
      checkKnownKeys(ctx, 'credentials.externalSecret', ext, EXTERNAL_CREDENTIAL_KEYS);
      checkRoles('credentials.externalSecret.properties', ext.properties);
      const store = checkName('credentials.externalSecret.store', ext?.store);
      const storeKind = ext.storeKind ?? 'ClusterSecretStore';
      ctx.check(storeKind === 'SecretStore' || storeKind === 'ClusterSecretStore', 'credentials.externalSecret.storeKind', storeKind, 'must be "SecretStore" or "ClusterSecretStore"');
      ctx.check(typeof ext.remoteKey === 'string' && ext.remoteKey.trim().length > 0, 'credentials.externalSecret.remoteKey', ext.remoteKey, 'is required', 'Name the entry in the store, e.g. "prod/orders-db"');
      const refreshInterval = ext.refreshInterval ?? '1h';
      ctx.check(/^(0|(\d+(ns|us|µs|ms|s|m|h))+)$/.test(refreshInterval), 'credentials.externalSecret.refreshInterval', refreshInterval, 'is not a valid interval', 'Use e.g. "1h", "15m" or "0" to fetch once');
      secretName = checkName('credentials.externalSecret.secretName', ext.secretName ?? `${this.name}-credentials`);
      for (const role of roles) {
        keys[role] = this.engine.credentialKeys[role];
        checkKey(`credentials.externalSecret.properties.${role}`, ext.properties?.[role] ?? keys[role]);
      }
      (this as { externalSecret?: ExternalSecret }).externalSecret = new ExternalSecret(this, 'external-secret', {
        metadata: { name: secretName, labels: standardLabels({ ...this.identity, component: 'credentials' }) },
        spec: {
          secretStoreRef: { name: store, kind: storeKind },
          refreshInterval,
          target: { name: secretName, creationPolicy: 'Owner', deletionPolicy: 'Retain' },
          data: roles.map((role) => ({ secretKey: keys[role], remoteRef: { key: ext.remoteKey, property: ext.properties?.[role] ?? keys[role] } })),
        },
      });
    } else {
      if (!('secret' in credentials) || credentials.secret === undefined) {
        throw ctx.error('credentials.secret', undefined, 'is required', 'Name an existing Secret, or use { externalSecret: { store, remoteKey } }');
      }
      checkKnownKeys(ctx, 'credentials', credentials, SECRET_CREDENTIAL_KEYS);
      checkRoles('credentials.keys', credentials.keys);
      secretName = checkName('credentials.secret', credentials.secret);
      for (const role of roles) {
        const given = credentials.keys && role in credentials.keys ? credentials.keys[role] : this.engine.credentialKeys[role];
        keys[role] = checkKey(`credentials.keys.${role}`, given);
      }
      this.node.addValidation({ validate: () => this.checkSecretKeys(secretName, keys) });
    }
    const refs = {} as Record<K, SecretKeyRef>;
    for (const role of roles) refs[role] = { secret: secretName, key: keys[role] };
    return {
      secretName,
      refs,
      env: (name, role) => ({ name, valueFrom: { secretKeyRef: { name: secretName, key: keys[role] } } }),
    };
  }

  /** When the referenced Secret is part of the same stack, every credential key must be in it. */
  private checkSecretKeys(secretName: string, keys: Record<K, string>): string[] {
    const secret = this.stack.node
      .findAll()
      .find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'Secret' && c.name === secretName);
    if (!secret) return [];
    const json = secret.toJson() as { data?: object; stringData?: object };
    const present = new Set([...Object.keys(json.data ?? {}), ...Object.keys(json.stringData ?? {})]);
    return (Object.entries(keys) as [string, string][])
      .filter(([, key]) => !present.has(key))
      .map(([role, key]) => `credentials.keys.${role} "${key}" is not a key of Secret ${secretName} (has: ${[...present].join(', ') || 'none'}). Add the key to the Secret or set credentials.keys.${role}`);
  }

  private resolveStorage(props: DatabaseProps<K>): k8s.KubePersistentVolumeClaimProps {
    const ctx = this.ctx;
    const size = parseStorage(ctx, 'storage', props.storage ?? '10Gi');
    if (props.storageClass !== undefined) ctx.check(typeof props.storageClass === 'string' && isDnsSubdomain(props.storageClass), 'storageClass', props.storageClass, 'is not a valid StorageClass name');
    const accessMode = props.accessMode ?? 'ReadWriteOnce';
    ctx.check(accessMode === 'ReadWriteOnce' || accessMode === 'ReadWriteOncePod', 'accessMode', accessMode, 'must be "ReadWriteOnce" or "ReadWriteOncePod"', 'A database volume belongs to one pod');
    return {
      spec: {
        accessModes: [accessMode],
        ...(props.storageClass ? { storageClassName: props.storageClass } : {}),
        resources: { requests: { storage: k8s.Quantity.fromString(size.text) } },
      },
    };
  }

  private buildExporter(): k8s.Container {
    const exporter = this.engine.exporter;
    return buildContainer({
      name: 'metrics',
      image: exporter.image,
      imagePullPolicy: 'Always',
      ports: [{ name: 'metrics', port: exporter.port }],
      env: exporter.env(this.context),
      args: exporter.args,
      probes: {
        readinessProbe: { httpGet: { path: '/', port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('metrics') }, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 6 },
      },
      resources: resolveResources(this.ctx, this.stack.env, 'nano', undefined),
      // The exporter reads nothing from the data volume: it runs as `nobody`, not as the engine's UID.
      security: { ...this.security, container: { ...this.security.container, runAsUser: EXPORTER_UID, runAsGroup: EXPORTER_UID } },
    });
  }

  /** Prefer nodes without another pod of this database, so one node failure takes at most one copy. */
  private antiAffinity(): k8s.Affinity {
    return {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { ...this.selector } } } },
        ],
      },
    };
  }
}

/** UID and GID of the exporter sidecars (`nobody`). */
const EXPORTER_UID = 65534;

/** A short, stable hash of configuration files, so a config change rolls the pods. */
function checksum(files: Readonly<Record<string, string>>): string {
  return createHash('sha256').update(JSON.stringify(Object.entries(files).sort())).digest('hex').slice(0, 16);
}
