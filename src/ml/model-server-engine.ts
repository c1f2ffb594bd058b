/** What an engine needs to start serving one model. */
export interface EngineArgs {
  /** Model id on the hub (e.g. `mistralai/Mistral-7B-Instruct-v0.3`) or a path in the cache. */
  readonly model: string;
  /** Port the server listens on. */
  readonly port: number;
  /** GPUs one copy of the model is split over (tensor parallelism). */
  readonly tensorParallel: number;
  /** Folder of the model cache. */
  readonly cacheDir: string;
}

/**
 * An OpenAI-compatible (or similar) model server described as data: its image, port,
 * arguments and health endpoint, so vLLM, TGI, SGLang or Triton fit the same construct.
 */
export interface ModelServerEngine {
  /** Short name, e.g. `vllm`. */
  readonly name: string;
  /** Image with tag. */
  readonly image: string;
  /** Port the server listens on. */
  readonly port: number;
  /** Readiness endpoint: 200 once the model is loaded. */
  readonly readyPath: string;
  /** Entrypoint override. @default - the image's */
  readonly command?: readonly string[];
  /** The server's arguments. */
  readonly args: (options: EngineArgs) => string[];
}

/** vLLM's OpenAI-compatible server (`vllm/vllm-openai`): `/v1/chat/completions`, `/health`. */
export const VLLM: ModelServerEngine = {
  name: 'vllm',
  image: 'vllm/vllm-openai:v0.8.5',
  port: 8000,
  readyPath: '/health',
  args: (o) => ['--model', o.model, '--port', String(o.port), '--tensor-parallel-size', String(o.tensorParallel), '--download-dir', o.cacheDir],
};

/** Hugging Face Text Generation Inference (OpenAI-compatible Messages API): `/health`. */
export const TGI: ModelServerEngine = {
  name: 'tgi',
  image: 'ghcr.io/huggingface/text-generation-inference:3.0.1',
  port: 8080,
  readyPath: '/health',
  args: (o) => ['--model-id', o.model, '--port', String(o.port), '--num-shard', String(o.tensorParallel), '--huggingface-hub-cache', o.cacheDir],
};

/** SGLang's OpenAI-compatible server (`lmsysorg/sglang`): `/health`. */
export const SGLANG: ModelServerEngine = {
  name: 'sglang',
  image: 'lmsysorg/sglang:v0.4.6.post1-cu124',
  port: 30000,
  readyPath: '/health',
  command: ['python3', '-m', 'sglang.launch_server'],
  args: (o) => ['--model-path', o.model, '--host', '0.0.0.0', '--port', String(o.port), '--tp', String(o.tensorParallel), '--download-dir', o.cacheDir],
};
