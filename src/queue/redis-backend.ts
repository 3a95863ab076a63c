import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { LlmbindError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Engine } from '../engine/engine.js';
import type { TaskKind } from '../engine/protocol/task-kind.js';
import { TaskRegistry } from '../tasks/task-registry.js';
import { JobClient } from './job-client.js';
import { QueueEngine } from './queue-engine.js';
import { queueNames, redactRedisUrl } from './queue-names.js';
import { QueueTask } from './queue-task.js';
import {
  QueueWorkers,
  type QueueWorkersHooks,
  type WorkerHealth,
  type WorkerSettings,
} from './queue-worker.js';

/** `queue` in config, as far as the Redis backend reads it. */
export interface RedisQueueSettings {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly maxStalledCount: number;
  /** Longest XREAD wait before a frontend checks the state of the job it follows. */
  readonly pollMs: number;
  readonly ttlSeconds: number;
}

/** The frontend's half: an Engine and task runners that enqueue. */
export interface QueueFrontend {
  readonly engine: Engine;
  readonly tasks: TaskRegistry;
}

/**
 * The BullMQ-on-Redis queue backend: one shared command connection, the BullMQ queues a frontend adds
 * to, and the Workers a worker process consumes with. Both halves may live in one process.
 */
export class RedisQueueBackend {
  private readonly queues = new Map<string, Queue>();
  private readonly names;
  private workers: QueueWorkers | undefined;
  private subscriber: Redis | undefined;

  private constructor(
    private readonly settings: RedisQueueSettings,
    private readonly redis: Redis,
    private readonly logger: Logger,
  ) {
    this.names = queueNames(settings.prefix);
  }

  /** Connects and checks Redis answers; an unreachable server is a config-level error at start. */
  static async connect(settings: RedisQueueSettings, logger: Logger): Promise<RedisQueueBackend> {
    const redis = await connectRedis(settings.redisUrl, logger);
    logger.info({ redis: redactRedisUrl(settings.redisUrl) }, 'queue backend: redis');
    return new RedisQueueBackend(settings, redis, logger);
  }

  /** The Engine and task runners of a frontend; `kinds` are the task kinds the workers serve. */
  frontend(kinds: readonly TaskKind[]): QueueFrontend {
    const client = new JobClient({
      redis: this.redis,
      names: this.names,
      logger: this.logger,
      blockMs: this.settings.pollMs,
      ttlSeconds: this.settings.ttlSeconds,
    });
    const engine = new QueueEngine({ client, queue: this.queue(this.names.engine), logger: this.logger });
    const tasks = new TaskRegistry(
      kinds.map(
        (kind) =>
          new QueueTask({ kind, client, queue: this.queue(this.names.task(kind)), logger: this.logger }),
      ),
    );
    return { engine, tasks };
  }

  /** Starts consuming the engine queue and the queues of the kinds `tasks` has runners for. */
  /** State of this process's workers for /healthz; undefined before {@link startWorkers}. */
  health(): WorkerHealth | undefined {
    return this.workers?.health();
  }

  async startWorkers(
    runtime: { readonly engine: Engine; readonly tasks: TaskRegistry },
    concurrency: WorkerSettings['concurrency'],
    hooks: Pick<QueueWorkersHooks, 'observer'> = {},
  ): Promise<void> {
    this.subscriber = this.redis.duplicate();
    this.workers = await QueueWorkers.start({
      engine: runtime.engine,
      tasks: runtime.tasks,
      ...hooks,
      redis: this.redis,
      subscriber: this.subscriber,
      connection: { url: this.settings.redisUrl },
      names: this.names,
      logger: this.logger,
      settings: { ...this.settings, concurrency },
    });
  }

  /** Stops the workers (running jobs get `graceMs`), then closes queues and connections. */
  async close(graceMs: number): Promise<void> {
    await this.workers?.close(graceMs);
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.subscriber?.disconnect();
    this.redis.disconnect();
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: { url: this.settings.redisUrl, maxRetriesPerRequest: null },
        prefix: this.names.prefix,
      });
      queue.on('error', (error: Error) =>
        this.logger.warn({ queue: name, err: error.message }, 'queue error'),
      );
      this.queues.set(name, queue);
    }
    return queue;
  }
}

/**
 * A connected ioredis client for `url` (the queue backend's and the shared limiters'), its errors
 * logged with the password scrubbed. An unreachable server is `config_invalid`: it is checked at start.
 */
export async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const where = redactRedisUrl(url);
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  // Reconnects are ioredis's job; they are logged, not thrown.
  redis.on('error', (error: Error) =>
    logger.warn({ redis: where, err: error.message }, 'redis connection error'),
  );
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new LlmbindError(
      'config_invalid',
      `cannot reach Redis at ${where}`,
      { redis: where },
      { cause: error },
    );
  }
  return redis;
}
