import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { type Logger, silentLogger } from '../../src/core/logger.js';
import { SqliteAccessSettings } from '../../src/core/store/sqlite-access-settings.js';
import { SqliteTurnJournal } from '../../src/core/store/sqlite-turn-journal.js';
import { type FrontendStores, frontendStores } from '../../src/frontend-stores.js';
import { RedisAccessSettings } from '../../src/queue/redis-access-settings.js';
import { RedisConversationStore } from '../../src/queue/redis-conversation-store.js';
import { RedisTurnJournal } from '../../src/queue/redis-turn-journal.js';
import { newBotPrefix, useRedis } from '../helpers/redis-rig.js';

const LEASE = 60_000;
const T0 = Date.parse('2025-01-01T00:00:00Z');
const rig = useRedis();
const connection = (logger: Logger = silentLogger()) => rig.connection(logger);

/** A journal of bot `prefix` on its own connection, on the clock `now`. */
async function journal(prefix: string, now: () => number, logger: Logger = silentLogger()) {
  const redis = await connection(logger);
  const made = new RedisTurnJournal({ redis, prefix, logger, now, leaseMs: LEASE });
  rig.afterTest(() => made.close());
  return { journal: made, redis };
}

const turn = (key: string) => ({ key, platform: 'slack' as const, route: { n: 1 }, receivedAt: 5 });

describe('RedisTurnJournal leases', () => {
  it('frees the turns of a crashed frontend exactly when its lease lapses; renewal keeps a live one’s', async () => {
    let now = T0;
    const prefix = newBotPrefix();
    const dead = await journal(prefix, () => now);
    const live = await journal(prefix, () => now);
    const other = await journal(prefix, () => now);
    await dead.journal.record(turn('dead-turn'));
    await live.journal.record(turn('live-turn'));
    dead.redis.disconnect();
    now = T0 + LEASE / 2;
    await live.journal.renew();
    now = T0 + LEASE - 1;
    expect(await other.journal.claim('dead-turn')).toBe(false);
    now = T0 + LEASE;
    expect(await other.journal.claim('dead-turn')).toBe(true);
    expect(await other.journal.claim('live-turn')).toBe(false);
  });

  it('a graceful close lets go at once; a frontend whose lease was taken during a stall says so', async () => {
    let now = T0;
    const prefix = newBotPrefix();
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const stalled = await journal(prefix, () => now, logger);
    const stopping = await journal(prefix, () => now);
    const other = await journal(prefix, () => now);
    await stopping.journal.record(turn('handed-over'));
    await stopping.journal.close();
    expect(await other.journal.claim('handed-over')).toBe(true);
    await stalled.journal.record(turn('stalled'));
    now = T0 + LEASE + 1;
    expect(await other.journal.claim('stalled')).toBe(true);
    await stalled.journal.renew();
    expect(lines.map((l) => JSON.parse(l) as { msg: string; lost: number })).toEqual([
      expect.objectContaining({ msg: 'turn journal: leases taken over by another frontend', lost: 1 }),
    ]);
  });
});

describe('Redis stores: keys', () => {
  it('keeps everything under the prefix; conversations expire only when asked to', async () => {
    const prefix = newBotPrefix();
    const redis = await connection();
    const { journal: j } = await journal(prefix, () => T0);
    await j.record(turn('e1'));
    await j.record(turn('e2'));
    await j.finish('e1', 'done');
    await new RedisConversationStore({ redis, prefix }).append('c1', {
      role: 'user',
      text: 'hi',
      media: [],
      createdAt: 1,
    });
    const expiring = new RedisConversationStore({ redis, prefix, idleTtlMs: 3_600_000 });
    await expiring.append('c2', { role: 'user', text: 'hi', media: [], createdAt: 1 });
    const settings = await RedisAccessSettings.open({ redis, prefix, logger: silentLogger() });
    rig.afterTest(() => settings.close());
    settings.setChannel('slack', 'C1', false);
    await settings.pending;
    expect((await redis.keys(`${prefix}:*`)).sort()).toEqual(
      [
        'conversation:c1',
        'conversation:c2',
        'journal:finished',
        'journal:open:slack',
        'journal:seq',
        'journal:turn:e1',
        'journal:turn:e2',
        'settings',
      ].map((k) => `${prefix}:${k}`),
    );
    expect(await redis.pttl(`${prefix}:conversation:c1`)).toBe(-1);
    expect(await redis.pttl(`${prefix}:conversation:c2`)).toBeGreaterThan(3_600_000 - 5_000);
    expect(await redis.hgetall(`${prefix}:settings`)).toEqual({ 'channel:slack:C1': 'off' });
  });
});

describe('RedisAccessSettings after a lost subscription', () => {
  it('reloads when its subscriber reconnects, catching up on what it could not hear', async () => {
    const prefix = newBotPrefix();
    const admin = await connection();
    const settings = await RedisAccessSettings.open({
      redis: await connection(),
      prefix,
      logger: silentLogger(),
    });
    rig.afterTest(() => settings.close());
    // Written without a notification: only the reload on reconnect can bring it.
    await admin.hset(`${prefix}:settings`, 'dms', 'off');
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await vi.waitFor(() => expect(settings.dms()).toBe(false), { timeout: 10_000 });
  });
});

describe('frontendStores: the stores serve builds', () => {
  const dataDir = () => mkdtempSync(join(tmpdir(), 'frontend-stores-'));
  const build = async (overrides: Record<string, unknown>): Promise<FrontendStores> =>
    frontendStores(
      loadConfig({ env: {}, overrides: { 'data.dir': dataDir(), ...overrides } }),
      silentLogger(),
    );

  it('uses Redis under the queue prefix with the redis backend, and closes its connection', async () => {
    const prefix = `wired-${newBotPrefix()}`;
    const overrides = { 'queue.backend': 'redis', 'queue.redisUrl': rig.url, 'queue.prefix': prefix };
    const a = await build(overrides);
    const b = await build(overrides);
    rig.afterTest(() => b.close());
    expect(a.store).toBeInstanceOf(RedisConversationStore);
    expect(a.journal).toBeInstanceOf(RedisTurnJournal);
    expect(a.settings).toBeInstanceOf(RedisAccessSettings);
    await a.store.append('c1', { role: 'user', text: 'hi', media: [], createdAt: 1 });
    expect((await b.store.load('c1')).turns).toHaveLength(1);
    expect(await a.journal.record(turn('e1'))).toBe(true);
    expect(await b.journal.record(turn('e1'))).toBe(false);
    a.settings.setDms(false);
    await vi.waitFor(() => expect(b.settings.dms()).toBe(false));
    // Distinct data dirs: distinct owners, so b cannot take what a holds.
    expect(await b.journal.claim('e1')).toBe(false);
    await a.close();
    // Closing let go of the turn a held.
    expect(await b.journal.claim('e1')).toBe(true);
    await expect(a.store.load('c1')).rejects.toThrow(/closed/i);
  });

  it('keeps SQLite in the data dir with the in-process backend', async () => {
    const stores = await build({});
    rig.afterTest(() => stores.close());
    expect(stores.journal).toBeInstanceOf(SqliteTurnJournal);
    expect(stores.settings).toBeInstanceOf(SqliteAccessSettings);
  });
});
