import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { ExportedValue } from '../core/env-value.js';
import { ErrorContext } from '../core/errors.js';
import { KubeObject } from '../core/kube-object.js';
import { isDnsSubdomain } from '../core/names.js';
import { PodWorkload, WORKLOAD_KEYS, type WorkloadProps } from '../core/pod-workload.js';
import { checkKnownKeys, propKeys } from '../core/props.js';
import { parseStorage, type ByteQuantity } from '../core/quantity.js';
import type { MountProps } from '../core/volumes.js';
import type { DisruptionProps } from '../scaling/disruption-budget.js';
import { addReplicaObjects } from '../scaling/replicated.js';
import { resolveReplicaRange } from '../scaling/replicas.js';
import { templateContainers, type VerticalScalingProps } from '../scaling/vertical-autoscaler.js';
import { checkAlertPresets, WorkloadAlerts, type AlertPresetsProps } from '../observability/workload-alerts.js';
import { addWorkloadMonitoring, prepareMetrics, type MetricsProps, type WorkloadMonitoring } from '../observability/workload-monitoring.js';

/** A persistent volume per pod, from the StatefulSet's volumeClaimTemplates. */
export interface StatefulVolumeProps {
  /** Where the main container mounts it. */
  readonly mountPath: string;
  /** Size of each pod's volume, e.g. `"10Gi"`. */
  readonly size: ByteQuantity;
  /** StorageClass; pick one with `allowVolumeExpansion` to grow volumes later. @default - the cluster's default StorageClass */
  readonly storageClass?: string;
  /** Access mode. @default 'ReadWriteOnce' */
  readonly accessMode?: 'ReadWriteOnce' | 'ReadWriteOncePod';
}

/** Props of a {@link StatefulApp}. */
export interface StatefulAppProps extends WorkloadProps {
  /** Number of members (pods `<name>-0` … `<name>-<n-1>`). @default - the environment's `replicas` */
  readonly replicas?: number;
  /** Persistent volumes per pod, by name, mounted into the main container. @default - none */
  readonly storage?: Readonly<Record<string, StatefulVolumeProps>>;
  /** `OrderedReady` starts pods one by one, each after the previous is ready; `Parallel` starts them all at once. @default 'OrderedReady' */
  readonly podManagement?: 'OrderedReady' | 'Parallel';
  /** Disruption budget settings (emitted when more than one replica runs). @default { maxUnavailable: 1 } */
  readonly disruption?: DisruptionProps;
  /** Set the members' requests from their usage with a VerticalPodAutoscaler. @default - no VPA */
  readonly vpa?: VerticalScalingProps;
  /**
   * Have Prometheus scrape every member: `{ port: 9090 }` adds a `metrics` port (or scrapes a
   * port the container has), a PodMonitor (both Services select the members, so a
   * ServiceMonitor would scrape each twice) and the NetworkPolicy admission of the
   * monitoring namespace on that port only.
   * @default - not scraped
   */
  readonly metrics?: MetricsProps;
  /** Tune (`{ pvcNearlyFull: { threshold: 0.2 } }`) or remove (`false`) the preset alerts. @default - every preset that applies where `metrics` is set; none otherwise */
  readonly alerts?: false | AlertPresetsProps;
}

/**
 * A generic StatefulSet for software that is not one of the database engines (ZooKeeper,
 * Kafka, Cassandra, etcd): stable pod names and DNS through a headless Service
 * (`<name>-headless`, which also publishes pods that are not ready yet, as ensembles need
 * to find each other while they form), a client Service, a persistent volume per pod, and a
 * PodDisruptionBudget. Members may reach each other on every port.
 */
export class StatefulApp extends PodWorkload {
  /** The StatefulSet. */
  public readonly statefulSet: KubeObject;
  /** The headless Service that gives each pod its DNS name. */
  public readonly headlessService: KubeObject;
  /** The Service clients connect to (every ready member). */
  public readonly service: KubeObject;
  /** The PodDisruptionBudget, when more than one replica runs. */
  public readonly disruptionBudget?: KubeObject;
  /** The VerticalPodAutoscaler, when `vpa` is set. */
  public readonly verticalAutoscaler?: KubeObject;
  /** Number of members. */
  public readonly replicas: number;
  /** Cluster DNS name of the client Service. */
  public readonly host: ExportedValue;
  /** The PodMonitor and preset alerts, when `metrics` is set. */
  public readonly monitoring?: WorkloadMonitoring;
  /** The preset alerts, unless removed (with `metrics`, or asked for with `alerts`). */
  public readonly alerts?: WorkloadAlerts;

  constructor(scope: Construct, id: string, props: StatefulAppProps) {
    const storage = props && typeof props === 'object' ? (props.storage ?? {}) : {};
    checkStorage(new ErrorContext(scope.node.path ? `${scope.node.path}/${id}` : id), storage);
    const mounts: MountProps[] = Object.entries(storage).map(([volume, s]) => ({ path: s?.mountPath, volume, readOnly: false }));
    const valid = props !== null && typeof props === 'object';
    const metrics = valid ? prepareMetrics(new ErrorContext(scope.node.path ? `${scope.node.path}/${id}` : id), props.metrics, props.ports) : undefined;
    super(scope, id, valid ? { ...props, mounts: [...(props.mounts ?? []), ...mounts], ...(metrics ? { ports: metrics.ports } : {}) } : props, {
      component: 'stateful',
      longRunning: true,
      keys: propKeys<StatefulAppProps>()(...WORKLOAD_KEYS, 'replicas', 'storage', 'podManagement', 'disruption', 'vpa', 'metrics', 'alerts'),
      serviceName: true,
      // Pod names `<name>-<ordinal>` carry a controller-revision-hash label, which is limited to 63 characters.
      maxNameLength: 52,
      claimTemplates: Object.keys(storage),
    });
    const ctx = this.ctx;
    const env = this.stack.env;
    const range = resolveReplicaRange(ctx, env, props.replicas, undefined);
    this.replicas = range.max;
    const podManagement = props.podManagement ?? 'OrderedReady';
    ctx.check(podManagement === 'OrderedReady' || podManagement === 'Parallel', 'podManagement', podManagement, 'must be "OrderedReady" or "Parallel"');
    const claims = Object.entries(storage).map(([name, s]) => this.claimTemplate(ctx, name, s));
    const headlessName = `${this.name}-headless`;
    const servicePorts = this.ports.map((p) => ({
      name: p.name,
      port: p.port,
      targetPort: k8s.IntOrString.fromString(p.name),
      protocol: p.protocol,
      ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
    }));
    this.headlessService = KubeObject.create(this, 'headless-service', k8s.KubeService, {
      metadata: { ...this.metadata, name: headlessName },
      spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector: { ...this.selector }, ports: servicePorts },
    });
    this.service = KubeObject.create(this, 'service', k8s.KubeService, {
      metadata: this.metadata,
      spec: { type: 'ClusterIP', selector: { ...this.selector }, ports: servicePorts },
    });
    this.statefulSet = KubeObject.create(this, 'stateful-set', k8s.KubeStatefulSet, {
      metadata: this.metadata,
      spec: {
        serviceName: headlessName,
        replicas: this.replicas,
        podManagementPolicy: podManagement,
        revisionHistoryLimit: 5,
        selector: { matchLabels: { ...this.selector } },
        updateStrategy: { type: 'RollingUpdate' },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: this.podTemplate({ maxReplicas: this.replicas }),
        ...(claims.length ? { volumeClaimTemplates: claims } : {}),
      },
    });
    this.adoptPodTemplate(this.statefulSet, ['spec', 'template']);
    this.host = ExportedValue.of([`${this.name}.${this.namespace}.svc.cluster.local`], this);
    if (this.replicas > 1 && this.ports.length) this.allowFrom(this);
    const replicated = addReplicaObjects(this, {
      ctx,
      env,
      target: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: this.name },
      metadata: this.metadata,
      selector: this.selector,
      range,
      vertical: props.vpa === undefined ? undefined : { scaling: props.vpa, containers: templateContainers(this.statefulSet, ['spec', 'template']) },
      disruption: props.disruption,
    });
    this.disruptionBudget = replicated.disruptionBudget;
    this.verticalAutoscaler = replicated.verticalAutoscaler;
    if (metrics) {
      this.monitoring = addWorkloadMonitoring(this, {
        through: 'pod',
        metrics: props.metrics!,
        portName: metrics.portName,
        target: { kind: 'StatefulSet', name: this.name, namespace: this.namespace, claimTemplates: Object.keys(storage) },
        alerts: props.alerts,
        labels: this.metadata.labels,
      });
    } else if (props.alerts !== undefined) {
      const presets = checkAlertPresets(ctx, 'alerts', props.alerts);
      if (presets !== false) this.alerts = new WorkloadAlerts(this, 'alerts', { target: { kind: 'StatefulSet', name: this.name, namespace: this.namespace, claimTemplates: Object.keys(storage) }, presets, labels: this.metadata.labels });
    }
    if (this.monitoring?.alerts) this.alerts = this.monitoring.alerts;
    this.finishPodTemplates();
  }

  /** The stable DNS name of member `ordinal`, e.g. `zk-0.zk-headless.shop.svc.cluster.local`. */
  public memberHost(ordinal: number): ExportedValue {
    this.ctx.check(Number.isInteger(ordinal) && ordinal >= 0 && ordinal < this.replicas, 'memberHost', ordinal, `is not a member ordinal (0-${this.replicas - 1})`);
    return ExportedValue.of([`${this.name}-${ordinal}.${this.name}-headless.${this.namespace}.svc.cluster.local`], this);
  }

  private claimTemplate(ctx: ErrorContext, name: string, s: StatefulVolumeProps): k8s.KubePersistentVolumeClaimProps {
    const f = `storage.${name}`;
    const size = parseStorage(ctx, `${f}.size`, s.size).text;
    if (s.storageClass !== undefined) ctx.check(isDnsSubdomain(s.storageClass), `${f}.storageClass`, s.storageClass, 'is not a valid StorageClass name');
    const accessMode = s.accessMode ?? 'ReadWriteOnce';
    ctx.check(accessMode === 'ReadWriteOnce' || accessMode === 'ReadWriteOncePod', `${f}.accessMode`, accessMode, 'must be "ReadWriteOnce" or "ReadWriteOncePod"');
    return {
      metadata: { name, labels: this.metadata.labels },
      spec: {
        accessModes: [accessMode],
        ...(s.storageClass ? { storageClassName: s.storageClass } : {}),
        resources: { requests: { storage: k8s.Quantity.fromString(size) } },
      },
    };
  }
}

const STATEFUL_VOLUME_KEYS = propKeys<StatefulVolumeProps>()('mountPath', 'size', 'storageClass', 'accessMode');

/** Checks `storage` before its mounts are added to the pod, so errors name `storage.<name>`, not the generated mount. */
function checkStorage(ctx: ErrorContext, storage: Readonly<Record<string, StatefulVolumeProps>>): void {
  ctx.check(storage !== null && typeof storage === 'object' && !Array.isArray(storage), 'storage', storage, 'must be a map of volume names to { mountPath, size }');
  for (const [name, s] of Object.entries(storage)) {
    const f = `storage.${name}`;
    ctx.check(s !== null && typeof s === 'object' && !Array.isArray(s), f, s, 'must be { mountPath, size, storageClass?, accessMode? }');
    checkKnownKeys(ctx, f, s, STATEFUL_VOLUME_KEYS);
    ctx.check(typeof s.mountPath === 'string' && s.mountPath.startsWith('/') && !s.mountPath.split('/').includes('..') && !s.mountPath.includes(':'), `${f}.mountPath`, s.mountPath, 'must be an absolute path without ".." or ":"');
  }
}
