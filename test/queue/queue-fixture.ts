import type { Logger } from '../../src/core/logger.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Engine, EngineContext, EngineEvent } from '../../src/engine/engine.js';
import type { TaskKind } from '../../src/engine/protocol/task-kind.js';
import { RedisQueueBackend, type RedisQueueSettings } from '../../src/queue/redis-backend.js';
import type { Task } from '../../src/tasks/task.js';
import { TaskRegistry } from '../../src/tasks/task-registry.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

/** A promise with its resolver. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** One scripted step of a {@link ScriptedEngine} reply: an event, or a hold until the test opens it. */
export type Step = EngineEvent | { readonly hold: Promise<void> };

/**
 * An engine whose reply to a user text is a scripted list of steps; it records each call as it starts
 * and how it ended, so tests wait on recorded facts, not on time.
 */
export class ScriptedEngine implements Engine {
  readonly started: string[] = [];
  readonly aborted: string[] = [];
  private readonly arrivals = new Map<string, ReturnType<typeof deferred<void>>>();
  private readonly abortWaits = new Map<string, ReturnType<typeof deferred<void>>>();

  constructor(private readonly script: (text: string) => Step[] | Error) {}

  /** Resolves once a reply to `text` has started. */
  arrived(text: string): Promise<void> {
    return this.slot(this.arrivals, text).promise;
  }

  /** Resolves once a reply to `text` has seen its signal abort. */
  abortedOn(text: string): Promise<void> {
    return this.slot(this.abortWaits, text).promise;
  }

  async *respond(context: EngineContext, signal?: AbortSignal): AsyncIterable<EngineEvent> {
    const text = context.turns.at(-1)?.text ?? '';
    this.started.push(text);
    this.slot(this.arrivals, text).resolve();
    signal?.addEventListener(
      'abort',
      () => {
        this.aborted.push(text);
        this.slot(this.abortWaits, text).resolve();
      },
      { once: true },
    );
    const steps = this.script(text);
    if (steps instanceof Error) throw steps;
    for (const step of steps) {
      if ('hold' in step) {
        await Promise.race([
          step.hold,
          new Promise((r) => signal?.addEventListener('abort', r, { once: true })),
        ]);
        signal?.throwIfAborted();
      } else yield step;
    }
  }

  async close(): Promise<void> {}

  private slot(map: Map<string, ReturnType<typeof deferred<void>>>, text: string) {
    let d = map.get(text);
    if (!d) {
      d = deferred();
      map.set(text, d);
    }
    return d;
  }
}

/** Short stall settings so a killed worker's job moves on within a second or two. */
export function settings(url: string, overrides: Partial<RedisQueueSettings> = {}): RedisQueueSettings {
  return {
    redisUrl: url,
    prefix: `t${Math.random().toString(36).slice(2, 8)}`,
    lockDurationMs: 1000,
    stalledIntervalMs: 500,
    maxStalledCount: 1,
    pollMs: 200,
    ttlSeconds: 60,
    ...overrides,
  };
}

/** A Redis server, a frontend backend and worker backends on it; `close()` tears all down. */
export interface Rig {
  readonly redis: RedisServer;
  readonly frontend: RedisQueueBackend;
  readonly settings: RedisQueueSettings;
  readonly logger: Logger;
  /** Starts a worker backend (as a worker process would) over `engine` and `tasks`. */
  worker(engine: Engine, tasks?: Task[], concurrency?: number): Promise<RedisQueueBackend>;
  close(): Promise<void>;
}

/** Starts the rig; every test gets its own redis-server. */
export async function rig(overrides: Partial<RedisQueueSettings> = {}): Promise<Rig> {
  const redis = await startRedis();
  const logger = silentLogger();
  const s = settings(redis.url, overrides);
  const frontend = await RedisQueueBackend.connect(s, logger);
  const workers: RedisQueueBackend[] = [];
  return {
    redis,
    frontend,
    settings: s,
    logger,
    async worker(engine, tasks = [], concurrency = 1) {
      const backend = await RedisQueueBackend.connect(s, logger);
      await backend.startWorkers({ engine, tasks: new TaskRegistry(tasks) }, () => concurrency);
      workers.push(backend);
      return backend;
    },
    async close() {
      for (const w of workers) await w.close(0);
      await frontend.close(0);
      await redis.stop();
    },
  };
}

/** Every event of a reply, in order. */
export async function collect(events: AsyncIterable<EngineEvent>): Promise<EngineEvent[]> {
  const out: EngineEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

/** The task kinds a frontend in these tests offers. */
export const KINDS: TaskKind[] = ['image_generation', 'segmentation'];
