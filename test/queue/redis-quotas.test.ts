import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import type { JobOwner } from '../../src/core/jobs/job.js';
import { type Logger, silentLogger } from '../../src/core/logger.js';
import type { QuotaLimits } from '../../src/core/quotas/quotas.js';
import { RollingQuotas } from '../../src/core/quotas/rolling-quotas.js';
import { connectRedis } from '../../src/queue/redis-backend.js';
import { RedisQuotas } from '../../src/queue/redis-quotas.js';
import { createServices } from '../../src/runtime.js';
import { describeQuotaSpec, T0 } from '../core/quotas/quota-spec.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

const HOUR = 60 * 60_000;
const LEASE = 60_000;
const ada: JobOwner = { platform: 'discord', workspaceId: 'g1', userId: 'ada' };
const adaDm: JobOwner = { platform: 'discord', userId: 'ada' };

let server: RedisServer;
const clients: Redis[] = [];
const quotas: RedisQuotas[] = [];

beforeAll(async () => {
  server = await startRedis();
});
afterEach(() => {
  for (const q of quotas.splice(0)) q.close();
  for (const c of clients.splice(0)) c.disconnect();
});
afterAll(async () => {
  await server?.stop();
});

/** One frontend: its own connection, as a separate process would have. */
async function frontend(
  prefix: string,
  limits: Partial<QuotaLimits>,
  now: () => number,
  logger: Logger = silentLogger(),
): Promise<{ quotas: RedisQuotas; redis: Redis }> {
  const redis = await connectRedis(server.url, logger);
  clients.push(redis);
  const made = new RedisQuotas({ redis, prefix, logger, limits, now, slotLeaseMs: LEASE });
  quotas.push(made);
  return { quotas: made, redis };
}

/** Two frontends of one bot (one prefix, fresh per test so tests never see each other's keys). */
async function twoFrontends(limits: Partial<QuotaLimits>, now: () => number) {
  const prefix = `bot-${randomUUID()}`;
  return { prefix, a: await frontend(prefix, limits, now), b: await frontend(prefix, limits, now) };
}

describeQuotaSpec('RedisQuotas, two frontends on separate connections', async (limits, now) => {
  const { a, b } = await twoFrontends(limits, now);
  return { a: a.quotas, b: b.quotas };
});

describe('RedisQuotas: what only a shared store has to handle', () => {
  it('frees the slot of a crashed frontend when its lease lapses, and not before', async () => {
    let now = T0;
    const { a, b } = await twoFrontends({ maxConcurrentPerUser: 1 }, () => now);
    expect((await a.quotas.admit(ada)).ok).toBe(true);
    // kill -9: no release, no more renewals.
    a.quotas.close();
    a.redis.disconnect();
    expect(await b.quotas.admit(ada)).toMatchObject({
      ok: false,
      error: { details: { scope: 'concurrent' } },
    });
    now = T0 + LEASE - 1;
    expect((await b.quotas.admit(ada)).ok).toBe(false);
    now = T0 + LEASE;
    expect((await b.quotas.admit(ada)).ok).toBe(true);
    expect(await b.quotas.usage(ada)).toMatchObject({ concurrent: 1 });
  });

  it('keeps the slot of a live frontend past the lease by renewing it', async () => {
    let now = T0;
    const { a, b } = await twoFrontends({ maxConcurrentPerUser: 1 }, () => now);
    const ticket = await a.quotas.admit(ada);
    now = T0 + LEASE / 2;
    await a.quotas.renew();
    now = T0 + LEASE + 1;
    expect((await b.quotas.admit(ada)).ok).toBe(false);
    now = T0 + LEASE / 2 + LEASE;
    // The renewed lease lapses too if the frontend stops renewing (as the crash above).
    expect((await b.quotas.admit(ada)).ok).toBe(true);
    if (!ticket.ok) throw new Error('expected a ticket');
    await ticket.value.release();
    expect(await a.quotas.usage(ada)).toMatchObject({ concurrent: 1 });
  });

  it('keeps its keys under the prefix and lets them expire: budgets after a window, slots after a lease', async () => {
    const { prefix, a } = await twoFrontends({ windowMs: HOUR }, () => T0);
    const dm = await a.quotas.admit(adaDm);
    const guild = await a.quotas.admit(ada);
    if (!dm.ok || !guild.ok) throw new Error('expected tickets');
    await dm.value.charge(5, 'chat');
    await guild.value.charge(7, 'audio_generation');
    const keys = (await a.redis.keys(`${prefix}:*`)).sort();
    expect(keys).toEqual([
      `${prefix}:quota:slots:discord:ada`,
      `${prefix}:quota:user:discord:ada`,
      `${prefix}:quota:workspace:discord:ws:g1`,
    ]);
    const ttl = async (key: string) => a.redis.pttl(key);
    expect(await ttl(`${prefix}:quota:user:discord:ada`)).toBeGreaterThan(HOUR - 5_000);
    expect(await ttl(`${prefix}:quota:user:discord:ada`)).toBeLessThanOrEqual(HOUR);
    expect(await ttl(`${prefix}:quota:slots:discord:ada`)).toBeLessThanOrEqual(LEASE);
    expect(await ttl(`${prefix}:quota:slots:discord:ada`)).toBeGreaterThan(0);
    await dm.value.release();
    await guild.value.release();
    // The last slot released takes the key with it.
    expect(await a.redis.exists(`${prefix}:quota:slots:discord:ada`)).toBe(0);
  });

  it('answers a failure value, never a rejection, when Redis is gone; background writes only log', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const { quotas: q, redis } = await frontend(`bot-${randomUUID()}`, {}, () => T0, logger);
    const ticket = await q.admit(ada);
    if (!ticket.ok) throw new Error('expected a ticket');
    redis.disconnect();
    expect(await q.admit(ada)).toMatchObject({
      ok: false,
      error: { code: 'internal', details: { reason: 'quota_store' } },
    });
    await expect(ticket.value.charge(3, 'chat')).resolves.toBeUndefined();
    await expect(ticket.value.release()).resolves.toBeUndefined();
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        'quota store (redis) did not answer',
        'quota store (redis): could not charge 3 s to discord:ada',
        'quota store (redis): could not release a slot of discord:ada',
      ]),
    );
  });
});

describe('createServices: quotas on the connection serve hands it', () => {
  it('builds RedisQuotas with the config limits and the metric hook; in-memory ones without Redis', async () => {
    const config = loadConfig({ env: {}, overrides: { 'quotas.userComputeSeconds': 42 } });
    const redis = await connectRedis(server.url, silentLogger());
    clients.push(redis);
    const charged: string[] = [];
    const onCharge = (kind: string, seconds: number) => charged.push(`${kind}:${seconds}`);
    const shared = createServices(config, silentLogger(), { quotas: { redis, prefix: 'wired' }, onCharge });
    const local = createServices(config, silentLogger(), { quotas: true }).quotas;
    expect(local).toBeInstanceOf(RollingQuotas);
    if (!(shared.quotas instanceof RedisQuotas)) throw new Error('expected RedisQuotas');
    quotas.push(shared.quotas);
    expect(shared.quotas.limits).toEqual({
      windowMs: config.quotas.windowMinutes * 60_000,
      userComputeSeconds: 42,
      workspaceComputeSeconds: config.quotas.workspaceComputeSeconds,
      maxConcurrentPerUser: config.quotas.maxConcurrentPerUser,
    });
    const ticket = await shared.quotas.admit(ada);
    if (!ticket.ok) throw new Error('expected a ticket');
    await ticket.value.charge(1.5, 'chat');
    await ticket.value.release();
    expect(charged).toEqual(['chat:1.5']);
    expect(await redis.keys('wired:quota:user:*')).toEqual(['wired:quota:user:discord:ada']);
  });
});
