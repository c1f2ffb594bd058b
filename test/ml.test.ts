import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  ClusterQueue, defineEnvironment, InferenceGroup, Job, LocalQueue, ModelServer, QUEUE_NAME_LABEL, ResourceFlavor, runChecks, Stack, TGI, TrainingJob, WebService,
} from '../src/index.js';
import { findObject, synthObjects, type K8sObject } from '../src/testing.js';
import { production } from '../presets/index.js';
import { newStack } from './support/app.js';

const image = 'acme/train:v1.2.3';
const envOf = (c: any) => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
const main = (pod: any) => pod.spec.containers[0];

describe('gpu on any workload', () => {
  it('requests = limits of nvidia.com/gpu, the product node selector, the GPU taint toleration and a memory-backed /dev/shm', () => {
    const stack = newStack();
    new Job(stack, 'render', { image, size: 'xlarge', gpu: { count: 2, product: 'NVIDIA-L4' } });
    const pod = findObject(synthObjects(stack), 'Job', 'render').spec.template;
    const c = main(pod);
    expect(c.resources.requests['nvidia.com/gpu']).toBe(2);
    expect(c.resources.limits['nvidia.com/gpu']).toBe(2);
    expect(pod.spec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-L4' });
    expect(pod.spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    const shm = pod.spec.volumes.find((v: any) => v.emptyDir?.medium === 'Memory');
    expect(shm.emptyDir.sizeLimit).toBe('2Gi');
    expect(c.volumeMounts).toContainEqual({ name: shm.name, mountPath: '/dev/shm' });
    expect(pod.spec.runtimeClassName).toBeUndefined();
  });

  it('follows the environment: GKE label, untainted nodes, runtime class, time-sliced resource', () => {
    const gke = defineEnvironment(production, { name: 'gke', gpu: { productLabel: 'cloud.google.com/gke-accelerator', taintKey: null, runtimeClassName: 'nvidia', timeSlicing: { replicas: 4, renameByDefault: true } } });
    const stack = newStack(gke);
    new WebService(stack, 'infer', { image, port: 8080, size: 'medium', gpu: { count: 1, product: 'nvidia-l4' } });
    const pod = findObject(synthObjects(stack), 'Deployment', 'infer').spec.template;
    expect(main(pod).resources.limits).toMatchObject({ 'nvidia.com/gpu.shared': 1 });
    expect(pod.spec.nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-l4' });
    expect(pod.spec.tolerations).toBeUndefined();
    expect(pod.spec.runtimeClassName).toBe('nvidia');
  });

  it('asks for MIG slices as the MIG strategy exposes them', () => {
    const mixed = newStack(defineEnvironment(production, { name: 'mixed', gpu: { migStrategy: 'mixed' } }));
    new Job(mixed, 'notebook', { image, size: 'medium', gpu: { count: 1, mig: '1g.10gb' } });
    expect(main(findObject(synthObjects(mixed), 'Job').spec.template).resources.limits).toMatchObject({ 'nvidia.com/mig-1g.10gb': 1 });
    const single = newStack(defineEnvironment(production, { name: 'single', gpu: { migStrategy: 'single' } }));
    new Job(single, 'notebook', { image, size: 'medium', gpu: { count: 1, mig: '3g.40gb', product: 'NVIDIA-A100-SXM4-80GB' } });
    const pod = findObject(synthObjects(single), 'Job').spec.template;
    expect(main(pod).resources.limits).toMatchObject({ 'nvidia.com/gpu': 1 });
    expect(pod.spec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB-MIG-3g.40gb' });
  });
});

describe('TrainingJob', () => {
  const build = (props: Record<string, unknown>) => {
    const stack = newStack();
    new LocalQueue(stack, 'research', { clusterQueue: 'gpus' });
    new TrainingJob(stack, 'ddp', { image, command: ['torchrun', 'train.py'], nodes: 2, size: 'xlarge', gpu: { count: 4 }, queue: 'research', ...props } as any);
    return synthObjects(stack);
  };

  it('plain Kubernetes: an Indexed Job with a headless Service and the torchrun rendezvous env', () => {
    const objects = build({ checkpoints: { claim: 'ckpt' }, nccl: { debug: 'INFO', disableInfiniband: true } });
    const job = findObject(objects, 'Job', 'ddp');
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimit: 0 });
    expect(job.metadata.labels[QUEUE_NAME_LABEL]).toBe('research');
    const pod = job.spec.template;
    expect(pod.metadata.labels[QUEUE_NAME_LABEL]).toBe('research');
    expect(pod.spec.subdomain).toBe('ddp');
    expect(pod.spec.restartPolicy).toBe('Never');
    const env = envOf(main(pod));
    const rank = { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } };
    expect(env).toMatchObject({ MASTER_ADDR: 'ddp-0.ddp', MASTER_PORT: '29500', WORLD_SIZE: '2', NODE_RANK: rank, PET_NNODES: '2', PET_NPROC_PER_NODE: '4', PET_NODE_RANK: rank, NCCL_DEBUG: 'INFO', NCCL_IB_DISABLE: '1', CHECKPOINT_DIR: '/checkpoints' });
    expect(main(pod).resources.requests['nvidia.com/gpu']).toBe(4);
    expect(main(pod).volumeMounts).toContainEqual({ name: 'checkpoints', mountPath: '/checkpoints' });
    expect(main(pod).volumeMounts.some((m: any) => m.mountPath === '/dev/shm')).toBe(true);
    const svc = findObject(objects, 'Service', 'ddp');
    expect(svc.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ name: 'rendezvous', port: 29500 }] });
    expect(svc.spec.selector).toEqual(expect.objectContaining({ 'app.kubernetes.io/name': 'ddp' }));
    const peers = findObject(objects, 'NetworkPolicy', 'ddp-peers');
    expect(peers.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: svc.spec.selector } }] }]);
  });

  it('PyTorchJob: a Master and nodes-1 Workers named pytorch, processes per node from the GPUs', () => {
    const objects = build({ backend: 'pytorchjob', nodes: 3 });
    const job = findObject(objects, 'PyTorchJob', 'ddp');
    expect(job.apiVersion).toBe('kubeflow.org/v1');
    expect(job.metadata.labels[QUEUE_NAME_LABEL]).toBe('research');
    expect(job.spec.nprocPerNode).toBe('4');
    expect(job.spec.runPolicy).toEqual({ backoffLimit: 0 });
    expect(job.spec.pytorchReplicaSpecs.Master.replicas).toBe(1);
    expect(job.spec.pytorchReplicaSpecs.Worker.replicas).toBe(2);
    for (const role of ['Master', 'Worker']) {
      const pod = job.spec.pytorchReplicaSpecs[role].template;
      expect(main(pod).name).toBe('pytorch');
      expect(main(pod).resources.limits['nvidia.com/gpu']).toBe(4);
      expect(pod.spec.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
      expect(pod.metadata.labels[QUEUE_NAME_LABEL]).toBe('research');
      expect(envOf(main(pod)).MASTER_ADDR).toBeUndefined();
    }
    expect(objects.some((o) => o.kind === 'Job' || (o.kind === 'Service' && o.metadata.name === 'ddp'))).toBe(false);
  });

  it('PyTorchJob elastic: Workers only, with the elastic policy', () => {
    const job = findObject(build({ backend: 'pytorchjob', elastic: { minNodes: 1, maxNodes: 4, maxRestarts: 3 } }), 'PyTorchJob', 'ddp');
    expect(Object.keys(job.spec.pytorchReplicaSpecs)).toEqual(['Worker']);
    expect(job.spec.elasticPolicy).toEqual({ minReplicas: 1, maxReplicas: 4, rdzvBackend: 'c10d', nProcPerNode: 4, maxRestarts: 3 });
  });

  it('late env edits reach every replica template', () => {
    const stack = newStack();
    new LocalQueue(stack, 'research', { clusterQueue: 'gpus' });
    const t = new TrainingJob(stack, 'ddp', { image, backend: 'pytorchjob', nodes: 2, size: 'medium', gpu: { count: 1 }, queue: 'research' });
    t.env('WANDB_PROJECT', 'ddp');
    const job = findObject(synthObjects(stack), 'PyTorchJob', 'ddp');
    for (const role of ['Master', 'Worker']) expect(envOf(main(job.spec.pytorchReplicaSpecs[role].template)).WANDB_PROJECT).toBe('ddp');
  });
});

describe('ModelServer', () => {
  it('vLLM on one GPU: tensor parallel from the GPU count, readiness on /health, startup sized for loading, writable cache and HOME', () => {
    const stack = newStack();
    new ModelServer(stack, 'llm', { model: 'mistralai/Mistral-7B-Instruct-v0.3', gpu: { count: 2 }, huggingFaceToken: { secret: 'hf', key: 'token' }, hubEgress: true });
    const objects = synthObjects(stack);
    const pod = findObject(objects, 'Deployment', 'llm').spec.template;
    const c = main(pod);
    expect(c.image).toBe('vllm/vllm-openai:v0.8.5');
    expect(c.args).toEqual(['--model', 'mistralai/Mistral-7B-Instruct-v0.3', '--port', '8000', '--tensor-parallel-size', '2', '--download-dir', '/models']);
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/health' });
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBeGreaterThanOrEqual(30 * 60);
    expect(envOf(c)).toMatchObject({ HOME: '/tmp', HF_HOME: '/models', HF_TOKEN: { secretKeyRef: { name: 'hf', key: 'token' } } });
    expect(c.volumeMounts).toContainEqual({ name: 'model-cache', mountPath: '/models' });
    expect(c.resources.limits).toMatchObject({ 'nvidia.com/gpu': 2, 'ephemeral-storage': '50Gi' });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(findObject(objects, 'Service', 'llm').spec.ports[0]).toMatchObject({ port: 80, targetPort: 'http' });
    const policy = findObject(objects, 'NetworkPolicy', 'llm');
    expect(policy.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443, protocol: 'TCP' }] });
  });

  it('fetches the Hugging Face token with an ExternalSecret it creates', () => {
    const stack = newStack();
    new ModelServer(stack, 'llm', { model: 'org/model', gpu: { count: 1 }, huggingFaceToken: { externalSecret: { store: 'vault', remoteKey: 'ml/hf', property: 'token' } } });
    const objects = synthObjects(stack);
    const ext = findObject(objects, 'ExternalSecret', 'llm-hf-token');
    expect(ext.spec).toMatchObject({ secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' }, target: { name: 'llm-hf-token' }, data: [{ secretKey: 'token', remoteRef: { key: 'ml/hf', property: 'token' } }] });
    expect(envOf(main(findObject(objects, 'Deployment', 'llm').spec.template)).HF_TOKEN).toEqual({ secretKeyRef: { name: 'llm-hf-token', key: 'token' } });
  });

  it('takes another engine as data, and no hub egress unless declared', () => {
    const stack = newStack();
    new ModelServer(stack, 'tgi', { model: 'org/model', engine: TGI, gpu: { count: 1 }, cache: { claim: 'models' } });
    const objects = synthObjects(stack);
    const c = main(findObject(objects, 'Deployment', 'tgi').spec.template);
    expect(c.image).toMatch(/^ghcr\.io\/huggingface\/text-generation-inference:/);
    expect(c.args).toContain('--num-shard');
    expect(JSON.stringify(findObject(objects, 'NetworkPolicy', 'tgi').spec.egress)).not.toContain('0.0.0.0/0');
  });
});

describe('InferenceGroup', () => {
  it('a LeaderWorkerSet whose leader serves behind the Service and whose workers join it', () => {
    const stack = newStack();
    new InferenceGroup(stack, 'big', {
      image, groupSize: 2, port: 8000, size: '2xlarge', gpu: { count: 8 },
      leader: { command: ['sh', '-c'], args: ['ray start --head && serve'] },
      worker: { command: ['sh', '-c'], args: ['ray start --address=$(LWS_LEADER_ADDRESS):6379 --block'] },
    });
    const objects = synthObjects(stack);
    const lws = findObject(objects, 'LeaderWorkerSet', 'big');
    expect(lws.apiVersion).toBe('leaderworkerset.x-k8s.io/v1');
    expect(lws.spec).toMatchObject({ replicas: 1, startupPolicy: 'LeaderCreated', leaderWorkerTemplate: { size: 2, restartPolicy: 'RecreateGroupOnPodRestart' } });
    const { leaderTemplate, workerTemplate } = lws.spec.leaderWorkerTemplate;
    expect(main(leaderTemplate).args).toEqual(['ray start --head && serve']);
    expect(main(leaderTemplate).ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    expect(main(workerTemplate).args).toEqual(['ray start --address=$(LWS_LEADER_ADDRESS):6379 --block']);
    expect(main(workerTemplate).ports).toBeUndefined();
    expect(main(workerTemplate).readinessProbe).toBeUndefined();
    for (const t of [leaderTemplate, workerTemplate]) {
      expect(main(t).resources.limits['nvidia.com/gpu']).toBe(8);
      expect(t.spec.volumes.some((v: any) => v.emptyDir?.medium === 'Memory')).toBe(true);
    }
    const svc = findObject(objects, 'Service', 'big');
    expect(svc.spec.selector['keelson.dev/group-role']).toBe('leader');
    expect(leaderTemplate.metadata.labels).toMatchObject(svc.spec.selector);
    expect(workerTemplate.metadata.labels).not.toMatchObject(svc.spec.selector);
  });
});

describe('Kueue', () => {
  it('ResourceFlavor, ClusterQueue and LocalQueue at kueue.x-k8s.io/v1beta2 with GPU quotas', () => {
    const stack = newStack();
    const a100 = new ResourceFlavor(stack, 'a100', { gpuProduct: 'NVIDIA-A100-SXM4-80GB' });
    const cq = new ClusterQueue(stack, 'research', { quotas: [{ flavor: a100, cpu: 64, memory: '512Gi', gpus: 16 }, { flavor: 'spot', gpus: 4 }], cohort: 'ml', namespaces: ['shop'] });
    new LocalQueue(stack, 'team', { clusterQueue: cq });
    const objects = synthObjects(stack);
    const flavor = findObject(objects, 'ResourceFlavor', 'a100');
    expect(flavor.apiVersion).toBe('kueue.x-k8s.io/v1beta2');
    expect(flavor.metadata.namespace).toBeUndefined();
    expect(flavor.spec.nodeLabels).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' });
    const queue = findObject(objects, 'ClusterQueue', 'research');
    expect(queue.spec.cohortName).toBe('ml');
    expect(queue.spec.resourceGroups).toEqual([{
      coveredResources: ['cpu', 'memory', 'nvidia.com/gpu'],
      flavors: [
        { name: 'a100', resources: [{ name: 'cpu', nominalQuota: '64' }, { name: 'memory', nominalQuota: '512Gi' }, { name: 'nvidia.com/gpu', nominalQuota: 16 }] },
        { name: 'spot', resources: [{ name: 'cpu', nominalQuota: 0 }, { name: 'memory', nominalQuota: 0 }, { name: 'nvidia.com/gpu', nominalQuota: 4 }] },
      ],
    }]);
    expect(findObject(objects, 'LocalQueue', 'team').spec).toEqual({ clusterQueue: 'research' });
  });
});

describe('GPU checks on any YAML', () => {
  const pod = (container: Record<string, unknown>, spec: Record<string, unknown> = {}): K8sObject => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ml' }, spec: { containers: [{ name: 'c', image: 'a/b:v1', ...container }], ...spec },
  });
  const rules = (o: K8sObject) => runChecks([{ json: o, path: 'test#0' }]).filter((f) => f.rule.startsWith('gpu-')).map((f) => `${f.rule} ${f.field}`);

  it('flags a GPU request without its limit, an unknown MIG profile, an unknown product, no toleration and no /dev/shm', () => {
    expect(rules(pod({ resources: { requests: { 'nvidia.com/gpu': 2 } } }))).toEqual(expect.arrayContaining(['gpu-limit-mismatch spec.containers[0].resources.requests["nvidia.com/gpu"]', 'gpu-missing-toleration spec.tolerations', 'gpu-missing-shm spec.volumes']));
    expect(rules(pod({ resources: { limits: { 'nvidia.com/mig-1g.11gb': 1 } } }))).toContain('gpu-unknown-mig spec.containers[0].resources.limits["nvidia.com/mig-1g.11gb"]');
    expect(rules(pod({ resources: { limits: { 'nvidia.com/gpu': 1 } } }, { nodeSelector: { 'nvidia.com/gpu.product': 'A100' } }))).toContain('gpu-unknown-product spec.nodeSelector["nvidia.com/gpu.product"]');
  });

  it('finds nothing in what the gpu prop emits', () => {
    const app = new App();
    const stack = new Stack(app, 'ml', { env: production });
    new Job(stack, 'j', { image, size: 'xlarge', gpu: { count: 4, product: 'NVIDIA-H100-80GB-HBM3' } });
    const objects = synthObjects(stack).map((json, i) => ({ json, path: `ml#${i}` }));
    expect(runChecks(objects).filter((f) => f.rule.startsWith('gpu-'))).toEqual([]);
  });
});

describe('TrainingJob on Kubeflow Trainer', () => {
  it('a TrainJob on the runtime with the trainer from the main container and its pods patched with security, scheduling, volumes, env and labels', () => {
    const stack = newStack();
    new LocalQueue(stack, 'research', { clusterQueue: 'gpus' });
    const t = new TrainingJob(stack, 'ft', { backend: 'trainjob', runtime: 'torch-cuda', image, command: ['torchrun', 'train.py'], nodes: 2, size: 'xlarge', gpu: { count: 4, product: 'NVIDIA-H100-80GB-HBM3' }, queue: 'research', checkpoints: { claim: 'ckpt' } });
    t.env('WANDB_PROJECT', 'ft');
    const objects = synthObjects(stack);
    const job = findObject(objects, 'TrainJob', 'ft');
    expect(job.apiVersion).toBe('trainer.kubeflow.org/v1alpha1');
    expect(job.metadata.labels[QUEUE_NAME_LABEL]).toBe('research');
    expect(job.spec.runtimeRef).toEqual({ name: 'torch-cuda' });
    expect(job.spec.trainer).toMatchObject({ image, command: ['torchrun', 'train.py'], numNodes: 2, numProcPerNode: 4 });
    expect(job.spec.trainer.resourcesPerNode.limits['nvidia.com/gpu']).toBe(4);
    expect(job.spec.trainer.resourcesPerNode.requests['nvidia.com/gpu']).toBe(4);
    const [patch] = job.spec.runtimePatches;
    expect(patch.manager).toBe('keelson.dev/training-job');
    const [replicated] = patch.trainingRuntimeSpec.template.spec.replicatedJobs;
    expect(replicated.name).toBe('node');
    const pod = replicated.template.spec.template;
    expect(pod.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'ft', [QUEUE_NAME_LABEL]: 'research' });
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.spec.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    expect(pod.spec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' });
    expect(main(pod).name).toBe('node');
    expect(envOf(main(pod))).toMatchObject({ CHECKPOINT_DIR: '/checkpoints', WANDB_PROJECT: 'ft' });
    expect(envOf(main(pod)).MASTER_ADDR).toBeUndefined();
    expect(main(pod).volumeMounts.some((m: any) => m.mountPath === '/dev/shm')).toBe(true);
    const checked = runChecks(objects.map((json, i) => ({ json, path: `ml#${i}` })));
    expect(checked.filter((f) => f.severity === 'error')).toEqual([]);
  });
});
