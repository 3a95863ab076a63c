import type { TaskKind } from '../../engine/protocol/task-kind.js';
import type { ErrorCode, Result } from '../errors.js';
import type { Platform } from '../message.js';

/** Who a job is for: fairness, quotas and cancellation key on it. */
export interface JobOwner {
  readonly platform: Platform;
  /** Guild or workspace; absent for DMs and the CLI. */
  readonly workspaceId?: string;
  readonly userId: string;
}

/** What a job does: `chat` is one engine reply, the rest are task runs. */
export type JobKind = 'chat' | TaskKind;

/**
 * Default priority per kind (lower runs first). Text before media: a chat reply takes seconds and a
 * user is waiting for it to start streaming; media jobs take tens of seconds and show progress anyway.
 */
export const DEFAULT_PRIORITIES = {
  chat: 0,
  segmentation: 1,
  image_generation: 1,
  image_editing: 1,
  audio_generation: 2,
  video_generation: 2,
} as const satisfies Record<JobKind, number>;

/** What the scheduler tells a job's submitter while it waits and runs. */
export type JobEvent =
  | {
      readonly type: 'queued';
      /** 1-based place in the dispatch order of its resource, if nothing else arrives. */
      readonly position: number;
      /** Estimated milliseconds until it starts. */
      readonly etaMs: number;
    }
  | { readonly type: 'started'; readonly waitedMs: number }
  | { readonly type: 'finished'; readonly outcome: 'ok' | ErrorCode; readonly runMs: number };

/** A unit of work for the scheduler. */
export interface JobSpec<T> {
  readonly owner: JobOwner;
  readonly kind: JobKind;
  /** Overrides the kind's default priority (lower runs first). */
  readonly priority?: number;
  /** The device queue to run on; defaults to the scheduler's first resource. */
  readonly resource?: string;
  /** Conversation the job belongs to, so `/reset` and Cancel can find it. */
  readonly conversationId?: string;
  /** Milliseconds the run may take once started; the scheduler's default when absent. */
  readonly timeoutMs?: number;
  /** The caller's cancellation (the turn's signal): aborting it cancels the job. */
  readonly signal?: AbortSignal;
  /**
   * The work. Its signal aborts on cancel or timeout; a run that ignores it keeps its device slot
   * until it settles (the device really is busy), but the submitter gets its answer at once.
   */
  run(signal: AbortSignal): Promise<T>;
  /** Queue position, start and finish, for progress messages. Must not throw. */
  readonly onEvent?: (event: JobEvent) => void;
}

/** What a finished job came to. */
export interface JobDone<T> {
  readonly value: T;
  readonly waitedMs: number;
  readonly runMs: number;
}

/** A submitted job. */
export interface JobHandle<T> {
  readonly id: string;
  /**
   * Settles once: `ok` with the run's value, or a Failure (`cancelled`, `timeout`, or the code of
   * what the run threw). Never rejects.
   */
  readonly result: Promise<Result<JobDone<T>>>;
  /** Cancels the job (removes it from the queue or aborts its run). No-op once settled. */
  cancel(): void;
}

/** A job as observers and cancellation filters see it. */
export interface JobInfo {
  readonly id: string;
  readonly owner: JobOwner;
  readonly kind: JobKind;
  readonly resource: string;
  readonly conversationId?: string;
  readonly state: 'queued' | 'running';
}
