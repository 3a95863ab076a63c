import type { Queue } from 'bullmq';
import { type ErrorCode, LlmbindError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Engine, EngineContext, EngineEvent } from '../engine/engine.js';
import type { JobClient } from './job-client.js';
import { decodeEngineEvent, encodeContext, type WireEngineEvent } from './wire.js';

/** How an engine job ended, as the worker writes it. */
export type EngineOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

/**
 * Keeps one answer per reply across worker restarts. A job a crashed worker held is run again from the
 * start by another worker; the text already passed up cannot be taken back through the Engine contract
 * (the orchestrator accumulates deltas), so the new run's text is matched against it: the common prefix
 * is swallowed and only what goes beyond is passed up. Task calls already passed up (by index) and
 * warnings already given are not repeated. A restarted run that writes a different text (sampling
 * without a fixed seed) replaces it: a `restart` event, then the new text from its start.
 */
export class RestartDedupe {
  private passed = '';
  private fresh = '';
  private tasksPassed = -1;
  private warnings = new Set<string>();
  private seenWarnings = new Set<string>();

  /** A new run began: its text is compared from its first character again. */
  restart(): void {
    this.fresh = '';
    this.seenWarnings = new Set();
  }

  /** The events to pass up for one event of the current run. */
  accept(event: EngineEvent): EngineEvent[] {
    if (event.type === 'text') {
      this.fresh += event.delta;
      const [shorter, longer] =
        this.fresh.length <= this.passed.length ? [this.fresh, this.passed] : [this.passed, this.fresh];
      if (!longer.startsWith(shorter)) {
        // The new run wrote something else (sampling without a fixed seed): its text replaces the old.
        this.passed = this.fresh;
        return [{ type: 'restart' }, { type: 'text', delta: this.fresh }];
      }
      if (this.fresh.length <= this.passed.length) return [];
      const delta = this.fresh.slice(this.passed.length);
      this.passed = this.fresh;
      return [{ type: 'text', delta }];
    }
    if (event.type === 'task') {
      if (event.call.index <= this.tasksPassed) return [];
      this.tasksPassed = event.call.index;
      return [event];
    }
    if (event.type === 'warning') {
      // The n-th identical warning of this run matches the n-th one given before.
      const key = `${event.kind}|${event.prompt}`;
      let n = 0;
      while (this.seenWarnings.has(`${key}|${n}`)) n++;
      this.seenWarnings.add(`${key}|${n}`);
      if (this.warnings.has(`${key}|${n}`)) return [];
      this.warnings.add(`${key}|${n}`);
      return [event];
    }
    return [event];
  }
}

/** What a {@link QueueEngine} needs. */
export interface QueueEngineDeps {
  readonly client: JobClient;
  readonly queue: Queue;
  readonly logger: Logger;
}

/**
 * The frontend's Engine: each `respond()` is one BullMQ job on the engine queue, run by whichever
 * worker takes it; its events come back over the job's Redis stream. The orchestrator above it does not
 * know the model runs elsewhere.
 */
export class QueueEngine implements Engine {
  constructor(private readonly deps: QueueEngineDeps) {}

  /** Streams the worker's events; a worker restart is invisible but for the time it takes. */
  async *respond(context: EngineContext, signal?: AbortSignal): AsyncIterable<EngineEvent> {
    const dedupe = new RestartDedupe();
    let run: string | undefined;
    const stream = this.deps.client.run(this.deps.queue, 'respond', encodeContext(context), {
      failCode: 'engine_failed',
      signal,
    });
    for await (const message of stream) {
      if (message.kind === 'start') {
        if (run !== undefined)
          this.deps.logger.warn({ run: message.run }, 'engine job restarted on a worker');
        run = message.run;
        dedupe.restart();
        continue;
      }
      // A worker that lost its lock but still writes is not the one the job belongs to now.
      if (message.run !== run) continue;
      if (message.kind === 'end') {
        const outcome = message.data as EngineOutcome;
        if (!outcome.ok) throw new LlmbindError(outcome.code, outcome.message);
        return;
      }
      for (const event of dedupe.accept(decodeEngineEvent(message.data as WireEngineEvent))) yield event;
    }
    signal?.throwIfAborted();
    throw new LlmbindError('engine_failed', 'the engine job stream ended without an outcome');
  }

  /** The queue and connections belong to the backend that made this engine. */
  async close(): Promise<void> {}
}
