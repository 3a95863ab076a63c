import type { ErrorCode } from '../core/errors.js';
import type { JobKind } from '../core/jobs/job.js';
import type { Platform } from '../core/message.js';

/**
 * What the bot counts, as a contract: the core and the adapters call these, and only the
 * implementation knows Prometheus exists. Every method must be cheap and must not throw.
 */
export interface BotMetrics {
  /** A scheduler job ended (the scheduler observer calls this). */
  jobSettled(kind: JobKind, outcome: 'ok' | ErrorCode, times: { waitedMs: number; runMs: number }): void;
  /** Compute-seconds billed for a job (the quota ticket's onCharge calls this). */
  computeSeconds(kind: JobKind, seconds: number): void;
  /** The platform answered 429 on a route (adapters' rate-limit handlers call this). */
  rateLimited(platform: Platform, route: string): void;
  /** A failure that did not come from a job (refusals, ingest, adapter errors). */
  error(code: ErrorCode): void;
}

/** Counts nothing (tests, `--json` runs). */
export const noopMetrics: BotMetrics = {
  jobSettled: () => {},
  computeSeconds: () => {},
  rateLimited: () => {},
  error: () => {},
};
