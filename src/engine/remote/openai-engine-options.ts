import type { TaskTokens } from '../bundle/manifest.js';
import type { EngineImage } from '../engine.js';
import type { RemoteLogger } from './http-call.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';

/** How the `openai` engine backend reaches its server. */
export interface OpenAiEngineOptions {
  /** Base URL up to and including `/v1` (e.g. `http://127.0.0.1:8000/v1`). Env: LLMBIND_LLM_URL. */
  readonly baseUrl: string;
  /** Model name the server knows (`served-model-name` in vLLM). Env: LLMBIND_LLM_MODEL. */
  readonly model: string;
  /** Sent as `Authorization: Bearer …` only; never logged, scrubbed from errors. Env: LLMBIND_LLM_API_KEY. */
  readonly apiKey?: string;
  readonly logger: RemoteLogger;
  /** Whole reply, connection to last token. */
  readonly requestTimeoutMs?: number;
  /** Longest silence between two stream events before the reply is given up as `timeout`. */
  readonly idleTimeoutMs?: number;
  readonly retry?: RetryPolicy;
  /** Task tag spellings the model writes (the bundle's `llm.taskTokens`; the paper's tags by default). */
  readonly taskTokens?: TaskTokens;
  /** A system message; omitted by default so the server's chat template decides. */
  readonly systemPrompt?: string;
  /** Extra stop sequences (the server's template already stops at its end-of-turn token). */
  readonly stop?: readonly string[];
  /** Latest images sent per request (vLLM serves LLaVA with one image per prompt by default). */
  readonly maxImages?: number;
  /** Image → URL; data URLs by default. */
  readonly imageUrl?: (image: EngineImage) => Promise<string>;
  /**
   * Forced tasks: the reply is prefilled with the task's open tag (a trailing assistant message, with
   * vLLM's `continue_final_message`; llama.cpp server and Ollama continue a trailing assistant message
   * on their own). Off: the forced task is ignored and the model answers freely.
   */
  readonly prefillForcedTask?: boolean;
  /** Segmentation calls carry the user's words before the sentence around `[SEG]` (see docs/remote-backends.md). */
  readonly segmentationPrompt?: 'sentence' | 'user-and-sentence';
  /** Special-token literals besides the task tags that user text may not carry verbatim. */
  readonly reservedLiterals?: readonly string[];
  /** Injected in tests. */
  readonly fetch?: typeof fetch;
  readonly random?: () => number;
}

/** Defaults for every optional setting, checked against the options type. */
export const DEFAULT_OPENAI_ENGINE_OPTIONS = {
  requestTimeoutMs: 120_000,
  idleTimeoutMs: 30_000,
  retry: DEFAULT_RETRY_POLICY,
  maxImages: 1,
  prefillForcedTask: true,
  segmentationPrompt: 'user-and-sentence',
  stop: [],
  reservedLiterals: ['<image>', '<s>', '</s>', '<|im_start|>', '<|im_end|>', '<|eot_id|>', '<|endoftext|>'],
} as const satisfies Partial<Required<OpenAiEngineOptions>>;
