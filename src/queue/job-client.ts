import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type ErrorCode, LlmbindError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { readJobStream, type StreamMessage } from './job-stream.js';
import type { QueueNames } from './queue-names.js';

/** What a frontend needs to submit jobs and follow them. */
export interface JobClientDeps {
  /** For commands that do not block (cancel key, publish); shared. */
  readonly redis: Redis;
  readonly names: QueueNames;
  readonly logger: Logger;
  /** Longest XREAD wait before the job's state is checked (a job can fail without an outcome entry). */
  readonly blockMs: number;
  /** Seconds a cancel key and a finished job are kept. */
  readonly ttlSeconds: number;
}

/** How a job that ended without an outcome entry is reported. */
export interface FollowOptions {
  readonly failCode: ErrorCode;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Submits a BullMQ job and streams the entries its worker(s) write. Aborting the signal removes the job
 * while it waits, or tells the worker holding it to abort (a cancel key for a worker that has not looked
 * yet, a pub/sub message for one that runs it), and ends the stream with the signal's reason.
 */
export class JobClient {
  constructor(private readonly deps: JobClientDeps) {}

  /** Adds the job and yields its stream entries up to and including the first `end`. */
  async *run(
    queue: Queue,
    name: string,
    data: unknown,
    options: FollowOptions,
  ): AsyncGenerator<StreamMessage> {
    const { signal } = options;
    signal?.throwIfAborted();
    const id = randomUUID();
    const age = this.deps.ttlSeconds;
    await queue.add(name, data, { jobId: id, removeOnComplete: { age }, removeOnFail: { age } });
    const reader = this.deps.redis.duplicate();
    const onAbort = () => {
      // Ends a blocked XREAD at once; the cancel itself runs on the shared connection.
      reader.disconnect();
      this.cancel(queue, id).catch((error: unknown) =>
        this.deps.logger.warn({ job: id, err: String(error) }, 'job cancel failed'),
      );
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    // Aborted while the job was being added: the listener came too late to hear it.
    if (signal?.aborted) onAbort();
    let quietChecks = 0;
    const idle = async () => {
      const state = await queue.getJobState(id);
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return;
      // A finished job wrote its outcome before finishing: give the stream one more read to show it.
      if (++quietChecks < 2) return;
      const job = state === 'failed' ? await queue.getJob(id) : undefined;
      throw new LlmbindError(options.failCode, `job ${id} ended (${state}) without an outcome`, {
        job: id,
        state,
        ...(job?.failedReason ? { reason: job.failedReason } : {}),
      });
    };
    try {
      for await (const message of readJobStream(reader, this.deps.names.events(id), {
        blockMs: this.deps.blockMs,
        idle,
      }))
        yield message;
    } catch (error) {
      signal?.throwIfAborted();
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      reader.disconnect();
    }
    signal?.throwIfAborted();
  }

  /** Removes a waiting job, else flags it for the worker that holds (or is about to hold) it. */
  private async cancel(queue: Queue, id: string): Promise<void> {
    const removed = await queue.remove(id).catch(() => 0);
    if (removed === 1) return;
    const { redis, names, ttlSeconds } = this.deps;
    // Key first, message second: a worker that starts the job after the message still sees the key.
    await redis.set(names.cancelKey(id), '1', 'EX', ttlSeconds);
    await redis.publish(names.cancelChannel, id);
  }
}
