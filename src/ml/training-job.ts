import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import type { Duration } from '../core/duration.js';
import type { EnvValue } from '../core/env-value.js';
import { ErrorContext } from '../core/errors.js';
import { KubeObject } from '../core/kube-object.js';
import { PodWorkload, type WorkloadProps } from '../core/pod-workload.js';
import { checkPort } from '../core/ports.js';
import { isDnsSubdomain } from '../core/names.js';
import { checkKnownKeys, propKeys } from '../core/props.js';
import { PyTorchJob } from '../imports/kubeflow.org.js';
import { OPT_OUT_ANNOTATION_PREFIX } from '../core/security.js';
import { TrainJob } from '../imports/trainer.kubeflow.org.js';
import { resolveJobRun } from '../workloads/job-spec.js';
import { groupPeersPolicy } from './group-peers.js';
import { queueLabels } from './queue-label.js';

/** NCCL settings of the training processes. */
export interface NcclProps {
  /** `NCCL_DEBUG`. @default - NCCL's default (quiet) */
  readonly debug?: 'VERSION' | 'WARN' | 'INFO' | 'TRACE';
  /** `NCCL_SOCKET_IFNAME`: the network interfaces NCCL uses, e.g. `eth0`. @default - NCCL's choice */
  readonly socketInterface?: string;
  /** `NCCL_IB_DISABLE=1`: no InfiniBand/RoCE, sockets only. @default false */
  readonly disableInfiniband?: boolean;
}

/** Checkpoints on a PersistentVolumeClaim every node mounts. */
export interface CheckpointProps {
  /** An existing PersistentVolumeClaim (ReadWriteMany when more than one node writes). */
  readonly claim: string;
  /** Mount path, also given to the processes as `CHECKPOINT_DIR`. @default '/checkpoints' */
  readonly path?: string;
}

/** Elastic training: the job runs with any node count in the range (PyTorchJob backend). */
export interface ElasticProps {
  /** Fewest nodes the job runs with. */
  readonly minNodes: number;
  /** Most nodes the job runs with. */
  readonly maxNodes: number;
  /** Restarts of the worker group before the job fails. @default - the operator's default */
  readonly maxRestarts?: number;
}

/** Props of a {@link TrainingJob}. */
export interface TrainingJobProps extends WorkloadProps {
  /**
   * What runs the job: `job`, an Indexed Job plus a headless Service for the rendezvous
   * (no operator needed); `pytorchjob`, a Kubeflow `PyTorchJob` (kubeflow.org/v1, needs
   * the training operator); `trainjob`, a Kubeflow Trainer `TrainJob`
   * (trainer.kubeflow.org/v1alpha1) on the cluster's `runtime`, its pods patched with
   * Keelson's security context, scheduling, volumes, env and labels.
   * @default 'job'
   */
  readonly backend?: Backend;
  /** ClusterTrainingRuntime of the `trainjob` backend. @default 'torch-distributed' */
  readonly runtime?: string;
  /** Nodes (pods), each running `gpu.count` processes. @default 1 */
  readonly nodes?: number;
  /** Kueue LocalQueue the job is submitted to (`kueue.x-k8s.io/queue-name` on the job and its pods). @default - not queued */
  readonly queue?: string;
  /** Port of the rendezvous on the first node. @default 29500 (job), 23456 (pytorchjob, the operator's) */
  readonly rendezvousPort?: number;
  /** NCCL settings. @default - NCCL's defaults */
  readonly nccl?: NcclProps;
  /** Checkpoints on a PersistentVolumeClaim. @default - none */
  readonly checkpoints?: CheckpointProps;
  /** Retries of the whole job before it fails. @default 0 (a lost node fails the run; resume from checkpoints) */
  readonly backoffLimit?: number;
  /** Longest the job may run. @default - no deadline */
  readonly activeDeadline?: Duration;
  /** Delete the finished job this long after it ends. @default - kept */
  readonly ttlAfterFinished?: Duration;
  /** Elastic node range (pytorchjob backend only). @default - exactly `nodes` */
  readonly elastic?: ElasticProps;
}

type Backend = 'job' | 'pytorchjob' | 'trainjob';
const TRAINING_KEYS = propKeys<Omit<TrainingJobProps, keyof WorkloadProps>>()(
  'runtime', 'backend', 'nodes', 'queue', 'rendezvousPort', 'nccl', 'checkpoints', 'backoffLimit', 'activeDeadline', 'ttlAfterFinished', 'elastic',
);
const ELASTIC_KEYS = propKeys<ElasticProps>()('minNodes', 'maxNodes', 'maxRestarts');
const NCCL_KEYS = propKeys<NcclProps>()('debug', 'socketInterface', 'disableInfiniband');
const CHECKPOINT_KEYS = propKeys<CheckpointProps>()('claim', 'path');
/** Variables the job sets for torchrun (plain-Kubernetes backend) or the operator sets (PyTorchJob). */
const RENDEZVOUS_ENV = ['MASTER_ADDR', 'MASTER_PORT', 'WORLD_SIZE', 'RANK', 'NODE_RANK', 'PET_NNODES', 'PET_NPROC_PER_NODE', 'PET_NODE_RANK', 'PET_MASTER_ADDR', 'PET_MASTER_PORT'];
const COMPLETION_INDEX = "metadata.annotations['batch.kubernetes.io/job-completion-index']";
const CHECKPOINT_VOLUME = 'checkpoints';

/**
 * Distributed PyTorch training on `nodes` × `gpu.count` GPUs with one API and three
 * backends. Processes start with `torchrun` (or any launcher that reads the same
 * variables): on the plain-Kubernetes backend the pods get `MASTER_ADDR`
 * (`<name>-0.<name>`, the first pod through the headless Service), `MASTER_PORT`,
 * `WORLD_SIZE`, `NODE_RANK` from the completion index and torchrun's `PET_*` settings; the
 * PyTorchJob operator and the Trainer runtime set the same ones themselves. The pods of one
 * job reach each other on every port (NCCL), and nothing else is opened.
 */
export class TrainingJob extends PodWorkload {
  /** The backend that runs the job. */
  public readonly backend: Backend;
  /** Nodes (pods) of the job. */
  public readonly nodes: number;
  /** Processes per node (the GPUs of each pod). */
  public readonly processesPerNode: number;
  /** The object that runs the pods: a Job, a PyTorchJob or a TrainJob. */
  public readonly runner: KubeObject;
  /** The headless Service of the rendezvous (plain-Kubernetes backend). */
  public readonly service?: KubeObject;
  /** The NetworkPolicy that lets the job's pods reach each other on every port. */
  public readonly peers: KubeObject;

  constructor(scope: Construct, id: string, props: TrainingJobProps) {
    const early = new ErrorContext(scope.node.path ? `${scope.node.path}/${id}` : id);
    early.check(props !== null && typeof props === 'object', 'props', props, 'are required', 'Pass at least { image, command }');
    const shaped = TrainingJob.shape(early, props, props.name ?? id);
    super(scope, id, shaped.props, { component: 'training', longRunning: false, keys: TRAINING_KEYS, serviceName: true });
    const ctx = this.ctx;
    this.backend = shaped.backend;
    this.nodes = shaped.nodes;
    this.processesPerNode = this.gpu?.count ?? 1;
    ctx.check(this.nodes * this.processesPerNode === 1 || props.shm !== undefined || this.gpu !== undefined, 'shm', props.shm, `is missing: ${this.nodes * this.processesPerNode} PyTorch workers share tensors through /dev/shm, and the runtime's 64Mi is too small`, 'Set shm (e.g. "8Gi") or gpu');
    const queue = queueLabels(ctx, 'queue', props.queue);
    const metadata = { ...this.metadata, labels: { ...this.metadata.labels, ...queue } };
    const run = resolveJobRun(ctx, {
      backoffLimit: props.backoffLimit ?? 0,
      activeDeadline: props.activeDeadline,
      ttlAfterFinished: props.ttlAfterFinished,
      ...(this.backend === 'job' ? { completions: this.nodes, parallelism: this.nodes, completionMode: 'Indexed' as const } : {}),
    });
    const labelled = (template: k8s.PodTemplateSpec): k8s.PodTemplateSpec => ({ ...template, metadata: { ...template.metadata, labels: { ...template.metadata?.labels, ...queue } } });

    if (this.backend === 'job') {
      this.service = KubeObject.create(this, 'service', k8s.KubeService, {
        metadata: this.metadata,
        spec: {
          clusterIp: 'None',
          publishNotReadyAddresses: true,
          selector: { ...this.selector },
          ports: [{ name: this.ports[0]!.name, port: this.ports[0]!.port, targetPort: k8s.IntOrString.fromString(this.ports[0]!.name), protocol: 'TCP' }],
        },
      });
      this.runner = KubeObject.create(this, 'job', k8s.KubeJob, {
        metadata,
        spec: { ...run.spec, template: labelled(this.podTemplate({ maxReplicas: this.nodes, restartPolicy: 'Never' })) },
      });
      this.adoptPodTemplate(this.runner, ['spec', 'template']);
    } else if (this.backend === 'trainjob') {
      const template = labelled(this.podTemplate({ maxReplicas: this.nodes }));
      const [node] = template.spec!.containers;
      // The runtime patches change the training container ("node") and the pod around it; its image, command and resources are the trainer's.
      const resourcesNote = 'resources are set per node in spec.trainer.resourcesPerNode';
      const patch = {
        metadata: { ...template.metadata, annotations: { ...template.metadata?.annotations, [`${OPT_OUT_ANNOTATION_PREFIX}missing-requests`]: resourcesNote, [`${OPT_OUT_ANNOTATION_PREFIX}missing-limits`]: resourcesNote } },
        spec: { ...template.spec!, containers: [{ ...node!, name: 'node' }] },
      };
      this.runner = KubeObject.create(this, 'trainjob', TrainJob, {
        metadata,
        spec: {
          runtimeRef: { name: shaped.runtime },
          trainer: {
            image: node!.image,
            ...(node!.command ? { command: node!.command } : {}),
            ...(node!.args ? { args: node!.args } : {}),
            numNodes: this.nodes,
            numProcPerNode: this.processesPerNode,
            resourcesPerNode: node!.resources as never,
          },
          ...(run.spec.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: run.spec.activeDeadlineSeconds } : {}),
          // cdk8s-plus's pod template and the generated patch have the same field names; the patch renders only the fields it allows.
          runtimePatches: [{ manager: 'keelson.dev/training-job', trainingRuntimeSpec: { template: { spec: { replicatedJobs: [{ name: 'node', template: { spec: { template: patch as never } } }] } } } }],
        },
      });
      this.adoptPodTemplate(this.runner, ['spec', 'runtimePatches', '0', 'trainingRuntimeSpec', 'template', 'spec', 'replicatedJobs', '0', 'template', 'spec', 'template']);
    } else {
      const template = labelled(this.podTemplate({ maxReplicas: this.nodes, restartPolicy: 'OnFailure' }));
      // The operator finds the training container by its name.
      const pytorch = { ...template, spec: { ...template.spec!, containers: template.spec!.containers.map((c, i) => (i === 0 ? { ...c, name: 'pytorch' } : c)) } };
      const replica = (replicas: number) => ({ replicas, restartPolicy: 'OnFailure', template: pytorch as any });
      const elastic = shaped.elastic;
      const replicaSpecs = elastic
        ? { Worker: replica(this.nodes) }
        : { Master: replica(1), ...(this.nodes > 1 ? { Worker: replica(this.nodes - 1) } : {}) };
      this.runner = KubeObject.create(this, 'pytorchjob', PyTorchJob, {
        metadata,
        spec: {
          pytorchReplicaSpecs: replicaSpecs,
          runPolicy: {
            backoffLimit: run.spec.backoffLimit,
            ...(run.spec.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: run.spec.activeDeadlineSeconds } : {}),
            ...(run.spec.ttlSecondsAfterFinished !== undefined ? { ttlSecondsAfterFinished: run.spec.ttlSecondsAfterFinished } : {}),
          },
          ...(elastic
            ? { elasticPolicy: { minReplicas: elastic.minNodes, maxReplicas: elastic.maxNodes, rdzvBackend: 'c10d', nProcPerNode: this.processesPerNode, ...(elastic.maxRestarts !== undefined ? { maxRestarts: elastic.maxRestarts } : {}) } }
            : { nprocPerNode: String(this.processesPerNode) }),
        },
      });
      for (const role of Object.keys(replicaSpecs)) this.adoptPodTemplate(this.runner, ['spec', 'pytorchReplicaSpecs', role, 'template']);
    }
    this.peers = groupPeersPolicy(this, this.metadata, this.selector);
    this.finishPodTemplates();
  }

  /** Checks the training props and turns them into the pod's props: ports, env, volumes, probes. */
  private static shape(ctx: ErrorContext, props: TrainingJobProps, name: string): { props: WorkloadProps; backend: Backend; nodes: number; elastic?: ElasticProps; runtime: string } {
    const backend = props.backend ?? 'job';
    ctx.check(backend === 'job' || backend === 'pytorchjob' || backend === 'trainjob', 'backend', backend, 'must be "job", "pytorchjob" or "trainjob"');
    const runtime = props.runtime ?? 'torch-distributed';
    if (props.runtime !== undefined) {
      ctx.check(backend === 'trainjob', 'runtime', props.runtime, 'applies only to the trainjob backend');
      ctx.check(typeof runtime === 'string' && isDnsSubdomain(runtime), 'runtime', runtime, 'is not a valid ClusterTrainingRuntime name');
    }
    if (backend === 'trainjob') {
      for (const key of ['sidecars', 'initContainers'] as const) ctx.check(props[key] === undefined, key, props[key], 'cannot be added to a TrainJob\'s pods: its runtime patches change only the training container', 'Put them into the ClusterTrainingRuntime');
    }
    const nodes = props.nodes ?? 1;
    ctx.check(Number.isInteger(nodes) && nodes >= 1 && nodes <= 10000, 'nodes', nodes, 'must be a whole number from 1 to 10000');
    let elastic: ElasticProps | undefined;
    if (props.elastic !== undefined) {
      ctx.check(backend === 'pytorchjob', 'elastic', props.elastic, `needs the pytorchjob backend: an Indexed Job runs a fixed number of pods`, 'Set backend: "pytorchjob" or leave elastic out');
      checkKnownKeys(ctx, 'elastic', props.elastic, ELASTIC_KEYS);
      const { minNodes, maxNodes, maxRestarts } = props.elastic;
      ctx.check(Number.isInteger(minNodes) && minNodes >= 1, 'elastic.minNodes', minNodes, 'must be a whole number of at least 1');
      ctx.check(Number.isInteger(maxNodes) && maxNodes >= minNodes, 'elastic.maxNodes', maxNodes, `must be a whole number of at least minNodes (${minNodes})`);
      ctx.check(nodes >= minNodes && nodes <= maxNodes, 'nodes', nodes, `is outside the elastic range ${minNodes}-${maxNodes}`);
      if (maxRestarts !== undefined) ctx.check(Number.isInteger(maxRestarts) && maxRestarts >= 0, 'elastic.maxRestarts', maxRestarts, 'must be a whole number of at least 0');
      elastic = props.elastic;
    }
    const port = props.rendezvousPort ?? (backend === 'job' ? 29500 : 23456);
    checkPort(ctx, 'rendezvousPort', port);
    if (backend === 'trainjob') ctx.check(props.rendezvousPort === undefined, 'rendezvousPort', props.rendezvousPort, 'is the runtime\'s on the trainjob backend');
    ctx.check(props.ports === undefined, 'ports', props.ports, 'are not taken by a training job: its pods listen on the rendezvous port and reach each other on every port', 'Use rendezvousPort');
    for (const key of Object.keys(props.env ?? {})) {
      ctx.check(!RENDEZVOUS_ENV.includes(key), `env.${key}`, props.env![key], `is set by the ${backend === 'job' ? 'training job' : backend === 'pytorchjob' ? 'PyTorchJob operator' : 'Trainer runtime'} for the rendezvous`, 'Leave it out; use nodes, gpu.count and rendezvousPort');
    }
    if (backend === 'job') ctx.check(props.subdomain === undefined, 'subdomain', props.subdomain, 'is set by the training job: its pods are <name>-<index>.<name> through the headless Service');
    const procs = props.gpu && typeof props.gpu === 'object' ? props.gpu.count : 1;
    const env: Record<string, EnvValue> = {};
    if (backend === 'job') {
      const master = `${name}-0.${name}`;
      Object.assign(env, {
        MASTER_ADDR: master, MASTER_PORT: String(port), WORLD_SIZE: String(nodes),
        NODE_RANK: { field: COMPLETION_INDEX }, RANK: { field: COMPLETION_INDEX },
        PET_MASTER_ADDR: master, PET_MASTER_PORT: String(port), PET_NNODES: String(nodes), PET_NPROC_PER_NODE: String(procs), PET_NODE_RANK: { field: COMPLETION_INDEX },
      });
    }
    if (props.nccl !== undefined) {
      ctx.check(props.nccl !== null && typeof props.nccl === 'object', 'nccl', props.nccl, 'must be { debug?, socketInterface?, disableInfiniband? }');
      checkKnownKeys(ctx, 'nccl', props.nccl, NCCL_KEYS);
      const { debug, socketInterface, disableInfiniband } = props.nccl;
      if (debug !== undefined) ctx.check(['VERSION', 'WARN', 'INFO', 'TRACE'].includes(debug), 'nccl.debug', debug, 'must be "VERSION", "WARN", "INFO" or "TRACE"');
      if (socketInterface !== undefined) ctx.check(typeof socketInterface === 'string' && /^\^?=?[A-Za-z0-9_.,-]+$/.test(socketInterface), 'nccl.socketInterface', socketInterface, 'is not an interface list NCCL understands (e.g. "eth0" or "^lo,docker")');
      Object.assign(env, {
        ...(debug ? { NCCL_DEBUG: debug } : {}),
        ...(socketInterface ? { NCCL_SOCKET_IFNAME: socketInterface } : {}),
        ...(disableInfiniband ? { NCCL_IB_DISABLE: '1' } : {}),
      });
    }
    let volumes = props.volumes;
    let mounts = props.mounts;
    if (props.checkpoints !== undefined) {
      ctx.check(props.checkpoints !== null && typeof props.checkpoints === 'object', 'checkpoints', props.checkpoints, 'must be { claim, path? }');
      checkKnownKeys(ctx, 'checkpoints', props.checkpoints, CHECKPOINT_KEYS);
      ctx.check(!props.volumes?.[CHECKPOINT_VOLUME], 'volumes', CHECKPOINT_VOLUME, 'is the volume name of checkpoints');
      const path = props.checkpoints.path ?? '/checkpoints';
      volumes = { ...props.volumes, [CHECKPOINT_VOLUME]: { claim: props.checkpoints.claim } };
      mounts = [...(props.mounts ?? []), { path, volume: CHECKPOINT_VOLUME, readOnly: false }];
      env.CHECKPOINT_DIR = path;
    }
    const { runtime: _u, backend: _b, nodes: _n, queue: _q, rendezvousPort: _r, nccl: _c, checkpoints: _k, backoffLimit: _l, activeDeadline: _a, ttlAfterFinished: _t, elastic: _e, ...pod } = props;
    return {
      backend,
      nodes,
      elastic,
      runtime,
      props: {
        ...pod,
        ...(backend === 'trainjob' ? {} : { ports: [{ name: backend === 'job' ? 'rendezvous' : 'pytorchjob-port', containerPort: port }] }),
        env: { ...props.env, ...env },
        health: props.health ?? { live: false, ready: false },
        ...(volumes ? { volumes } : {}),
        ...(mounts ? { mounts } : {}),
        ...(backend === 'job' ? { subdomain: name } : {}),
      },
    };
  }
}
