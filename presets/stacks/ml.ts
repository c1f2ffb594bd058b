import type { Construct } from 'constructs';
import type { EnvironmentProfile } from '../../src/core/environment.js';
import { Stack } from '../../src/core/stack.js';
import { ClusterQueue } from '../../src/ml/cluster-queue.js';
import { InferenceGroup } from '../../src/ml/inference-group.js';
import { LocalQueue } from '../../src/ml/local-queue.js';
import { ModelServer } from '../../src/ml/model-server.js';
import { ResourceFlavor } from '../../src/ml/resource-flavor.js';
import { TrainingJob } from '../../src/ml/training-job.js';

const VLLM_IMAGE = 'vllm/vllm-openai:v0.8.5';

/**
 * GPU workloads of a research team: a vLLM server on one L4, a 70B model served by a
 * two-node LeaderWorkerSet group (Ray across the nodes, tensor parallel inside each), and a
 * 2 nodes × 4 GPUs PyTorch DDP fine-tune on both backends (Indexed Job and PyTorchJob),
 * admitted by Kueue against the team's GPU quota.
 */
export function mlStack(scope: Construct, env: EnvironmentProfile): Stack {
  const ml = new Stack(scope, `ml-${env.name}`, { env, partOf: 'ml' });

  const a100 = new ResourceFlavor(ml, 'a100-80gb', { gpuProduct: 'NVIDIA-A100-SXM4-80GB' });
  const research = new ClusterQueue(ml, 'research', {
    quotas: [{ flavor: a100, cpu: 96, memory: '768Gi', gpus: 16 }],
    namespaces: [ml.namespaceName],
  });
  new LocalQueue(ml, 'research-queue', { name: 'research', clusterQueue: research });

  const llm = new ModelServer(ml, 'llm', {
    model: 'mistralai/Mistral-7B-Instruct-v0.3',
    image: VLLM_IMAGE,
    gpu: { count: 1, product: 'NVIDIA-L4' },
    replicas: 1,
    resources: { requests: { cpu: '4', memory: '24Gi' }, limits: { cpu: '8', memory: '32Gi' } },
    huggingFaceToken: { externalSecret: { store: 'vault', remoteKey: 'ml/huggingface', property: 'token' } },
    hubEgress: true,
  });

  const big = new InferenceGroup(ml, 'llm-70b', {
    image: VLLM_IMAGE,
    groupSize: 2,
    port: 8000,
    gpu: { count: 4, product: 'NVIDIA-A100-SXM4-80GB', shm: '16Gi' },
    resources: { requests: { cpu: '16', memory: '200Gi' }, limits: { cpu: '32', memory: '256Gi' } },
    env: { HOME: '/tmp', HF_TOKEN: { secret: 'llm-hf-token', key: 'token' } },
    health: { ready: '/health', slowStart: '40m' },
    leader: {
      command: ['sh', '-c'],
      args: ['ray start --head --port=6379 && python3 -m vllm.entrypoints.openai.api_server --port 8000 --model meta-llama/Llama-3.1-70B-Instruct --tensor-parallel-size 4 --pipeline-parallel-size 2'],
    },
    worker: { command: ['sh', '-c'], args: ['ray start --address=$(LWS_LEADER_ADDRESS):6379 --block'] },
  });
  big.allowTo(llm);

  for (const backend of ['job', 'pytorchjob'] as const) {
    new TrainingJob(ml, backend === 'job' ? 'finetune' : 'finetune-operator', {
      backend,
      image: 'acme/train:v3.2.0',
      command: ['torchrun', '/app/train.py', '--epochs', '3'],
      nodes: 2,
      gpu: { count: 4, product: 'NVIDIA-A100-SXM4-80GB', shm: '16Gi' },
      resources: { requests: { cpu: '16', memory: '128Gi' }, limits: { cpu: '24', memory: '160Gi' } },
      queue: 'research',
      nccl: { debug: 'WARN' },
      checkpoints: { claim: 'finetune-checkpoints' },
      activeDeadline: '24h',
    });
  }
  return ml;
}
