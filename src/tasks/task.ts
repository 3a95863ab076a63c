import type { Result } from '../core/errors.js';
import type { EngineImage } from '../engine/engine.js';
import type { TaskKind } from '../engine/protocol/task-kind.js';

/** What a task runner is asked to do. */
export interface TaskRequest {
  readonly kind: TaskKind;
  readonly prompt: string;
  readonly seed: number;
  /** The image the turn refers to (editing, segmentation, image → video). */
  readonly inputImage?: EngineImage;
  /** `[SEG]` prompt embedding (already through the seg projector). */
  readonly segEmbedding?: Float32Array;
}

/** Progress of a running job. */
export interface TaskProgress {
  readonly step: number;
  readonly totalSteps: number;
  /** A small PNG of the current state, every k steps when the runner offers one. */
  readonly preview?: Uint8Array;
}

/** One produced file. */
export interface MediaResult {
  readonly bytes: Uint8Array;
  readonly mime: string;
  readonly filename: string;
  /** Describes the media for screen readers and for the conversation history. */
  readonly altText: string;
}

/** What a runner returns on success. */
export interface TaskOutput {
  readonly media: readonly MediaResult[];
  readonly seed: number;
  /** CPU/GPU seconds spent (billed by the scheduler). */
  readonly computeSeconds: number;
}

/** Options every run gets. */
export interface TaskRunOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: TaskProgress) => void;
}

/** The task contract: one folder under src/tasks per implementation. */
export interface Task {
  readonly kind: TaskKind;
  /** Expected failures (bad input image, model missing, output too large) are values. */
  run(request: TaskRequest, options: TaskRunOptions): Promise<Result<TaskOutput>>;
  /** Releases sessions. */
  dispose(): Promise<void>;
}
