import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { ExportedValue } from '../core/env-value.js';
import { ErrorContext } from '../core/errors.js';
import { KubeObject } from '../core/kube-object.js';
import { PodWorkload, type WorkloadProps } from '../core/pod-workload.js';
import { checkPort } from '../core/ports.js';
import { checkKnownKeys, propKeys } from '../core/props.js';
import { OPT_OUT_ANNOTATION_PREFIX } from '../core/security.js';
import { LeaderWorkerSet, LeaderWorkerSetSpecLeaderWorkerTemplateRestartPolicy as GroupRestart, LeaderWorkerSetSpecStartupPolicy as Startup } from '../imports/leaderworkerset.x-k8s.io.js';
import { groupPeersPolicy } from './group-peers.js';

/** What one role of the group runs instead of the main container's command. */
export interface GroupRoleProps {
  /** Entrypoint of this role. @default - the main container's `command` */
  readonly command?: readonly string[];
  /** Arguments of this role. @default - the main container's `args` */
  readonly args?: readonly string[];
}

/** Props of an {@link InferenceGroup}. */
export interface InferenceGroupProps extends WorkloadProps {
  /** Pods per group: one leader and `groupSize - 1` workers, each with `gpu`. */
  readonly groupSize: number;
  /** Groups (copies of the model). @default 1 */
  readonly replicas?: number;
  /** Port the leader serves on; the leader Service exposes it. */
  readonly port: number;
  /** The leader's command (e.g. start the Ray head, then the server). @default - the main container's */
  readonly leader?: GroupRoleProps;
  /** The workers' command; `LWS_LEADER_ADDRESS` names the leader (e.g. `ray start --address=$(LWS_LEADER_ADDRESS):6379 --block`). @default - the main container's */
  readonly worker?: GroupRoleProps;
}

const GROUP_KEYS = propKeys<Omit<InferenceGroupProps, keyof WorkloadProps>>()('groupSize', 'replicas', 'port', 'leader', 'worker');
const ROLE_KEYS = propKeys<GroupRoleProps>()('command', 'args');
/** Pod label that tells the leader from the workers (the leader Service selects on it). */
export const GROUP_ROLE_LABEL = 'keelson.dev/group-role';

/**
 * Multi-node inference with a LeaderWorkerSet (`leaderworkerset.x-k8s.io/v1`): `replicas`
 * groups of `groupSize` pods, the leader and worker templates built from the same pod props
 * (GPUs, cache, security) with their own commands, the group recreated when one of its pods
 * restarts, and a Service in front of the leaders. Workers carry no port and no probes (the
 * leader serves); the pods of the set reach each other on every port (Ray, NCCL).
 */
export class InferenceGroup extends PodWorkload {
  /** The LeaderWorkerSet. */
  public readonly leaderWorkerSet: KubeObject;
  /** The Service in front of the leaders. */
  public readonly service: KubeObject;
  /** The NetworkPolicy that lets the group's pods reach each other on every port. */
  public readonly peers: KubeObject;
  /** URL of the leaders' Service, e.g. `http://llm.ml.svc.cluster.local:8000`. */
  public readonly url: ExportedValue;

  constructor(scope: Construct, id: string, props: InferenceGroupProps) {
    const early = new ErrorContext(scope.node.path ? `${scope.node.path}/${id}` : id);
    early.check(props !== null && typeof props === 'object', 'props', props, 'are required', 'Pass at least { image, groupSize, port }');
    checkPort(early, 'port', props.port);
    early.check(props.ports === undefined, 'ports', props.ports, 'are not taken by an inference group: the leader serves on port');
    const { groupSize: _s, replicas: _r, port, leader: _l, worker: _w, ...pod } = props;
    super(scope, id, { ...pod, ports: [{ name: 'http', containerPort: port, protocol: 'http' }] }, { component: 'inference', longRunning: true, keys: GROUP_KEYS, serviceName: true });
    const ctx = this.ctx;
    ctx.check(Number.isInteger(props.groupSize) && props.groupSize >= 2 && props.groupSize <= 1000, 'groupSize', props.groupSize, 'must be a whole number from 2 to 1000 (one leader and at least one worker)', 'Use a ModelServer for a model that fits one node');
    const replicas = props.replicas ?? 1;
    ctx.check(Number.isInteger(replicas) && replicas >= 1, 'replicas', replicas, 'must be a whole number of at least 1');
    const role = (field: 'leader' | 'worker'): GroupRoleProps => {
      const r = props[field] ?? {};
      ctx.check(r !== null && typeof r === 'object', field, r, 'must be { command?, args? }');
      checkKnownKeys(ctx, field, r, ROLE_KEYS);
      for (const key of ['command', 'args'] as const) {
        const v = r[key];
        if (v !== undefined) ctx.check(Array.isArray(v) && v.every((x) => typeof x === 'string'), `${field}.${key}`, v, 'must be a list of strings');
      }
      return r;
    };
    const base = this.podTemplate({ maxReplicas: replicas * props.groupSize });
    const template = (name: 'leader' | 'worker', r: GroupRoleProps): k8s.PodTemplateSpec => {
      const [main, ...rest] = base.spec!.containers;
      const own: k8s.Container = name === 'leader'
        ? main!
        : { ...main!, ports: undefined, readinessProbe: undefined, livenessProbe: undefined, startupProbe: undefined };
      // Workers serve no port to probe: the opt-out says why, for reviewers and `keelson check`.
      const annotations = name === 'worker' ? { ...base.metadata?.annotations, [`${OPT_OUT_ANNOTATION_PREFIX}missing-liveness-probe`]: 'workers serve no port to probe; when a worker exits, the LeaderWorkerSet recreates the whole group' } : base.metadata?.annotations;
      return {
        metadata: { ...base.metadata, labels: { ...base.metadata?.labels, [GROUP_ROLE_LABEL]: name }, ...(annotations ? { annotations } : {}) },
        spec: { ...base.spec!, containers: [{ ...own, ...(r.command ? { command: [...r.command] } : {}), ...(r.args ? { args: [...r.args] } : {}) }, ...rest] },
      };
    };
    this.leaderWorkerSet = KubeObject.create(this, 'leader-worker-set', LeaderWorkerSet, {
      metadata: this.metadata,
      spec: {
        replicas,
        startupPolicy: Startup.LEADER_CREATED,
        leaderWorkerTemplate: {
          size: props.groupSize,
          restartPolicy: GroupRestart.RECREATE_GROUP_ON_POD_RESTART,
          // cdk8s-plus's pod template and the generated one have the same fields and render alike.
          leaderTemplate: template('leader', role('leader')) as never,
          workerTemplate: template('worker', role('worker')) as never,
        },
      },
    });
    this.adoptPodTemplate(this.leaderWorkerSet, ['spec', 'leaderWorkerTemplate', 'leaderTemplate']);
    this.adoptPodTemplate(this.leaderWorkerSet, ['spec', 'leaderWorkerTemplate', 'workerTemplate']);
    this.service = KubeObject.create(this, 'service', k8s.KubeService, {
      metadata: this.metadata,
      spec: {
        selector: { ...this.selector, [GROUP_ROLE_LABEL]: 'leader' },
        ports: [{ name: 'http', port, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP', appProtocol: 'http' }],
      },
    });
    this.peers = groupPeersPolicy(this, this.metadata, this.selector);
    this.url = ExportedValue.of([`http://${this.name}.${this.namespace}.svc.cluster.local:${port}`], this, { port });
    this.finishPodTemplates();
  }
}
