import type { Queue } from 'bullmq';
import { fail, ok, type Result, toFailure } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { TaskKind } from '../engine/protocol/task-kind.js';
import type { Task, TaskOutput, TaskRequest, TaskRunOptions } from '../tasks/task.js';
import type { JobClient } from './job-client.js';
import {
  decodeProgress,
  decodeTaskOutput,
  encodeTaskRequest,
  type WireProgress,
  type WireTaskOutcome,
} from './wire.js';

/** What a {@link QueueTask} needs. */
export interface QueueTaskDeps {
  readonly kind: TaskKind;
  readonly client: JobClient;
  /** The queue of this kind. */
  readonly queue: Queue;
  readonly logger: Logger;
}

/**
 * The frontend's runner for one task kind: each run is a BullMQ job on that kind's queue; progress and
 * the produced media (base64 in the outcome entry) come back over the job's Redis stream. After a worker
 * restart progress simply starts over; only the last run's outcome counts.
 */
export class QueueTask implements Task {
  readonly kind: TaskKind;

  constructor(private readonly deps: QueueTaskDeps) {
    this.kind = deps.kind;
  }

  /** Expected failures from the worker come back as values with their code. */
  async run(request: TaskRequest, options: TaskRunOptions): Promise<Result<TaskOutput>> {
    const { client, queue, logger } = this.deps;
    let run: string | undefined;
    try {
      const stream = client.run(queue, this.kind, encodeTaskRequest(request), {
        failCode: 'task_failed',
        signal: options.signal,
      });
      for await (const message of stream) {
        if (message.kind === 'start') {
          if (run !== undefined) logger.warn({ kind: this.kind, run: message.run }, 'task job restarted');
          run = message.run;
          continue;
        }
        // Entries of a run that lost its job (its worker's lock lapsed) are ignored.
        if (message.run !== run) continue;
        if (message.kind === 'event') {
          options.onProgress?.(decodeProgress(message.data as WireProgress));
        } else {
          const outcome = message.data as WireTaskOutcome;
          return outcome.ok ? ok(decodeTaskOutput(outcome)) : fail(outcome.code, outcome.message);
        }
      }
      return fail('task_failed', 'the task job stream ended without an outcome');
    } catch (error) {
      // Cancellation (the signal's reason) and lost jobs are reported like any runner's failure.
      const failure = toFailure(error, 'task_failed');
      return { ok: false, error: failure };
    }
  }

  /** Nothing is held per kind: the backend owns the queues. */
  async dispose(): Promise<void> {}
}
