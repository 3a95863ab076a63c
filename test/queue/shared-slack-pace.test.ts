import { webApi } from '@slack/bolt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SlackApi } from '../../src/adapters/slack/slack-api.js';
import { silentLogger } from '../../src/core/logger.js';
import {
  type LimiterFactory,
  LocalLimiterFactory,
  RedisLimiterFactory,
} from '../../src/queue/limiter-factory.js';
import { TEST_PACING } from '../adapters/slack/harness.js';
import { SlackEmulator, TEST_SECRETS } from '../emulators/slack/slack-emulator.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { spacingOf } from './pace-probe.js';

/** chat.postMessage pace per channel; the tolerance covers HTTP and timer jitter on a busy machine. */
const POST_MS = 250;
const JITTER = 90;
const PER_FRONTEND = 4;
const CHANNEL = 'C0SHARED1';

describe('two SlackApi frontends on shared Redis limiters: one chat.postMessage pace per channel', () => {
  let redis: RedisServer;
  let emu: SlackEmulator;
  const apis: SlackApi[] = [];
  const factories: LimiterFactory[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    for (const api of apis.splice(0)) await api.close();
    for (const factory of factories.splice(0)) await factory.close();
    await emu?.stop();
  });

  /** A frontend: its own WebClient and limiter factory (its own Redis connection when shared). */
  function frontend(limiters: LimiterFactory): SlackApi {
    factories.push(limiters);
    const client = new webApi.WebClient(TEST_SECRETS.botToken, { slackApiUrl: emu.apiUrl });
    const api = new SlackApi(
      client,
      { ...TEST_PACING, postMessageMs: POST_MS },
      { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 10 },
      limiters,
    );
    apis.push(api);
    return api;
  }

  /** Both frontends post `PER_FRONTEND` messages to one channel at once; when each reached Slack. */
  async function postTogether(a: SlackApi, b: SlackApi): Promise<number[]> {
    const posts = [a, b].flatMap((api, n) =>
      Array.from({ length: PER_FRONTEND }, (_, i) => api.post(CHANNEL, `frontend ${n} message ${i}`)),
    );
    const ts = await Promise.all(posts);
    expect(new Set(ts).size).toBe(2 * PER_FRONTEND);
    // Measured where the calls land: the emulator records each request's arrival.
    return emu.callsOf('chat.postMessage').map((c) => c.at);
  }

  async function startEmulator(): Promise<void> {
    emu = new SlackEmulator();
    await emu.start();
  }

  it('posts from both frontends reach Slack at least the pace apart', async () => {
    await startEmulator();
    const connect = () => RedisLimiterFactory.connect({ redisUrl: redis.url, prefix: 'bot' }, silentLogger());
    const [a, b] = [frontend(await connect()), frontend(await connect())];
    const spacing = spacingOf(await postTogether(a, b));
    expect(spacing.count).toBe(2 * PER_FRONTEND);
    expect(spacing.minGap).toBeGreaterThanOrEqual(POST_MS - JITTER);
    expect(spacing.span).toBeGreaterThanOrEqual((2 * PER_FRONTEND - 1) * POST_MS - JITTER);
    const texts = emu.callsOf('chat.postMessage').map((c) => String(c.params.text));
    expect(texts.filter((t) => t.startsWith('frontend 0'))).toHaveLength(PER_FRONTEND);
    expect(texts.filter((t) => t.startsWith('frontend 1'))).toHaveLength(PER_FRONTEND);
  });

  it('control: with in-process limiters the two frontends post faster than the pace together', async () => {
    await startEmulator();
    const [a, b] = [frontend(new LocalLimiterFactory()), frontend(new LocalLimiterFactory())];
    const spacing = spacingOf(await postTogether(a, b));
    expect(spacing.count).toBe(2 * PER_FRONTEND);
    expect(spacing.minGap).toBeLessThan(POST_MS / 2);
    expect(spacing.span).toBeLessThan((2 * PER_FRONTEND - 1) * POST_MS - JITTER);
  });

  it('retries a failed response_url post through a Redis-clustered limiter, as in-process', async () => {
    await startEmulator();
    const api = frontend(
      await RedisLimiterFactory.connect({ redisUrl: redis.url, prefix: 'bot' }, silentLogger()),
    );
    emu.failNext('response_url', { status: 500 });
    expect(await api.respond(emu.responseUrl(), { text: 'after one 500' })).toEqual({
      ok: true,
      value: undefined,
    });
    expect(emu.callsOf('response_url').map((c) => c.status)).toEqual([500, 200]);
  });
});
