import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { JournalEntry, JournalState, JsonValue, TurnJournal } from '../core/journal/turn-journal.js';
import type { Logger } from '../core/logger.js';
import type { Platform } from '../core/message.js';

/**
 * How long a frontend holds a turn without renewing it. It renews every quarter of this, so a live one
 * keeps its turns through Redis hiccups and long stalls; the turns of a crashed one (kill -9, lost host)
 * can be claimed by another frontend's recovery once this has passed.
 */
export const DEFAULT_TURN_LEASE_MS = 60_000;

// Each turn is a hash `<prefix>:journal:turn:<key>`; unfinished ones are also in the sorted set
// `<prefix>:journal:open:<platform>` and finished ones in `<prefix>:journal:finished` (scored by
// receivedAt). The scripts name the per-platform set from the hash's `platform`, so, like the quotas,
// this is for one Redis (or a primary with replicas), not Redis Cluster.

/** KEYS: turn, open set, sequence. ARGV: key, platform, route, receivedAt, owner, leaseUntil. */
const RECORD = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local seq = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], 'platform', ARGV[2], 'route', ARGV[3], 'state', 'received', 'attempts', 0,
  'receivedAt', ARGV[4], 'seq', seq, 'owner', ARGV[5], 'leaseUntil', ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return 1`;

/** KEYS: turn. ARGV: prefix, key, owner, leaseUntil. Returns the attempt, or -1 for an unknown turn. */
const START = `
local platform = redis.call('HGET', KEYS[1], 'platform')
if not platform then return -1 end
local n = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'state', 'running', 'owner', ARGV[3], 'leaseUntil', ARGV[4])
redis.call('ZADD', ARGV[1] .. ':journal:open:' .. platform, redis.call('HGET', KEYS[1], 'receivedAt'), ARGV[2])
redis.call('ZREM', ARGV[1] .. ':journal:finished', ARGV[2])
return n`;

/** KEYS: turn. ARGV: prefix, key, final state. */
const FINISH = `
local platform = redis.call('HGET', KEYS[1], 'platform')
if not platform then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[3])
redis.call('HDEL', KEYS[1], 'owner', 'leaseUntil')
redis.call('ZREM', ARGV[1] .. ':journal:open:' .. platform, ARGV[2])
redis.call('ZADD', ARGV[1] .. ':journal:finished', redis.call('HGET', KEYS[1], 'receivedAt'), ARGV[2])
return 1`;

/** KEYS: turn. A running turn goes back to received, its attempt not counted, and is let go. */
const SUSPEND = `
if redis.call('HGET', KEYS[1], 'state') ~= 'running' then return 0 end
local n = tonumber(redis.call('HGET', KEYS[1], 'attempts'))
redis.call('HSET', KEYS[1], 'state', 'received', 'attempts', math.max(n - 1, 0))
redis.call('HDEL', KEYS[1], 'owner', 'leaseUntil')
return 1`;

/** KEYS: turn. ARGV: route. Only an existing turn (never a half hash). */
const UPDATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'route', ARGV[1])
return 1`;

/**
 * KEYS: turn. ARGV: owner, now, leaseUntil. An unfinished turn nobody holds, whose lease lapsed, or that
 * this owner held before a restart, becomes this owner's.
 */
const CLAIM = `
local s = redis.call('HMGET', KEYS[1], 'state', 'owner', 'leaseUntil')
if s[1] ~= 'received' and s[1] ~= 'running' then return 0 end
if s[2] and s[2] ~= ARGV[1] and tonumber(s[3]) > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'leaseUntil', ARGV[3])
return 1`;

/** KEYS: held turns. ARGV: owner, leaseUntil ('' lets them go). Returns how many another owner took. */
const RENEW = `
local lost = 0
for _, k in ipairs(KEYS) do
  if redis.call('HGET', k, 'owner') == ARGV[1] then
    if ARGV[2] == '' then redis.call('HDEL', k, 'owner', 'leaseUntil')
    else redis.call('HSET', k, 'leaseUntil', ARGV[2]) end
  else lost = lost + 1 end
end
return lost`;

/** KEYS: finished set. ARGV: prefix, before. */
const PRUNE = `
local keys = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
for _, k in ipairs(keys) do
  redis.call('DEL', ARGV[1] .. ':journal:turn:' .. k)
  redis.call('ZREM', KEYS[1], k)
end
return #keys`;

const SCRIPTS = {
  llmbindJournalRecord: [3, RECORD],
  llmbindJournalStart: [1, START],
  llmbindJournalFinish: [1, FINISH],
  llmbindJournalSuspend: [1, SUSPEND],
  llmbindJournalUpdate: [1, UPDATE],
  llmbindJournalClaim: [1, CLAIM],
  llmbindJournalPrune: [1, PRUNE],
} as const;

type Arg = string | number;
/** The ioredis client with the scripts defined on it (RENEW takes its key count first). */
type ScriptedRedis = Redis & { [K in keyof typeof SCRIPTS]: (...args: Arg[]) => Promise<number> } & {
  llmbindJournalRenew(numKeys: number, ...args: Arg[]): Promise<number>;
};

/** Options of {@link RedisTurnJournal}. */
export interface RedisTurnJournalOptions {
  /** A connected client (see `connectRedis`); the caller owns and closes it. */
  readonly redis: Redis;
  /** Keys are `<prefix>:journal:…` (config `queue.prefix`). */
  readonly prefix: string;
  readonly logger: Logger;
  /**
   * Who holds the turns this instance records, starts and claims. A frontend restarted with the same
   * owner (serve derives it from the host and data dir) takes its own unfinished turns back at once,
   * instead of after the lease. Two live frontends must never share one. Random when absent.
   */
  readonly owner?: string;
  /** {@link DEFAULT_TURN_LEASE_MS} when absent. */
  readonly leaseMs?: number;
  /** Epoch ms, passed to the scripts so tests move time without sleeping. */
  readonly now?: () => number;
}

/**
 * {@link TurnJournal} in Redis, shared by every frontend of a bot: `record` is one atomic script (the
 * first frontend to record an event id wins, so a Slack retry landing elsewhere is dropped there), and
 * each unfinished turn carries an owner and a lease, so two frontends recovering at once each resume a
 * turn only if they claim it, and never one that a live frontend is running or has queued.
 */
export class RedisTurnJournal implements TurnJournal {
  /** Who this instance holds turns as. */
  readonly owner: string;
  private readonly leaseMs: number;
  private readonly now: () => number;
  private readonly redis: ScriptedRedis;
  /** Turns held here, renewed by {@link renew} until finished, suspended or closed. */
  private readonly held = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: RedisTurnJournalOptions) {
    this.owner = options.owner ?? randomUUID();
    this.leaseMs = options.leaseMs ?? DEFAULT_TURN_LEASE_MS;
    this.now = options.now ?? Date.now;
    for (const [name, [numberOfKeys, lua]] of Object.entries(SCRIPTS))
      options.redis.defineCommand(name, { numberOfKeys, lua });
    options.redis.defineCommand('llmbindJournalRenew', { lua: RENEW });
    this.redis = options.redis as ScriptedRedis;
  }

  async record(entry: {
    key: string;
    platform: Platform;
    route: JsonValue;
    receivedAt: number;
  }): Promise<boolean> {
    const { key, platform, route, receivedAt } = entry;
    const added = await this.redis.llmbindJournalRecord(
      this.turnKey(key),
      `${this.options.prefix}:journal:open:${platform}`,
      `${this.options.prefix}:journal:seq`,
      key,
      platform,
      JSON.stringify(route),
      receivedAt,
      this.owner,
      this.leaseUntil(),
    );
    if (added === 1) this.hold(key);
    return added === 1;
  }

  async update(key: string, route: JsonValue): Promise<void> {
    await this.redis.llmbindJournalUpdate(this.turnKey(key), JSON.stringify(route));
  }

  async start(key: string): Promise<number> {
    const attempt = await this.redis.llmbindJournalStart(
      this.turnKey(key),
      this.options.prefix,
      key,
      this.owner,
      this.leaseUntil(),
    );
    if (attempt < 0) throw new Error(`turn ${key} was never recorded`);
    this.hold(key);
    return attempt;
  }

  async finish(key: string, state: 'done' | 'failed'): Promise<void> {
    await this.redis.llmbindJournalFinish(this.turnKey(key), this.options.prefix, key, state);
    this.letGo(key);
  }

  async suspend(key: string): Promise<void> {
    await this.redis.llmbindJournalSuspend(this.turnKey(key));
    this.letGo(key);
  }

  async claim(key: string): Promise<boolean> {
    if (this.held.has(key)) return false;
    const now = this.now();
    const won = await this.redis.llmbindJournalClaim(this.turnKey(key), this.owner, now, now + this.leaseMs);
    if (won === 1) this.hold(key);
    return won === 1;
  }

  async unfinished(platform: Platform): Promise<JournalEntry[]> {
    const keys = await this.redis.zrange(`${this.options.prefix}:journal:open:${platform}`, '0', '-1');
    const tx = this.redis.pipeline();
    for (const key of keys) tx.hgetall(this.turnKey(key));
    const rows = (await tx.exec()) ?? [];
    const entries: { entry: JournalEntry; seq: number }[] = [];
    for (const [i, [error, value]] of rows.entries()) {
      if (error) throw error;
      const row = value as Record<string, string>;
      const key = keys[i];
      // A turn finished between the two reads is no longer unfinished.
      if (key === undefined || (row.state !== 'received' && row.state !== 'running')) continue;
      entries.push({
        seq: Number(row.seq),
        entry: {
          key,
          platform,
          route: JSON.parse(row.route ?? 'null') as JsonValue,
          state: row.state as JournalState,
          attempts: Number(row.attempts),
          receivedAt: Number(row.receivedAt),
        },
      });
    }
    // Received in the same millisecond: in the order they were recorded.
    entries.sort((a, b) => a.entry.receivedAt - b.entry.receivedAt || a.seq - b.seq);
    return entries.map((e) => e.entry);
  }

  async prune(before: number): Promise<number> {
    return this.redis.llmbindJournalPrune(
      `${this.options.prefix}:journal:finished`,
      this.options.prefix,
      before,
    );
  }

  /** Renews the lease of every turn held here (its timer does, every quarter lease); exposed for tests. */
  async renew(): Promise<void> {
    await this.renewOrRelease(String(this.leaseUntil()));
  }

  /**
   * Stops renewing and lets go of the turns still held, so another frontend's recovery can take them
   * at once. Does not close the client. A crash does neither: its turns wait for the lease to lapse.
   */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.renewOrRelease('');
    this.held.clear();
  }

  private async renewOrRelease(leaseUntil: string): Promise<void> {
    if (this.held.size === 0) return;
    const keys = [...this.held].map((k) => this.turnKey(k));
    try {
      const lost = await this.redis.llmbindJournalRenew(keys.length, ...keys, this.owner, leaseUntil);
      // Only after a stall longer than the lease: another frontend's recovery took the turn.
      if (lost > 0) this.options.logger.warn({ lost }, 'turn journal: leases taken over by another frontend');
    } catch (error) {
      this.options.logger.warn({ err: String(error) }, 'turn journal (redis): could not renew leases');
    }
  }

  private hold(key: string): void {
    this.held.add(key);
    if (this.timer) return;
    this.timer = setInterval(() => void this.renew(), this.leaseMs / 4);
    // Renewal must never keep a stopping process alive.
    this.timer.unref();
  }

  private letGo(key: string): void {
    this.held.delete(key);
    if (this.held.size > 0) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private leaseUntil(): number {
    return this.now() + this.leaseMs;
  }

  private turnKey(key: string): string {
    return `${this.options.prefix}:journal:turn:${key}`;
  }
}
