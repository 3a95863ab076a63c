import type { TaskKind } from './protocol/task-kind.js';

/** An image the engine may look at: encoded bytes (PNG/JPEG/WebP), decoded by the engine. */
export interface EngineImage {
  readonly bytes: Uint8Array;
  readonly mime: string;
}

/** One turn as the engine sees it: text plus the images attached to it, in order. */
export interface EngineTurn {
  readonly role: 'user' | 'assistant';
  readonly text: string;
  readonly images: readonly EngineImage[];
}

/** Sampling settings; temperature 0 means greedy. */
export interface SamplingOptions {
  readonly maxNewTokens: number;
  readonly temperature: number;
  readonly topP: number;
  readonly seed: number;
}

/** What `respond` reads. */
export interface EngineContext {
  readonly turns: readonly EngineTurn[];
  readonly sampling: SamplingOptions;
  /** Steers the reply to one task (forced-task commands): the engine opens that task's tag itself. */
  readonly forcedTask?: TaskKind;
}

/** A complete task span found in the model's output. */
export interface TaskCall {
  readonly kind: TaskKind;
  /** Caption / instruction inside the span; for `[SEG]`, the sentence around the token. */
  readonly prompt: string;
  /** Hidden state at the `[SEG]` step after the seg projector (LISA style), when the backend has it. */
  readonly segEmbedding?: Float32Array;
  /** 0-based position among the task calls of this reply. */
  readonly index: number;
}

/** A task span the model opened and never closed: reported with its partial prompt, never run. */
export interface UnclosedTaskWarning {
  readonly type: 'warning';
  readonly code: 'unclosed_task_tag';
  readonly kind: TaskKind;
  readonly prompt: string;
}

/** What the engine streams back. */
export type EngineEvent =
  | { readonly type: 'text'; readonly delta: string }
  | { readonly type: 'task'; readonly call: TaskCall }
  | UnclosedTaskWarning
  /**
   * The reply started over (a queue worker took over a job and wrote a different text): the text streamed
   * so far is void and what follows replaces it. Task calls already made stand.
   */
  | { readonly type: 'restart' }
  | {
      readonly type: 'done';
      /** The raw model output (tags included), stored as the assistant turn. */
      readonly raw: string;
      readonly tokens: number;
      readonly finishReason: 'stop' | 'length';
      /** Milliseconds from the call to the first token. */
      readonly firstTokenMs: number;
    };

/**
 * The engine contract: one backend (in-process ONNX, remote OpenAI-compatible server) behind it.
 * Nothing here knows about platforms or writes user-facing text.
 */
export interface Engine {
  /** Streams the reply to the conversation. Aborting the signal ends the stream with an AbortError. */
  respond(context: EngineContext, signal?: AbortSignal): AsyncIterable<EngineEvent>;
  /** Releases sessions and workers. */
  close(): Promise<void>;
}
