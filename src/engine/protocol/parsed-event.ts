import type { UnclosedTaskWarning } from '../engine.js';
import type { TaskKind } from './task-kind.js';

/**
 * A complete task span parsed from model output. The engine turns it into a `TaskCall`
 * (src/engine/engine.ts) after running `segHiddenState` through the seg projector.
 */
export interface ParsedTaskCall {
  readonly kind: TaskKind;
  /** Span content with whitespace collapsed; for `[SEG]`, the visible sentence around the marker. */
  readonly prompt: string;
  /** 0-based position among the task calls of this reply, in the order the tags appeared. */
  readonly index: number;
  /** RAW decoder hidden state for a `[SEG]` marker (before the seg projector), when the backend has one. */
  readonly segHiddenState?: Float32Array;
}

/** What the parser emits: the text/task/warning members of `EngineEvent`, with raw `[SEG]` hidden states. */
export type ParsedEvent =
  | { readonly type: 'text'; readonly delta: string }
  | { readonly type: 'task'; readonly call: ParsedTaskCall }
  | UnclosedTaskWarning;
