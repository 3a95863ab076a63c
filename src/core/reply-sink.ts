import type { TaskKind } from '../engine/protocol/task-kind.js';
import type { ErrorCode } from './errors.js';

/** A file to post, with what the adapter needs to label and fit it. */
export interface OutgoingMedia {
  readonly bytes: Uint8Array;
  readonly mime: string;
  readonly filename: string;
  readonly altText: string;
  readonly kind: TaskKind;
  /** The caption / instruction the task ran with (buttons such as Regenerate reuse it). */
  readonly prompt: string;
  /** Stable id of the stored media, for buttons (Regenerate, Edit…) that must survive restarts. */
  readonly mediaId: string;
  readonly seed: number;
}

/**
 * Progress of one job, shown by the adapter as it sees fit. `chat` is the reply itself: it is only
 * reported while it waits in the queue (then `done` once it starts, when the adapter shows typing).
 */
export interface ProgressUpdate {
  readonly kind: TaskKind | 'chat';
  readonly phase: 'queued' | 'running' | 'done' | 'failed';
  /** 1-based place in the queue (phase `queued`). */
  readonly queuePosition?: number;
  /** Estimated milliseconds until the job starts (phase `queued`). */
  readonly etaMs?: number;
  readonly step?: number;
  readonly totalSteps?: number;
  readonly preview?: Uint8Array;
}

/** Something the adapter must tell the user; the adapter writes the words from the code. */
export interface Notice {
  readonly code: ErrorCode;
  readonly kind?: TaskKind;
  readonly details?: Readonly<Record<string, string | number>>;
}

/**
 * Where the core sends a reply. Each adapter implements it for one incoming message; the adapter
 * owns platform limits (message length, edit rate, upload size) and user-facing text.
 */
export interface ReplySink {
  /** Shows that the bot is writing. */
  typing(): Promise<void>;
  /**
   * The reply text so far (complete, not a delta). Called repeatedly while streaming, then once with
   * `final: true`. The adapter decides how often to edit and how to split.
   */
  text(text: string, final: boolean): Promise<void>;
  /** Posts one produced file. */
  media(item: OutgoingMedia): Promise<void>;
  /** Job progress (queue position, step, preview). */
  progress(update: ProgressUpdate): Promise<void>;
  /** An expected failure or warning to tell the user about. */
  notice(notice: Notice): Promise<void>;
}
