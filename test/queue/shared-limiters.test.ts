import type Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import {
  type LimiterFactory,
  LocalLimiterFactory,
  RedisLimiterFactory,
} from '../../src/queue/limiter-factory.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { spacingOf, startTimes } from './pace-probe.js';

/** The pace under test, and how early a start may look from timer jitter on a busy 2-core machine. */
const MIN_TIME = 200;
const JITTER = 60;
const PER_FRONTEND = 4;

describe('limiter factories: Redis-clustered limiters share one pace across frontends', () => {
  let redis: RedisServer;
  const made: LimiterFactory[] = [];
  const groups: Bottleneck.Group[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    for (const group of groups.splice(0))
      await Promise.all(group.limiters().map(({ limiter }) => limiter.disconnect()));
    for (const factory of made.splice(0)) await factory.close();
  });

  /** One frontend's factory, on its own Redis connection. */
  async function frontend(prefix: string): Promise<LimiterFactory> {
    const factory = await RedisLimiterFactory.connect({ redisUrl: redis.url, prefix }, silentLogger());
    made.push(factory);
    return factory;
  }

  function group(factory: LimiterFactory, name = 'slack:chat.postMessage'): Bottleneck.Group {
    const made = factory.group(name, { minTime: MIN_TIME });
    groups.push(made);
    return made;
  }

  it('two frontends scheduling on one key together never start jobs closer than minTime', async () => {
    const [a, b] = [group(await frontend('bot')), group(await frontend('bot'))];
    const started = performance.now();
    // Two channels at once: each key keeps its own pace, and keys do not wait on each other.
    const [c1, c2] = await Promise.all([
      startTimes([a.key('C1'), b.key('C1')], PER_FRONTEND),
      startTimes([a.key('C2'), b.key('C2')], PER_FRONTEND),
    ]);
    const elapsed = performance.now() - started;
    for (const times of [c1, c2]) {
      const spacing = spacingOf(times);
      expect(spacing.count).toBe(2 * PER_FRONTEND);
      expect(spacing.minGap).toBeGreaterThanOrEqual(MIN_TIME - JITTER);
      expect(spacing.span).toBeGreaterThanOrEqual((2 * PER_FRONTEND - 1) * MIN_TIME - JITTER);
    }
    // One key's 8 jobs need 7 intervals (1.4 s); C2 waiting behind C1 would need 3 s.
    expect(elapsed).toBeLessThan((2 * PER_FRONTEND - 1) * MIN_TIME * 1.6);
  });

  it('control: local limiters of two frontends on one key start jobs together', async () => {
    const [a, b] = [group(new LocalLimiterFactory()), group(new LocalLimiterFactory())];
    const spacing = spacingOf(await startTimes([a.key('C1'), b.key('C1')], PER_FRONTEND));
    // Each process paces only itself: its first job and the other's start at once.
    expect(spacing.minGap).toBeLessThan(MIN_TIME / 2);
    expect(spacing.span).toBeLessThan(PER_FRONTEND * MIN_TIME);
  });

  it('bots on one Redis with different prefixes do not share a pace', async () => {
    const [a, b] = [group(await frontend('bot-one')), group(await frontend('bot-two'))];
    const spacing = spacingOf(await startTimes([a.key('C1'), b.key('C1')], PER_FRONTEND));
    expect(spacing.minGap).toBeLessThan(MIN_TIME / 2);
  });

  it('single limiters of one name are shared too, and their state lives in Redis under the prefix', async () => {
    const [fa, fb] = [await frontend('bot'), await frontend('bot')];
    const a = fa.limiter('discord:global', { minTime: MIN_TIME });
    const b = fb.limiter('discord:global', { minTime: MIN_TIME });
    try {
      const spacing = spacingOf(await startTimes([a, b], 2));
      expect(spacing.minGap).toBeGreaterThanOrEqual(MIN_TIME - JITTER);
      expect(fa.shared).toBe(true);
      const probe = new Redis(redis.url);
      try {
        const keys = await probe.keys('b_bot:limit:discord:global_*');
        expect(keys).toContain('b_bot:limit:discord:global_settings');
        // Both frontends registered as clients of the one limiter.
        expect(await probe.zcard('b_bot:limit:discord:global_client_last_seen')).toBe(2);
      } finally {
        probe.disconnect();
      }
    } finally {
      await Promise.all([a.disconnect(), b.disconnect()]);
    }
  });
});
