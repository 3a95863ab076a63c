import { fail, ok, type Result } from '../errors.js';
import { groupKeyOf, userKeyOf } from '../jobs/fair-queue.js';
import type { JobKind, JobOwner } from '../jobs/job.js';
import type { QuotaLimits, Quotas, QuotaTicket, QuotaUsage } from './quotas.js';
import { RollingWindow } from './rolling-window.js';

/** Defaults, checked against the limits type: one hour, generous enough for a demo server. */
export const DEFAULT_QUOTA_LIMITS = {
  windowMs: 60 * 60_000,
  userComputeSeconds: 600,
  workspaceComputeSeconds: 3_600,
  maxConcurrentPerUser: 2,
} as const satisfies QuotaLimits;

/** Options of {@link RollingQuotas}. */
export interface RollingQuotasOptions {
  readonly limits?: Partial<QuotaLimits>;
  /** Called for every charge (the compute-seconds-by-kind metric). Must not throw. */
  readonly onCharge?: (owner: JobOwner, kind: JobKind, seconds: number) => void;
  readonly now?: () => number;
}

/** Prune expired charges every this many admissions, so idle users' history is dropped. */
const PRUNE_EVERY = 256;

/**
 * In-memory {@link Quotas}: compute-second budgets over a rolling window per user and per
 * workspace, plus a per-user cap on tickets held at once.
 *
 * Bottleneck does not fit here: its reservoir refills on a fixed interval (not a rolling window),
 * it queues work instead of refusing it (the scheduler already queues), and it cannot say when a
 * budget frees up. It stays the tool for platform API rate limits (src/ratelimit).
 *
 * Admission checks what was already charged; running work is billed when it reports its seconds,
 * so a user can overshoot by at most `maxConcurrentPerUser` jobs' worth, once.
 */
export class RollingQuotas implements Quotas {
  readonly limits: QuotaLimits;
  private readonly users: RollingWindow;
  private readonly workspaces: RollingWindow;
  private readonly concurrent = new Map<string, number>();
  private readonly now: () => number;
  private admissions = 0;

  constructor(private readonly options: RollingQuotasOptions = {}) {
    this.limits = { ...DEFAULT_QUOTA_LIMITS, ...options.limits };
    this.users = new RollingWindow(this.limits.windowMs);
    this.workspaces = new RollingWindow(this.limits.windowMs);
    this.now = options.now ?? Date.now;
  }

  admit(owner: JobOwner): Result<QuotaTicket> {
    const now = this.now();
    if (++this.admissions % PRUNE_EVERY === 0) {
      this.users.prune(now);
      this.workspaces.prune(now);
    }
    const user = userKeyOf(owner);
    const workspace = owner.workspaceId === undefined ? undefined : groupKeyOf(owner);
    const over =
      this.overBudget('user', this.users, user, this.limits.userComputeSeconds, now) ??
      (workspace === undefined
        ? undefined
        : this.overBudget('workspace', this.workspaces, workspace, this.limits.workspaceComputeSeconds, now));
    if (over) return over;
    const held = this.concurrent.get(user) ?? 0;
    if (held >= this.limits.maxConcurrentPerUser)
      return fail('quota_exceeded', `${user} already has ${held} jobs in flight`, {
        scope: 'concurrent',
        limit: this.limits.maxConcurrentPerUser,
        used: held,
      });
    this.concurrent.set(user, held + 1);
    let released = false;
    return ok({
      charge: (seconds, kind) => {
        if (!(seconds > 0)) return;
        const at = this.now();
        this.users.add(user, at, seconds);
        if (workspace !== undefined) this.workspaces.add(workspace, at, seconds);
        try {
          this.options.onCharge?.(owner, kind, seconds);
        } catch {
          // Metrics must not break billing.
        }
      },
      release: () => {
        if (released) return;
        released = true;
        const n = (this.concurrent.get(user) ?? 1) - 1;
        if (n <= 0) this.concurrent.delete(user);
        else this.concurrent.set(user, n);
      },
    });
  }

  usage(owner: JobOwner): QuotaUsage {
    const now = this.now();
    return {
      userSeconds: this.users.used(userKeyOf(owner), now),
      ...(owner.workspaceId === undefined
        ? {}
        : { workspaceSeconds: this.workspaces.used(groupKeyOf(owner), now) }),
      concurrent: this.concurrent.get(userKeyOf(owner)) ?? 0,
    };
  }

  private overBudget(
    scope: 'user' | 'workspace',
    window: RollingWindow,
    key: string,
    limit: number,
    now: number,
  ): Result<never> | undefined {
    const used = window.used(key, now);
    if (used < limit) return undefined;
    const resetAt = window.underLimitAt(key, now, limit);
    return fail('quota_exceeded', `${scope} ${key} used ${used.toFixed(1)} of ${limit} compute-seconds`, {
      scope,
      limit,
      used: Math.round(used * 10) / 10,
      resetAt,
      retryAfterSeconds: Math.ceil((resetAt - now) / 1000),
    });
  }
}
