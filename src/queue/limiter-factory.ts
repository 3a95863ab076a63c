import Bottleneck from 'bottleneck';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';
import { connectRedis } from './redis-backend.js';

/** The pace of one limiter, or of each key of a group. */
export interface LimiterSpec {
  /** Least time between two job starts, in ms. */
  readonly minTime: number;
  /** Jobs running at once; 1 when absent. */
  readonly maxConcurrent?: number;
}

/**
 * Makes the bottleneck limiters the adapters pace platform calls with. The local factory keeps each
 * limiter's state in this process; the Redis one keeps it in Redis (bottleneck's clustering), so every
 * process that asks for the same `name` (and group key) shares one pace: two frontends of one bot
 * together stay within what one would send.
 */
export interface LimiterFactory {
  /** Whether limiters are shared with other processes (Redis) or local to this one. */
  readonly shared: boolean;
  /**
   * One limiter. `name` identifies it across processes: give the same name wherever the same platform
   * budget is meant (`slack:chat.update`), and different names for different budgets.
   */
  limiter(name: string, spec: LimiterSpec): Bottleneck;
  /** A group of limiters, one per key (a channel, a method), each paced by `spec`; `name` as for {@link limiter}. */
  group(name: string, spec: LimiterSpec): Bottleneck.Group;
  /**
   * Releases what the factory owns (the Redis connection). Callers disconnect the limiters they made
   * first: a limiter used after this fails its jobs.
   */
  close(): Promise<void>;
}

/** Limiters whose state lives in this process: the default, no Redis needed. */
export class LocalLimiterFactory implements LimiterFactory {
  readonly shared = false;

  limiter(name: string, spec: LimiterSpec): Bottleneck {
    return new Bottleneck({ id: name, maxConcurrent: spec.maxConcurrent ?? 1, minTime: spec.minTime });
  }

  group(name: string, spec: LimiterSpec): Bottleneck.Group {
    return new Bottleneck.Group({ id: name, maxConcurrent: spec.maxConcurrent ?? 1, minTime: spec.minTime });
  }

  async close(): Promise<void> {}
}

/** The factory the adapters use when none is injected. */
export const localLimiters: LimiterFactory = new LocalLimiterFactory();

/** `queue` in config, as far as shared limiters read it. */
export interface RedisLimiterSettings {
  readonly redisUrl: string;
  /** Keeps several bots on one Redis apart (config `queue.prefix`). */
  readonly prefix: string;
}

/**
 * Limiters clustered on Redis through bottleneck's `ioredis` datastore, over one connection (a command
 * client and its duplicate for pub/sub) shared by every limiter it makes.
 *
 * bottleneck 2.19 works with ioredis 6 unchanged: it is handed our connected client through
 * `new Bottleneck.IORedisConnection({ client })` (it only calls `duplicate()`, `defineCommand()`,
 * `pipeline()`, `subscribe()` and callback-style script commands, all still in ioredis 6), so it never
 * loads or constructs ioredis itself. `clearDatastore: false`: a frontend that starts must not wipe the
 * state the others are pacing by. A limiter's Redis settings are written by the first process that
 * creates it, so frontends must run with the same pacing (as they do from one config).
 */
export class RedisLimiterFactory implements LimiterFactory {
  readonly shared = true;
  private readonly connection: Bottleneck.IORedisConnection;

  /** Takes ownership of `client` (not lazily connecting: see {@link connect}); {@link close} quits it. */
  constructor(
    client: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.connection = new Bottleneck.IORedisConnection({ client });
    this.connection.on('error', (error: unknown) =>
      logger.warn({ err: String(error) }, 'shared limiter connection error'),
    );
  }

  /** Connects to `settings.redisUrl`; an unreachable Redis is `config_invalid`, as for the queue. */
  static async connect(settings: RedisLimiterSettings, logger: Logger): Promise<RedisLimiterFactory> {
    const client = await connectRedis(settings.redisUrl, logger);
    // bottleneck's pub/sub client is `client.duplicate()`, which copies `lazyConnect`; it then waits for
    // that duplicate's 'ready' before sending any command, while a lazy client connects only on its
    // first command: every limiter hung. This client is connected already, so the flag only steers copies.
    client.options.lazyConnect = false;
    return new RedisLimiterFactory(client, settings.prefix, logger);
  }

  limiter(name: string, spec: LimiterSpec): Bottleneck {
    const limiter = new Bottleneck(this.options(name, spec));
    this.logErrors(limiter, name);
    return limiter;
  }

  group(name: string, spec: LimiterSpec): Bottleneck.Group {
    const group = new Bottleneck.Group(this.options(name, spec));
    group.on('created', (limiter: Bottleneck, key: string) => this.logErrors(limiter, `${name}-${key}`));
    return group;
  }

  async close(): Promise<void> {
    // Also stops the heartbeats of limiters still registered on it.
    await this.connection.disconnect(true);
  }

  private options(name: string, spec: LimiterSpec): Bottleneck.ConstructorOptions {
    return {
      // Redis keys are `b_<id>…` (a group adds `-<key>`): the prefix keeps bots on one Redis apart.
      id: `${this.prefix}:limit:${name}`,
      maxConcurrent: spec.maxConcurrent ?? 1,
      minTime: spec.minTime,
      datastore: 'ioredis',
      connection: this.connection,
      clearDatastore: false,
    };
  }

  /** Heartbeat and Redis failures arrive as limiter events, which nobody would hear otherwise. */
  private logErrors(limiter: Bottleneck, name: string): void {
    limiter.on('error', (error: unknown) =>
      this.logger.warn({ limiter: name, err: String(error) }, 'shared limiter error'),
    );
  }
}
