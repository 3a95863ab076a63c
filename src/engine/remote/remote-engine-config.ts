import { LlmbindError } from '../../core/errors.js';
import type { TaskTokens } from '../bundle/manifest.js';
import type { RemoteLogger } from './http-call.js';
import { OpenAiEngine } from './openai-engine.js';
import { DEFAULT_RETRY_POLICY } from './retry-policy.js';

/** `engine.backend`: which Engine implementation serves the LLM. */
export type EngineBackend = 'auto' | 'onnx' | 'openai';

/** `engine.remote` in config (see the schema diff in docs/remote-backends.md). */
export interface RemoteLlmConfig {
  /** Env: LLMBIND_LLM_URL. */
  readonly url: string;
  /** Env: LLMBIND_LLM_MODEL. */
  readonly model: string;
  /** Env: LLMBIND_LLM_API_KEY (secret). */
  readonly apiKey: string;
  readonly idleTimeoutMs: number;
  readonly maxRetries: number;
  readonly maxImages: number;
  /** Empty: no system message (the server's chat template decides). */
  readonly systemPrompt: string;
}

/** Defaults as they go into config/default.yaml. */
export const DEFAULT_REMOTE_LLM_CONFIG = {
  url: '',
  model: '',
  apiKey: '',
  idleTimeoutMs: 30_000,
  maxRetries: 3,
  maxImages: 1,
  systemPrompt: '',
} as const satisfies RemoteLlmConfig;

/** `auto` means the remote server when a URL is configured, the in-process bundle otherwise. */
export function resolveEngineBackend(
  backend: EngineBackend,
  remote: Pick<RemoteLlmConfig, 'url'>,
): 'onnx' | 'openai' {
  if (backend !== 'auto') return backend;
  return remote.url ? 'openai' : 'onnx';
}

/**
 * The `openai` Engine from config. `config_invalid` names the missing environment variable, never a
 * value. `taskTokens`: the bundle's spellings when a bundle is present (the paper's tags otherwise).
 */
export function openAiEngineFromConfig(
  remote: RemoteLlmConfig,
  deps: { logger: RemoteLogger; requestTimeoutMs: number; taskTokens?: TaskTokens },
): OpenAiEngine {
  if (!remote.url)
    throw new LlmbindError('config_invalid', 'the openai engine backend needs LLMBIND_LLM_URL', {
      key: 'engine.remote.url',
    });
  if (!remote.model)
    throw new LlmbindError('config_invalid', 'the openai engine backend needs LLMBIND_LLM_MODEL', {
      key: 'engine.remote.model',
    });
  return new OpenAiEngine({
    baseUrl: remote.url,
    model: remote.model,
    ...(remote.apiKey ? { apiKey: remote.apiKey } : {}),
    logger: deps.logger,
    requestTimeoutMs: deps.requestTimeoutMs,
    idleTimeoutMs: remote.idleTimeoutMs,
    retry: { ...DEFAULT_RETRY_POLICY, maxRetries: remote.maxRetries },
    maxImages: remote.maxImages,
    ...(remote.systemPrompt ? { systemPrompt: remote.systemPrompt } : {}),
    ...(deps.taskTokens ? { taskTokens: deps.taskTokens } : {}),
  });
}
