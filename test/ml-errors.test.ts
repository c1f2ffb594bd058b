import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineEnvironment, InferenceGroup, Job, ModelServer, TrainingJob, ClusterQueue, LocalQueue, ResourceFlavor, synth } from '../src/index.js';
import { production } from '../presets/index.js';
import { newStack } from './support/app.js';
import { itRefuses, type BadInputCase, type Make } from './support/bad-input.js';

const image = 'acme/train:v1.2.3';
const mig = defineEnvironment(production, { name: 'mig', gpu: { migStrategy: 'mixed' } });
const gke = defineEnvironment(production, { name: 'gke', gpu: { productLabel: 'cloud.google.com/gke-accelerator', taintKey: null, gpusPerNode: 4 } });
const job: Make = (p) => new Job(newStack(), 'j', { image, ...p } as any);
const migJob: Make = (p) => new Job(newStack(mig), 'j', { image, ...p } as any);
const gkeJob: Make = (p) => new Job(newStack(gke), 'j', { image, ...p } as any);
const train: Make = (p) => new TrainingJob(newStack(), 'train', { image, command: ['torchrun', 'train.py'], size: 'xlarge', gpu: { count: 4 }, ...p } as any);
const serve: Make = (p) => new ModelServer(newStack(), 'llm', { model: 'mistralai/Mistral-7B-Instruct-v0.3', gpu: { count: 1 }, ...p } as any);
const group: Make = (p) => new InferenceGroup(newStack(), 'group', { image, groupSize: 2, port: 8000, size: '2xlarge', gpu: { count: 8 }, ...p } as any);
const cq: Make = (p) => new ClusterQueue(newStack(), 'cq', { quotas: [{ flavor: 'a100', gpus: 8 }], ...p } as any);
const flavor: Make = (p) => new ResourceFlavor(newStack(), 'a100', { ...p } as any);

const cases: BadInputCase[] = [
  { title: 'zero GPUs', make: job, props: { gpu: { count: 0 } }, field: 'gpu.count', value: '0', rule: 'whole number of at least 1' },
  { title: 'half a GPU', make: job, props: { gpu: { count: 0.5 } }, field: 'gpu.count', value: '0.5', rule: 'whole number' },
  { title: 'misspelt GPU product', make: job, props: { gpu: { count: 1, product: 'NVIDIA-A100-SXM4-80G' } }, field: 'gpu.product', value: '"NVIDIA-A100-SXM4-80G"', rule: 'Did you mean "NVIDIA-A100-SXM4-80GB"' },
  { title: 'GFD product name on a GKE cluster', make: gkeJob, props: { gpu: { count: 1, product: 'NVIDIA-L4' } }, field: 'gpu.product', value: '"NVIDIA-L4"', rule: 'cloud.google.com/gke-accelerator' },
  { title: 'more GPUs than a node has', make: job, props: { gpu: { count: 16 } }, field: 'gpu.count', value: '16', rule: 'exceeds the 8 GPUs a node' },
  { title: 'more GPUs than a GKE node of the profile has', make: gkeJob, props: { gpu: { count: 8 } }, field: 'gpu.count', value: '8', rule: 'exceeds the 4 GPUs' },
  { title: 'MIG on a cluster without MIG', make: job, props: { gpu: { count: 1, mig: '1g.10gb' } }, field: 'gpu.mig', value: '"1g.10gb"', rule: 'migStrategy "none"' },
  { title: 'MIG profile misspelt', make: migJob, props: { gpu: { count: 1, mig: '1g.10g' } }, field: 'gpu.mig', value: '"1g.10g"', rule: 'Did you mean "1g.10gb"' },
  { title: 'GPU prop with a typo', make: job, props: { gpu: { cuont: 1 } }, field: 'gpu.cuont', value: '1', rule: 'Did you mean "count"' },
  { title: 'GPU resource set twice', make: job, props: { gpu: { count: 1 }, resources: { extended: { 'nvidia.com/gpu': 1 } } }, field: 'resources.extended.nvidia.com/gpu', value: '1', rule: 'requests the GPUs itself' },
  { title: 'shm besides gpu', make: job, props: { gpu: { count: 1 }, shm: '2Gi' }, field: 'shm', value: '"2Gi"', rule: 'sizes /dev/shm of GPU pods' },
  { title: 'node selector against the product', make: job, props: { gpu: { count: 1, product: 'NVIDIA-L4' }, nodeSelector: { 'nvidia.com/gpu.product': 'Tesla-T4' } }, field: 'nodeSelector.nvidia.com/gpu.product', value: '"Tesla-T4"', rule: 'contradicts gpu.product' },
  { title: 'GPU shm that is not a quantity', make: job, props: { gpu: { count: 1, shm: '8GB' } }, field: 'gpu.shm', value: '"8GB"', rule: 'memory' },
  { title: 'training backend unknown', make: train, props: { backend: 'mpi' }, field: 'backend', value: '"mpi"', rule: 'must be "job", "pytorchjob" or "trainjob"' },
  { title: 'runtime on the Job backend', make: train, props: { runtime: 'torch-distributed' }, field: 'runtime', value: '"torch-distributed"', rule: 'only to the trainjob backend' },
  { title: 'sidecar on a TrainJob', make: train, props: { backend: 'trainjob', sidecars: [{ name: 'log', image }] }, field: 'sidecars', value: 'log', rule: 'cannot be added to a TrainJob' },
  { title: 'zero training nodes', make: train, props: { nodes: 0 }, field: 'nodes', value: '0', rule: 'whole number from 1' },
  { title: 'elastic on the Job backend', make: train, props: { nodes: 2, elastic: { minNodes: 1, maxNodes: 4 } }, field: 'elastic', value: 'minNodes', rule: 'needs the pytorchjob backend' },
  { title: 'nodes outside the elastic range', make: train, props: { backend: 'pytorchjob', nodes: 8, elastic: { minNodes: 1, maxNodes: 4 } }, field: 'nodes', value: '8', rule: 'outside the elastic range 1-4' },
  { title: 'multi-worker CPU training without shm', make: (p) => new TrainingJob(newStack(), 'train', { image, command: ['torchrun', 'train.py'], ...p } as any), props: { nodes: 2 }, field: 'shm', value: '(missing)', rule: 'share tensors through /dev/shm' },
  { title: 'rendezvous variable set by hand', make: train, props: { env: { MASTER_ADDR: 'x' } }, field: 'env.MASTER_ADDR', value: '"x"', rule: 'set by the training job' },
  { title: 'default /dev/shm of the GPUs above the memory limit', make: (p) => new Job(newStack(), 'j', { image, gpu: { count: 2 }, ...p } as any), props: {}, field: 'gpu.shm', value: '"2Gi"', rule: 'GPU pods get 1Gi of /dev/shm per GPU' },
  { title: 'queue name with upper case', make: train, props: { queue: 'Research' }, field: 'queue', value: '"Research"', rule: 'not a valid LocalQueue name' },
  { title: 'training prop misspelt', make: train, props: { node: 2 }, field: 'node', value: '2', rule: 'Did you mean "nodes"' },
  { title: 'unknown NCCL debug level', make: train, props: { nccl: { debug: 'DEBUG' } }, field: 'nccl.debug', value: '"DEBUG"', rule: '"WARN", "INFO" or "TRACE"' },
  { title: 'rendezvous port out of range', make: train, props: { rendezvousPort: 70000 }, field: 'rendezvousPort', value: '70000', rule: '1-65535' },
  { title: 'tensor parallel against the GPU count', make: serve, props: { tensorParallel: 2 }, field: 'tensorParallel', value: '2', rule: 'differs from gpu.count (1)' },
  { title: 'model server without GPU', make: serve, props: { gpu: undefined }, field: 'gpu', value: '(missing)', rule: 'runs on GPUs' },
  { title: 'cache size with a claim', make: serve, props: { cache: { claim: 'models', size: '10Gi' } }, field: 'cache.size', value: '"10Gi"', rule: 'only to an emptyDir cache' },
  { title: 'HF_TOKEN set as plain env', make: serve, props: { env: { HF_TOKEN: 'hf_abc' } }, field: 'env.HF_TOKEN', value: '"hf_abc"', rule: 'set by the model server' },
  { title: 'HF token as a plain string', make: serve, props: { huggingFaceToken: 'hf_abc' }, field: 'huggingFaceToken', value: '"hf_abc"', rule: 'must be { secret, key }' },
  { title: 'HF token ExternalSecret without a remote key', make: serve, props: { huggingFaceToken: { externalSecret: { store: 'vault' } } }, field: 'huggingFaceToken.externalSecret.remoteKey', value: '(missing)', rule: 'is required' },
  { title: 'model server prop misspelt', make: serve, props: { modle: 'x' }, field: 'modle', value: '"x"', rule: 'Did you mean "model"' },
  { title: 'group of one pod', make: group, props: { groupSize: 1 }, field: 'groupSize', value: '1', rule: 'one leader and at least one worker' },
  { title: 'group worker command not a list', make: group, props: { worker: { command: 'ray start' } }, field: 'worker.command', value: '"ray start"', rule: 'list of strings' },
  { title: 'ClusterQueue without quotas', make: cq, props: { quotas: [] }, field: 'quotas', value: '[]', rule: 'at least one flavor quota' },
  { title: 'ClusterQueue fractional GPU quota', make: cq, props: { quotas: [{ flavor: 'a100', gpus: 1.5 }] }, field: 'quotas[0].gpus', value: '1.5', rule: 'whole number' },
  { title: 'ClusterQueue flavor listed twice', make: cq, props: { quotas: [{ flavor: 'a100', gpus: 8 }, { flavor: 'a100', gpus: 4 }] }, field: 'quotas[1].flavor', value: '"a100"', rule: 'listed twice' },
  { title: 'ResourceFlavor product unknown', make: flavor, props: { gpuProduct: 'A100' }, field: 'gpuProduct.product', value: '"A100"', rule: 'is not a GPU product' },
];

describe('bad input to GPU workloads, model servers, training jobs and queues', () => {
  it('covers at least 20 bad inputs', () => expect(cases.length).toBeGreaterThanOrEqual(20));

  itRefuses(cases);

  it('refuses at synth a job queued to a LocalQueue the app does not have', () => {
    const stack = newStack();
    new LocalQueue(stack, 'team-a', { clusterQueue: 'shared' });
    new TrainingJob(stack, 'train', { image, command: ['torchrun', 'train.py'], size: 'medium', gpu: { count: 1 }, queue: 'team-b' });
    expect(() => synth(stack.node.root, { outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-ml-')) })).toThrow(/label-target-missing[\s\S]*LocalQueue shop\/team-b does not exist/);
  });
});
