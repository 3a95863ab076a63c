import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { fail, ok, type Result } from '../core/errors.js';
import { groupKeyOf, userKeyOf } from '../core/jobs/fair-queue.js';
import type { JobKind, JobOwner } from '../core/jobs/job.js';
import type { Logger } from '../core/logger.js';
import type { QuotaLimits, Quotas, QuotaTicket, QuotaUsage } from '../core/quotas/quotas.js';
import { DEFAULT_QUOTA_LIMITS } from '../core/quotas/rolling-quotas.js';

/**
 * How long a concurrency slot lives without renewal. A frontend renews the slots it holds every quarter
 * of this, so a live one keeps them through a Redis hiccup (ioredis gives a command up after 0.7–6 s)
 * or an event-loop stall of many seconds; a crashed one (kill -9, lost host) stops renewing, and its
 * users get their slots back within this time instead of never.
 */
export const DEFAULT_SLOT_LEASE_MS = 60_000;

/**
 * Admission, atomically: trim both budgets to the window, refuse the first one spent (user, then
 * workspace: the order RollingQuotas checks in), drop lapsed slot leases, refuse at the cap, else take
 * a slot. A charge is a sorted-set member `<seconds>:<uuid>` scored by when it was made.
 * KEYS: user budget, workspace budget, user's slots. ARGV: now, windowMs, user limit, workspace limit
 * (-1: no check), slot cap (-1: none), lease id, leaseMs.
 * Returns {'ok'}, {'user'|'workspace', used, score of the charge whose expiry brings it under ('' when
 * none does: a zero limit)}, or {'concurrent', held}. Numbers travel as strings: Redis would truncate Lua numbers to integers.
 */
const ADMIT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local function amount(member) return tonumber(string.match(member, '^[^:]+')) end
local function over(key, limit)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if limit < 0 then return nil end
  local entries = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
  local used = 0
  for i = 1, #entries, 2 do used = used + amount(entries[i]) end
  if used < limit then return nil end
  local remaining = used
  for i = 1, #entries, 2 do
    remaining = remaining - amount(entries[i])
    if remaining < limit then return {string.format('%.17g', used), entries[i + 1]} end
  end
  return {string.format('%.17g', used), ''}
end
local spent = over(KEYS[1], tonumber(ARGV[3]))
if spent then return {'user', spent[1], spent[2]} end
spent = over(KEYS[2], tonumber(ARGV[4]))
if spent then return {'workspace', spent[1], spent[2]} end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local held = redis.call('ZCARD', KEYS[3])
local cap = tonumber(ARGV[5])
if cap >= 0 and held >= cap then return {'concurrent', tostring(held)} end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[7]), ARGV[6])
redis.call('PEXPIRE', KEYS[3], ARGV[7])
return {'ok'}
`;

/** The ioredis client with {@link ADMIT} defined on it. */
type ScriptedRedis = Redis & {
  llmbindQuotaAdmit(...args: [string, string, string, ...(string | number)[]]): Promise<string[]>;
};

/** A ticket whose writes can be awaited (tests, shutdown); they never reject: failures are logged. */
export interface RedisQuotaTicket extends QuotaTicket {
  charge(seconds: number, kind: JobKind): Promise<void>;
  release(): Promise<void>;
}

/** Options of {@link RedisQuotas}. */
export interface RedisQuotasOptions {
  /** A connected client (see `connectRedis`); the caller owns and closes it. */
  readonly redis: Redis;
  /** Keys are `<prefix>:quota:…` (config `queue.prefix`: several bots on one Redis). */
  readonly prefix: string;
  readonly logger: Logger;
  readonly limits?: Partial<QuotaLimits>;
  /** Called for every charge made through this process (its compute-seconds metric). Must not throw. */
  readonly onCharge?: (owner: JobOwner, kind: JobKind, seconds: number) => void;
  /** Epoch ms; passed to every script, so tests move time without sleeping. */
  readonly now?: () => number;
  /** {@link DEFAULT_SLOT_LEASE_MS} when absent. */
  readonly slotLeaseMs?: number;
}

/** A limit for the scripts: `-1` switches a check off (`Infinity` in {@link QuotaLimits}). */
const wire = (limit: number): string => (Number.isFinite(limit) ? String(limit) : '-1');

/** Sum of `<seconds>:<uuid>` members, in score order (as RollingWindow sums, so the floats agree). */
const total = (members: readonly string[]): number =>
  members.reduce((sum, m) => sum + Number(m.slice(0, m.indexOf(':'))), 0);

/**
 * {@link Quotas} kept in Redis, so every frontend of a bot bills one budget and one concurrency cap:
 * the same rolling windows, checks and failure details as RollingQuotas, which the shared spec
 * (test/core/quotas/quota-spec.ts) holds both to.
 *
 * Budgets are sorted sets of charges per user and per workspace, trimmed to the window by each
 * admission and expiring a window after their last charge. Concurrency is a sorted set of slot leases
 * per user (score: when the lease lapses), so a slot a crashed frontend held frees itself after
 * `slotLeaseMs`; the live frontend renews its own.
 */
export class RedisQuotas implements Quotas {
  /** The limits in force (defaults filled in). */
  readonly limits: QuotaLimits;
  /** How long a slot lives without renewal. */
  readonly slotLeaseMs: number;
  private readonly redis: ScriptedRedis;
  private readonly now: () => number;
  /** Slots this process holds: lease id → slots key, renewed by {@link renew}. */
  private readonly held = new Map<string, string>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: RedisQuotasOptions) {
    this.limits = { ...DEFAULT_QUOTA_LIMITS, ...options.limits };
    if (!(this.limits.windowMs > 0))
      throw new Error(`windowMs must be positive, got ${this.limits.windowMs}`);
    this.slotLeaseMs = options.slotLeaseMs ?? DEFAULT_SLOT_LEASE_MS;
    this.now = options.now ?? Date.now;
    options.redis.defineCommand('llmbindQuotaAdmit', { numberOfKeys: 3, lua: ADMIT });
    this.redis = options.redis as ScriptedRedis;
  }

  /** One round trip (the admission script); a Redis that does not answer is `internal`, never a throw. */
  async admit(owner: JobOwner): Promise<Result<RedisQuotaTicket>> {
    const now = this.now();
    const user = userKeyOf(owner);
    const workspace = owner.workspaceId === undefined ? undefined : groupKeyOf(owner);
    const lease = randomUUID();
    const slots = this.key('slots', user);
    const { windowMs, userComputeSeconds, workspaceComputeSeconds, maxConcurrentPerUser } = this.limits;
    let reply: string[];
    try {
      reply = await this.redis.llmbindQuotaAdmit(
        this.key('user', user),
        // A DM has no workspace budget: a key that is never charged, with the check off.
        this.key('workspace', workspace ?? `${user}:none`),
        slots,
        now,
        windowMs,
        wire(userComputeSeconds),
        workspace === undefined ? '-1' : wire(workspaceComputeSeconds),
        wire(maxConcurrentPerUser),
        lease,
        this.slotLeaseMs,
      );
    } catch (error) {
      this.options.logger.warn({ err: String(error), user }, 'quota store (redis) did not answer');
      return fail('internal', `quota store unavailable: ${String(error)}`, { reason: 'quota_store' });
    }
    const [scope, used = '0', at = '0'] = reply;
    if (scope === 'user' || scope === 'workspace') {
      const limit = scope === 'user' ? userComputeSeconds : workspaceComputeSeconds;
      const spent = Number(used);
      // As RollingWindow.underLimitAt: when the oldest charge that brings the sum under leaves the window.
      const resetAt = at === '' ? now : Number(at) + windowMs;
      return fail(
        'quota_exceeded',
        `${scope} ${scope === 'user' ? user : workspace} used ${spent.toFixed(1)} of ${limit} compute-seconds`,
        {
          scope,
          limit,
          used: Math.round(spent * 10) / 10,
          resetAt,
          retryAfterSeconds: Math.ceil((resetAt - now) / 1000),
        },
      );
    }
    if (scope === 'concurrent')
      return fail('quota_exceeded', `${user} already has ${used} jobs in flight`, {
        scope,
        limit: maxConcurrentPerUser,
        used: Number(used),
      });
    this.hold(lease, slots);
    return ok(this.ticket(owner, user, workspace, lease, slots));
  }

  /** Where an owner stands across all frontends; rejects when Redis does not answer (operators, tests). */
  async usage(owner: JobOwner): Promise<QuotaUsage> {
    const now = this.now();
    const from = now - this.limits.windowMs;
    const user = userKeyOf(owner);
    const tx = this.redis.multi();
    const budgets = [this.key('user', user)];
    if (owner.workspaceId !== undefined) budgets.push(this.key('workspace', groupKeyOf(owner)));
    for (const key of budgets) tx.zremrangebyscore(key, '-inf', from).zrange(key, '0', '-1');
    const slots = this.key('slots', user);
    tx.zremrangebyscore(slots, '-inf', now).zcard(slots);
    const replies = (await tx.exec()) ?? [];
    const values = replies.map(([error, value]) => {
      if (error) throw error;
      return value;
    });
    const sum = (i: number) => total((values[i] as string[] | undefined) ?? []);
    return {
      userSeconds: sum(1),
      ...(owner.workspaceId === undefined ? {} : { workspaceSeconds: sum(3) }),
      concurrent: Number(values[values.length - 1] ?? 0),
    };
  }

  /** Renews every slot this process holds (its timer does, every quarter lease); exposed for tests. */
  async renew(): Promise<void> {
    if (this.held.size === 0) return;
    const until = this.now() + this.slotLeaseMs;
    const tx = this.redis.multi();
    // A plain ZADD also restores a lease that lapsed during a long stall: the job does still run.
    for (const [lease, slots] of this.held) tx.zadd(slots, until, lease).pexpire(slots, this.slotLeaseMs);
    await this.write(tx.exec(), 'renew slot leases');
  }

  /** Stops renewing (slots still held then lapse after the lease). Does not close the client. */
  close(): void {
    this.stopRenewing();
    this.held.clear();
  }

  private ticket(
    owner: JobOwner,
    user: string,
    workspace: string | undefined,
    lease: string,
    slots: string,
  ): RedisQuotaTicket {
    let released: Promise<void> | undefined;
    return {
      charge: async (seconds, kind) => {
        if (!(seconds > 0)) return;
        const at = this.now();
        const member = `${seconds}:${randomUUID()}`;
        const tx = this.redis.multi();
        for (const key of workspace === undefined
          ? [this.key('user', user)]
          : [this.key('user', user), this.key('workspace', workspace)])
          tx.zadd(key, at, member).pexpire(key, this.limits.windowMs);
        try {
          this.options.onCharge?.(owner, kind, seconds);
        } catch {
          // Metrics must not break billing.
        }
        await this.write(tx.exec(), `charge ${seconds} s to ${user}`);
      },
      release: () => {
        released ??= (() => {
          this.held.delete(lease);
          if (this.held.size === 0) this.stopRenewing();
          return this.write(this.redis.zrem(slots, lease), `release a slot of ${user}`);
        })();
        return released;
      },
    };
  }

  private hold(lease: string, slots: string): void {
    this.held.set(lease, slots);
    if (this.timer) return;
    this.timer = setInterval(() => void this.renew(), this.slotLeaseMs / 4);
    // Renewal must never keep a stopping process alive.
    this.timer.unref();
  }

  private stopRenewing(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Awaits a background write; a failure is logged (budgets are best effort while Redis is away). */
  private async write(pending: Promise<unknown>, what: string): Promise<void> {
    try {
      const replies = await pending;
      const failed = Array.isArray(replies)
        ? replies.find((r): r is [Error, unknown] => Array.isArray(r) && r[0] instanceof Error)
        : undefined;
      if (failed) throw failed[0];
    } catch (error) {
      this.options.logger.warn({ err: String(error) }, `quota store (redis): could not ${what}`);
    }
  }

  private key(kind: 'user' | 'workspace' | 'slots', id: string): string {
    return `${this.options.prefix}:quota:${kind}:${id}`;
  }
}
