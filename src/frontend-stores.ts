import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { ButtonStoreLike } from './adapters/slack/button-store.js';
import type { Config } from './config/schema.js';
import type { AccessSettings } from './core/access/access-settings.js';
import type { TurnJournal } from './core/journal/turn-journal.js';
import type { Logger } from './core/logger.js';
import { FileMediaStore } from './core/store/file-media-store.js';
import { SqliteAccessSettings } from './core/store/sqlite-access-settings.js';
import { SqliteConversationStore } from './core/store/sqlite-conversation-store.js';
import { SqliteTurnJournal } from './core/store/sqlite-turn-journal.js';
import { RedisAccessSettings } from './queue/redis-access-settings.js';
import { connectRedis } from './queue/redis-backend.js';
import { RedisButtonStore } from './queue/redis-button-store.js';
import { RedisConversationStore } from './queue/redis-conversation-store.js';
import { RedisMediaStore } from './queue/redis-media-store.js';
import { RedisTurnJournal } from './queue/redis-turn-journal.js';
import type { dataStores } from './runtime.js';

/** What a serving frontend keeps its state in; `close` closes it all (and its Redis connection). */
export type FrontendStores = ReturnType<typeof dataStores> & {
  readonly journal: TurnJournal;
  readonly settings: AccessSettings;
  /** Slack button state shared by every frontend (Redis); absent: the adapter keeps its own SQLite file. */
  readonly slackButtons?: ButtonStoreLike;
  close(): Promise<void>;
};

/**
 * The stores of `llmbind serve`: SQLite in the data dir, or with `queue.backend: redis` Redis, shared by
 * every frontend of the bot, media and Slack button state included, so a button click works on whichever
 * frontend it lands (docs/scale-out.md).
 */
export async function frontendStores(config: Config, logger: Logger): Promise<FrontendStores> {
  const dir = resolve(config.data.dir);
  if (config.queue.backend !== 'redis') {
    const media = new FileMediaStore(join(dir, 'media'));
    const store = new SqliteConversationStore(join(dir, 'conversations.db'));
    const journal = new SqliteTurnJournal(join(dir, 'journal.db'));
    const settings = new SqliteAccessSettings(join(dir, 'settings.db'));
    const close = async () => {
      await Promise.all([store.close(), journal.close()]);
      settings.close();
    };
    return { store, media, journal, settings, close };
  }
  const { redisUrl, prefix } = config.queue;
  const redis = await connectRedis(redisUrl, logger.child({ stores: 'redis' }));
  const settings = await RedisAccessSettings.open({ redis, prefix, logger }).catch((error: unknown) => {
    redis.disconnect();
    throw error;
  });
  // Stable across restarts of this frontend (its data dir): it takes its own unfinished turns back at once.
  const journal = new RedisTurnJournal({ redis, prefix, logger, owner: `${hostname()}:${dir}` });
  const close = async () => {
    await journal.close();
    settings.close();
    await redis.quit();
  };
  return {
    store: new RedisConversationStore({ redis, prefix }),
    media: new RedisMediaStore({ redis, prefix }),
    slackButtons: new RedisButtonStore({ redis, prefix, platform: 'slack' }),
    journal,
    settings,
    close,
  };
}
