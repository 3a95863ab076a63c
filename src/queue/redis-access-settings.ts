import type { Redis } from 'ioredis';
import type { AccessSettings } from '../core/access/access-settings.js';
import { CachedAccessSettings } from '../core/access/cached-access-settings.js';
import type { Logger } from '../core/logger.js';

/** Options of {@link RedisAccessSettings.open}. */
export interface RedisAccessSettingsOptions {
  /** A connected client (see `connectRedis`) for reads and writes; the caller owns and closes it. */
  readonly redis: Redis;
  /** The hash is `<prefix>:settings`, changes are announced on the channel of the same name. */
  readonly prefix: string;
  readonly logger: Logger;
}

/**
 * {@link AccessSettings} in Redis, one set for every frontend of a bot. The contract is synchronous (it
 * is read on every message), so reads come from a local copy of one small hash.
 *
 * The copy is refreshed by pub/sub rather than polling: a channel switched off on one frontend is off on
 * the others one round trip later, not a poll period later, and an idle bot sends Redis nothing. Each
 * notification reloads the whole hash (a few fields), so a missed or reordered message cannot leave a
 * stale field behind; the copy is also reloaded whenever the subscriber (re)connects, which covers
 * changes published while it was away. Writes update the local copy at once and go to Redis at once
 * (a failed one is logged and the copy reloaded from Redis).
 */
export class RedisAccessSettings extends CachedAccessSettings {
  /** The last write in flight: resolves once Redis has it, or once a failure was logged (tests). */
  pending: Promise<void> = Promise.resolve();
  /** Counts local writes, so a reload read before one of them cannot overwrite it. */
  private writes = 0;
  private readonly channel: string;
  private readonly hash: string;

  private constructor(
    private readonly options: RedisAccessSettingsOptions,
    private readonly subscriber: Redis,
  ) {
    super();
    this.hash = `${options.prefix}:settings`;
    this.channel = `${options.prefix}:settings`;
  }

  /** Loads the settings and subscribes to changes (on a duplicate connection, closed by {@link close}). */
  static async open(options: RedisAccessSettingsOptions): Promise<RedisAccessSettings> {
    const subscriber = options.redis.duplicate();
    subscriber.on('error', (error: Error) =>
      options.logger.warn({ err: error.message }, 'settings subscriber: redis connection error'),
    );
    const settings = new RedisAccessSettings(options, subscriber);
    subscriber.on('message', (channel: string) => {
      if (channel === settings.channel) void settings.reload();
    });
    try {
      await subscriber.subscribe(settings.channel);
      await settings.reload(true);
    } catch (error) {
      subscriber.disconnect();
      throw error;
    }
    // After a reconnect (ioredis resubscribes by itself): catch up on what was published meanwhile.
    subscriber.on('ready', () => void settings.reload());
    return settings;
  }

  /** Resolves once the local copy holds what Redis has (tests; a notification does this by itself). */
  async reload(strict = false): Promise<void> {
    const version = this.writes;
    let all: Record<string, string>;
    try {
      all = await this.options.redis.hgetall(this.hash);
    } catch (error) {
      if (strict) throw error;
      this.options.logger.warn({ err: String(error) }, 'settings (redis): could not reload');
      return;
    }
    // A local write since the read: its own notification brings a reload that includes it.
    if (version === this.writes) this.values = new Map(Object.entries(all));
  }

  /** Stops listening for changes. Does not close the command client. */
  close(): void {
    this.subscriber.disconnect();
  }

  /** The write, then the notification, in one transaction; {@link pending} until Redis has both. */
  protected write(field: string, value: string | undefined): void {
    this.writes += 1;
    if (value === undefined) this.values.delete(field);
    else this.values.set(field, value);
    const tx = this.options.redis.multi();
    if (value === undefined) tx.hdel(this.hash, field);
    else tx.hset(this.hash, field, value);
    this.pending = tx
      .publish(this.channel, field)
      .exec()
      .then((replies) => {
        const failed = replies?.find(([error]) => error !== null);
        if (failed) throw failed[0];
      })
      .catch((error: unknown) => {
        this.options.logger.warn({ err: String(error), field }, 'settings (redis): could not write');
        return this.reload();
      });
  }
}
