import type { ErrorCode } from '../errors.js';
import type { JobHandle, JobInfo, JobSpec } from './job.js';

/** Counts per resource, for /metrics and /healthz. */
export interface SchedulerStats {
  readonly queued: number;
  readonly running: number;
  readonly byResource: Readonly<Record<string, { readonly queued: number; readonly running: number }>>;
}

/** Hooks for metrics and audit; called synchronously, must not throw. */
export interface SchedulerObserver {
  /** A job settled (after its run returned, or when it was removed from the queue). */
  settled?(job: JobInfo, outcome: 'ok' | ErrorCode, times: { waitedMs: number; runMs: number }): void;
}

/**
 * The job scheduler contract: every engine and task request of every platform goes through one, so
 * a busy guild and a Slack workspace share the devices fairly.
 */
export interface JobScheduler {
  /** Queues a job; it starts when its resource has a free slot and its turn comes. */
  submit<T>(spec: JobSpec<T>): JobHandle<T>;
  /**
   * Cancels every queued or running job the filter accepts (`/reset`, Cancel); returns how many.
   * `reason` lands in the failure's details (`shutdown`: the turn will be resumed after the restart).
   */
  cancelWhere(filter: (job: JobInfo) => boolean, reason?: 'shutdown'): number;
  /** Queued and running counts. */
  stats(): SchedulerStats;
  /**
   * Graceful shutdown: refuses new jobs (`cancelled`, details.reason = 'shutdown'), cancels queued
   * ones when asked, and resolves when every running job has settled.
   */
  close(options?: { readonly cancelQueued?: boolean }): Promise<void>;
}
