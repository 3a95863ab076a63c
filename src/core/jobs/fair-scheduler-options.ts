import type { DurationEstimator } from './duration-estimator.js';
import type { JobKind } from './job.js';
import type { SchedulerObserver } from './job-scheduler.js';

/** How the scheduler is set up (the composition root maps config onto it). */
export interface FairSchedulerOptions {
  /** Device queues and how many jobs each runs at once; the first is the default resource. */
  readonly resources?: Readonly<Record<string, number>>;
  /** Run-time limit for jobs that set none. */
  readonly defaultTimeoutMs?: number;
  /** Priority overrides per kind (lower runs first). */
  readonly priorities?: Partial<Record<JobKind, number>>;
  /**
   * A queued job rises one priority level per this many milliseconds waited, so a steady stream of
   * text can delay media but never starve it; 0 turns aging off.
   */
  readonly agingMs?: number;
  readonly estimator?: DurationEstimator;
  readonly observer?: SchedulerObserver;
  readonly now?: () => number;
}

/** Defaults, checked against the options type. */
export const DEFAULT_SCHEDULER_OPTIONS = {
  resources: { default: 1 },
  defaultTimeoutMs: 10 * 60_000,
  agingMs: 60_000,
} as const satisfies Pick<FairSchedulerOptions, 'resources' | 'defaultTimeoutMs' | 'agingMs'>;
