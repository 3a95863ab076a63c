import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/core/journal/turn-journal.js';
import { type SweepTimer, TurnLedger } from '../../src/core/journal/turn-ledger.js';
import { silentLogger } from '../../src/core/logger.js';
import { connectRedis } from '../../src/queue/redis-backend.js';
import { RedisTurnJournal } from '../../src/queue/redis-turn-journal.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

// A frontend dies for good (kill -9, never restarted): the periodic sweep of the survivors resumes its
// turns once their lease lapses, and never before; a live frontend's turns are never touched.

const logger = silentLogger();
const LEASE = 60_000;
let server: RedisServer;
const clients: Redis[] = [];
const journals: RedisTurnJournal[] = [];

beforeAll(async () => {
  server = await startRedis();
});
afterEach(async () => {
  for (const j of journals.splice(0)) await j.close();
  for (const c of clients.splice(0)) c.disconnect();
});
afterAll(async () => {
  await server?.stop();
});

/** A {@link SweepTimer} the test ticks by hand. */
function manualTimer() {
  let tick: (() => Promise<void> | undefined) | undefined;
  const timer: SweepTimer = (t) => {
    tick = t;
    return () => {
      tick = undefined;
    };
  };
  return { timer, tick: () => tick?.() };
}

describe('journal sweep on Redis', () => {
  it("resumes a dead frontend's turn once its lease lapses, not before, and leaves a live one's alone", async () => {
    const prefix = `bot-${randomUUID()}`;
    let now = Date.parse('2025-01-01T00:00:00Z');
    const frontend = async () => {
      const redis = await connectRedis(server.url, logger);
      clients.push(redis);
      const journal = new RedisTurnJournal({ redis, prefix, logger, leaseMs: LEASE, now: () => now });
      journals.push(journal);
      return { redis, journal };
    };
    const dead = await frontend();
    const live = await frontend();
    const options = { logger, now: () => now, sweepMs: 30_000 };

    // The dead frontend was running m1 when it died; the live one has m2 queued.
    const deadLedger = new TurnLedger(dead.journal, 'slack', options);
    await deadLedger.admit('m1', { n: 1 });
    await new Promise<void>((running) => {
      void deadLedger.attempt('m1', async () => {
        running();
        await new Promise(() => {});
      });
    });
    await new TurnLedger(live.journal, 'slack', options).admit('m2', { n: 2 });
    // kill -9: the connection drops first, so closing lets nothing go (it only stops the renewal timer).
    dead.redis.disconnect();
    await dead.journal.close();

    // Two survivors sweep: each turn must be taken by one of them only.
    const survivors = await Promise.all([frontend(), frontend()]);
    const resumed: string[] = [];
    const sweeps = survivors.map(({ journal }) => {
      const t = manualTimer();
      const ledger = new TurnLedger(journal, 'slack', { ...options, sweepTimer: t.timer });
      const handlers = {
        resume: async (e: JournalEntry) => {
          resumed.push(`${e.key}#${e.attempts}`);
          await ledger.attempt(e.key, async () => {});
        },
        abandon: async (e: JournalEntry) => {
          resumed.push(`abandoned ${e.key}`);
        },
      };
      return { sweep: ledger.sweep(handlers), tick: t.tick };
    });
    const tickAll = () => Promise.all(sweeps.map((s) => s.tick()));
    for (const s of sweeps) expect(await s.sweep.first).toEqual({ resumed: 0, abandoned: 0 });

    now += LEASE / 2;
    await live.journal.renew(); // what its timer does every quarter lease
    await tickAll();
    now += LEASE / 2 - 1; // 1 ms before the lease's end: still held
    await live.journal.renew();
    await tickAll();
    expect(resumed).toEqual([]);

    now += 1; // the lease has lapsed
    await tickAll();
    expect(resumed).toEqual(['m1#1']);
    const open = await survivors[0]?.journal.unfinished('slack');
    expect(open?.map((e) => e.key)).toEqual(['m2']);
    // Still the live frontend's: nobody else can claim it.
    expect(await survivors[0]?.journal.claim('m2')).toBe(false);

    for (const s of sweeps) await s.sweep.stop();
    expect(sweeps.map((s) => s.tick())).toEqual([undefined, undefined]);
  });
});
