import type { Result } from '../errors.js';
import type { JobKind, JobOwner } from '../jobs/job.js';

/** Budgets; `Infinity` switches one off. */
export interface QuotaLimits {
  /** Length of the rolling window, in milliseconds. */
  readonly windowMs: number;
  /** Compute-seconds one user may spend per window, across platforms' DMs and workspaces. */
  readonly userComputeSeconds: number;
  /** Compute-seconds one guild/workspace may spend per window (DMs have no workspace budget). */
  readonly workspaceComputeSeconds: number;
  /** Tickets one user may hold at once (the Orchestrator takes one per turn). */
  readonly maxConcurrentPerUser: number;
}

/**
 * Permission to run work for an owner; charge what the work cost, release when done. Callers need not
 * wait on either: a shared implementation records them in the background (and never throws).
 */
export interface QuotaTicket {
  /** Bills compute-seconds (as the engine or runner reported them) to the user and the workspace. */
  charge(seconds: number, kind: JobKind): void;
  /** Gives the concurrency slot back; idempotent. */
  release(): void;
}

/** Where an owner stands, for `/usage`-style commands and tests. */
export interface QuotaUsage {
  readonly userSeconds: number;
  readonly workspaceSeconds?: number;
  readonly concurrent: number;
}

/**
 * A value now, or a promise of it: in-memory quotas answer at once, shared ones (Redis) after a round
 * trip. Callers `await` either; an implementation may declare the narrower of the two.
 */
export type MaybePromise<T> = T | Promise<T>;

/**
 * The quota contract. `admit` fails with `quota_exceeded` and these details:
 * `scope` ('user' | 'workspace' | 'concurrent'), `limit`, `used`, and for the budgets `resetAt`
 * (epoch ms) and `retryAfterSeconds`, so the adapter can say when it resets. It never rejects: a
 * shared store that cannot answer is a failure value too.
 */
export interface Quotas {
  admit(owner: JobOwner): MaybePromise<Result<QuotaTicket>>;
  usage(owner: JobOwner): MaybePromise<QuotaUsage>;
}
