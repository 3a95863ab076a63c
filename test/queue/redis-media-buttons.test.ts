import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ButtonRecord } from '../../src/adapters/slack/button-store.js';
import { loadConfig } from '../../src/config/load-config.js';
import { LlmbindError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { FileMediaStore } from '../../src/core/store/file-media-store.js';
import { frontendStores } from '../../src/frontend-stores.js';
import { DEFAULT_BUTTON_TTL_SECONDS, RedisButtonStore } from '../../src/queue/redis-button-store.js';
import { DEFAULT_MEDIA_TTL_SECONDS, RedisMediaStore } from '../../src/queue/redis-media-store.js';
import { describeButtonStoreContract } from '../core/store-contracts/button-store-contract.js';
import { describeMediaStoreContract } from '../core/store-contracts/media-store-contract.js';
import { newBotPrefix, useRedis } from '../helpers/redis-rig.js';

// Media and Slack button state shared on Redis: the contracts with each "frontend" on its own
// connection, then what only Redis has (key names, TTLs, the size cap, the wiring of serve).

const logger = silentLogger();
const rig = useRedis();
const connection = () => rig.connection(logger);
const newPrefix = newBotPrefix;

describeMediaStoreContract('RedisMediaStore, two frontends', async () => {
  const prefix = newPrefix();
  return [
    new RedisMediaStore({ redis: await connection(), prefix }),
    new RedisMediaStore({ redis: await connection(), prefix }),
  ];
});

describeButtonStoreContract('RedisButtonStore, two frontends', async () => {
  const prefix = newPrefix();
  return [
    new RedisButtonStore<ButtonRecord>({ redis: await connection(), prefix, platform: 'slack' }),
    new RedisButtonStore<ButtonRecord>({ redis: await connection(), prefix, platform: 'slack' }),
  ];
});

describe('RedisMediaStore specifics', () => {
  it('keeps bytes under <prefix>:media:<sha256> for 7 days, restarted by a second put', async () => {
    const redis = await connection();
    const prefix = newPrefix();
    const store = new RedisMediaStore({ redis, prefix });
    const ref = await store.put(new Uint8Array([1, 2, 3]), { mime: 'image/png', name: 'a.png' });
    const key = `${prefix}:media:${ref.sha256}`;
    expect(store.key(ref.sha256)).toBe(key);
    expect(await redis.ttl(key)).toBeGreaterThan(DEFAULT_MEDIA_TTL_SECONDS - 5);
    expect(DEFAULT_MEDIA_TTL_SECONDS).toBe(7 * 24 * 3600);
    await redis.expire(key, 10);
    await store.put(new Uint8Array([1, 2, 3]), { mime: 'image/png', name: 'again.png' });
    expect(await redis.ttl(key)).toBeGreaterThan(DEFAULT_MEDIA_TTL_SECONDS - 5);
  });

  it('refuses an item over the cap with a clear code, and stores one at the cap', async () => {
    const redis = await connection();
    const prefix = newPrefix();
    const store = new RedisMediaStore({ redis, prefix, maxBytes: 100 });
    const refusal = (producedBy?: string) =>
      store
        .put(new Uint8Array(101), {
          mime: 'video/mp4',
          name: 'big.mp4',
          ...(producedBy ? { producedBy } : {}),
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
    const produced = await refusal('video_generation');
    expect(produced).toBeInstanceOf(LlmbindError);
    expect((produced as LlmbindError).code).toBe('output_too_large');
    expect((produced as LlmbindError).details).toEqual({ size: 101, limit: 100, store: 'redis' });
    expect(((await refusal()) as LlmbindError).code).toBe('input_too_large');
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    const ref = await store.put(new Uint8Array(100), { mime: 'video/mp4', name: 'fits.mp4' });
    expect((await store.get(ref)).byteLength).toBe(100);
  });

  it('forgets expired bytes: get fails with bad_input', async () => {
    const redis = await connection();
    const store = new RedisMediaStore({ redis, prefix: newPrefix() });
    const ref = await store.put(new Uint8Array([9]), { mime: 'image/png', name: 'gone.png' });
    // What the TTL does, without waiting for it.
    await redis.del(store.key(ref.sha256));
    await expect(store.get(ref)).rejects.toMatchObject({ code: 'bad_input' });
  });
});

describe('RedisButtonStore specifics', () => {
  it('keeps records under <prefix>:buttons:<platform>:<id> for 30 days; platforms apart', async () => {
    const redis = await connection();
    const prefix = newPrefix();
    const slack = new RedisButtonStore<{ id: string; n: number }>({ redis, prefix, platform: 'slack' });
    const other = new RedisButtonStore<{ id: string; n: number }>({ redis, prefix, platform: 'discord' });
    await slack.save({ id: 'b1', n: 1 });
    expect(await redis.ttl(`${prefix}:buttons:slack:b1`)).toBeGreaterThan(DEFAULT_BUTTON_TTL_SECONDS - 5);
    expect(DEFAULT_BUTTON_TTL_SECONDS).toBe(30 * 24 * 3600);
    expect(await other.get('b1')).toBeUndefined();
    const short = new RedisButtonStore<{ id: string }>({ redis, prefix, platform: 'slack', ttlSeconds: 60 });
    await short.save({ id: 'b2' });
    expect(await redis.ttl(`${prefix}:buttons:slack:b2`)).toBeLessThanOrEqual(60);
  });
});

describe('frontendStores: media and Slack buttons', () => {
  const build = async (overrides: Record<string, unknown>) => {
    const dir = mkdtempSync(join(tmpdir(), 'frontend-stores-'));
    const stores = await frontendStores(
      loadConfig({ env: {}, overrides: { 'data.dir': dir, ...overrides } }),
      logger,
    );
    rig.afterTest(() => stores.close());
    return stores;
  };

  it('puts both on Redis under the queue prefix with the redis backend', async () => {
    const prefix = newPrefix();
    const overrides = { 'queue.backend': 'redis', 'queue.redisUrl': rig.url, 'queue.prefix': prefix };
    const a = await build(overrides);
    const b = await build(overrides);
    expect(a.media).toBeInstanceOf(RedisMediaStore);
    expect(a.slackButtons).toBeInstanceOf(RedisButtonStore);
    const ref = await a.media.put(new Uint8Array([4, 2]), { mime: 'image/png', name: 'x.png' });
    expect(Array.from(await b.media.get(ref))).toEqual([4, 2]);
    const redis = await connection();
    expect(await redis.exists(`${prefix}:media:${ref.sha256}`)).toBe(1);
  });

  it('keeps files in the data dir and no shared button store without it', async () => {
    const stores = await build({});
    expect(stores.media).toBeInstanceOf(FileMediaStore);
    expect(stores.slackButtons).toBeUndefined();
  });
});
