import { randomUUID } from 'node:crypto';
import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type ErrorCode, LlmbindError, toFailure } from '../core/errors.js';
import type { JobKind } from '../core/jobs/job.js';
import type { Logger } from '../core/logger.js';
import type { Engine } from '../engine/engine.js';
import type { TaskKind } from '../engine/protocol/task-kind.js';
import type { TaskRegistry } from '../tasks/task-registry.js';
import { JobStreamWriter } from './job-stream.js';
import type { EngineOutcome } from './queue-engine.js';
import type { QueueNames } from './queue-names.js';
import {
  decodeContext,
  decodeTaskRequest,
  encodeEngineEvent,
  encodeProgress,
  encodeTaskOutput,
  type WireContext,
  type WireTaskOutcome,
  type WireTaskRequest,
} from './wire.js';

/** BullMQ settings of the consuming side. */
export interface WorkerSettings {
  /** Jobs one BullMQ Worker runs at once, per queue. */
  readonly concurrency: (queue: 'chat' | TaskKind) => number;
  /** A job whose lock is not renewed within this long is stalled (its worker died) and runs again. */
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  /** Restarts after stalls before a job fails. */
  readonly maxStalledCount: number;
  /** Seconds a job's event stream lives after its last entry. */
  readonly ttlSeconds: number;
}

/** How a job on a worker ended: `ok`, or the error code written as its outcome. */
export type WorkerJobOutcome = 'ok' | ErrorCode;

/** Sees each job a worker runs (metrics); every method must be cheap and must not throw. */
export interface WorkerJobObserver {
  /** A job of `kind` started running here. */
  started(kind: JobKind): void;
  /** That job ended; `runMs` counts from its start to its outcome being written. */
  settled(kind: JobKind, outcome: WorkerJobOutcome, runMs: number): void;
}

/** The state of a process's BullMQ Workers, read at any time (for /healthz). */
export interface WorkerHealth {
  /** `ok` while consuming and connected, `draining` once closing began, `down` when not consuming. */
  readonly status: 'ok' | 'draining' | 'down';
  readonly queues: number;
  readonly running: number;
  /** Both Redis connections of the workers (commands, cancel subscription) are ready. */
  readonly connected: boolean;
}

/**
 * Optional hooks of a worker process: they ride along with the runtime given to
 * `RedisQueueBackend.startWorkers` into {@link QueueWorkerDeps}.
 */
export interface QueueWorkersHooks {
  readonly observer?: WorkerJobObserver;
}

/** What the worker process runs jobs with. */
export interface QueueWorkerDeps extends QueueWorkersHooks {
  readonly engine: Engine;
  readonly tasks: TaskRegistry;
  /** Commands (stream writes, cancel-key reads). */
  readonly redis: Redis;
  /** Subscribed to the cancel channel (a subscribed connection can do nothing else). */
  readonly subscriber: Redis;
  /** BullMQ's connection options (it opens its own connections). */
  readonly connection: { readonly url: string };
  readonly names: QueueNames;
  readonly logger: Logger;
  readonly settings: WorkerSettings;
}

/** The BullMQ Workers of one process: the engine queue and one queue per task kind it has. */
export class QueueWorkers {
  private readonly workers: Worker[] = [];
  /** Jobs running here, by id, so a cancel message can abort them. */
  private readonly running = new Map<string, AbortController>();
  /** Called once no job runs here any more (graceful stop). */
  private idleWaiters: Array<() => void> = [];
  private closing = false;
  private readonly onCancel = (channel: string, id: string) => {
    if (channel === this.deps.names.cancelChannel) this.abort(id);
  };

  private constructor(private readonly deps: QueueWorkerDeps) {}

  /** Subscribes to cancels, then starts consuming. */
  static async start(deps: QueueWorkerDeps): Promise<QueueWorkers> {
    const workers = new QueueWorkers(deps);
    deps.subscriber.on('message', workers.onCancel);
    await deps.subscriber.subscribe(deps.names.cancelChannel);
    workers.consume(deps.names.engine, 'chat', (job, signal, writer) =>
      workers.engineJob(job, signal, writer),
    );
    for (const kind of deps.tasks.kinds())
      workers.consume(deps.names.task(kind), kind, (job, signal, writer) =>
        workers.taskJob(kind, job, signal, writer),
      );
    await Promise.all(workers.workers.map((w) => w.waitUntilReady()));
    deps.logger.info({ queues: workers.workers.map((w) => w.name) }, 'queue worker ready');
    return workers;
  }

  /** Whether every BullMQ Worker consumes and Redis answers; `draining` from the start of {@link close}. */
  health(): WorkerHealth {
    const { redis, subscriber } = this.deps;
    const connected = redis.status === 'ready' && subscriber.status === 'ready';
    const consuming = this.workers.every((w) => w.isRunning() && !w.isPaused());
    const status = this.closing ? 'draining' : consuming && connected ? 'ok' : 'down';
    return { status, queues: this.workers.length, running: this.running.size, connected };
  }

  /**
   * Stops taking jobs and waits up to `graceMs` for running ones; then lets go of the rest, whose locks
   * lapse so that another worker runs them again (as after a crash).
   */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    // Pause first (without waiting): no new job is taken while running ones get their grace period.
    await Promise.all(this.workers.map((w) => w.pause(true)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), graceMs);
    });
    const idle = new Promise<'idle'>((resolve) => {
      if (this.running.size === 0) resolve('idle');
      else this.idleWaiters.push(() => resolve('idle'));
    });
    const first = await Promise.race([idle, deadline]);
    clearTimeout(timer);
    if (first === 'deadline')
      this.deps.logger.warn({ running: this.running.size }, 'queue worker stopped with jobs running');
    // Forced: BullMQ stops renewing the locks of what still runs, so those jobs stall and run elsewhere.
    await Promise.all(this.workers.map((w) => w.close(true)));
    this.deps.subscriber.off('message', this.onCancel);
  }

  private abort(id: string): void {
    this.running
      .get(id)
      ?.abort(new LlmbindError('cancelled', 'cancelled by the frontend', { job: id, reason: 'user' }));
  }

  private consume(
    name: string,
    kind: 'chat' | TaskKind,
    body: (
      job: Job,
      signal: AbortSignal,
      writer: JobStreamWriter,
    ) => Promise<EngineOutcome | WireTaskOutcome>,
  ): void {
    const { settings, connection, names, redis, observer } = this.deps;
    const worker = new Worker(
      name,
      async (job: Job, _token?: string, bullSignal?: AbortSignal) => {
        const id = job.id ?? '';
        const writer = new JobStreamWriter(redis, names.events(id), randomUUID(), settings.ttlSeconds);
        const controller = new AbortController();
        this.running.set(id, controller);
        const startedAt = performance.now();
        let counted = false;
        const settle = (outcome: WorkerJobOutcome) => {
          if (counted) return;
          counted = true;
          observer?.settled(kind, outcome, performance.now() - startedAt);
        };
        observer?.started(kind);
        try {
          await writer.start();
          if ((await redis.exists(names.cancelKey(id))) === 1) this.abort(id);
          const signal = bullSignal ? AbortSignal.any([bullSignal, controller.signal]) : controller.signal;
          const outcome = await body(job, signal, writer);
          // Counted before the outcome is written: a frontend that has read it finds the job counted.
          settle(outcome.ok ? 'ok' : outcome.code);
          await writer.end(outcome);
        } finally {
          // Redis failed the job before its outcome was written (BullMQ fails or retries it).
          settle(kind === 'chat' ? 'engine_failed' : 'task_failed');
          this.running.delete(id);
          if (this.running.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        }
      },
      {
        connection: { url: connection.url, maxRetriesPerRequest: null },
        prefix: names.prefix,
        concurrency: settings.concurrency(kind),
        lockDuration: settings.lockDurationMs,
        stalledInterval: settings.stalledIntervalMs,
        maxStalledCount: settings.maxStalledCount,
      },
    );
    worker.on('error', (error) =>
      this.deps.logger.error({ queue: name, err: String(error) }, 'queue worker error'),
    );
    this.workers.push(worker);
  }

  /** Streams the engine's events; failures become the outcome (the job itself completes). */
  private async engineJob(job: Job, signal: AbortSignal, writer: JobStreamWriter): Promise<EngineOutcome> {
    let outcome: EngineOutcome = { ok: true };
    try {
      const context = decodeContext(job.data as WireContext);
      for await (const event of this.deps.engine.respond(context, signal))
        await writer.event(encodeEngineEvent(event));
    } catch (error) {
      const failure = toFailure(signal.aborted ? (signal.reason ?? error) : error, 'engine_failed');
      outcome = { ok: false, code: failure.code, message: failure.message };
    }
    return outcome;
  }

  /** Runs one task; progress writes are queued on the same connection, so they stay in order. */
  private async taskJob(
    kind: TaskKind,
    job: Job,
    signal: AbortSignal,
    writer: JobStreamWriter,
  ): Promise<WireTaskOutcome> {
    const task = this.deps.tasks.get(kind);
    let outcome: WireTaskOutcome;
    try {
      if (!task) throw new LlmbindError('task_not_configured', `no ${kind} runner on this worker`, { kind });
      const result = await task.run(decodeTaskRequest(job.data as WireTaskRequest), {
        signal,
        onProgress: (progress) => {
          writer
            .event(encodeProgress(progress))
            .catch((error: unknown) =>
              this.deps.logger.warn({ err: String(error) }, 'progress write failed'),
            );
        },
      });
      outcome = result.ok
        ? encodeTaskOutput(result.value)
        : { ok: false, code: result.error.code, message: result.error.message };
    } catch (error) {
      const failure = toFailure(error, 'task_failed');
      outcome = { ok: false, code: failure.code, message: failure.message };
    }
    return outcome;
  }
}
