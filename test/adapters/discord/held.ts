import { ok, type Result } from '../../../src/core/errors.js';
import type { Engine, EngineContext, EngineEvent } from '../../../src/engine/engine.js';
import type { TaskKind } from '../../../src/engine/protocol/task-kind.js';
import type { Task, TaskOutput, TaskProgress, TaskRequest, TaskRunOptions } from '../../../src/tasks/task.js';
import { Gate } from '../../helpers/gate.js';

/** Settles (rejecting with the signal's reason) when `signal` aborts. */
function abortOf(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (signal?.aborted) reject(signal.reason);
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** An engine that writes `deltas`, then keeps "thinking" until its turn is aborted. */
export class StallingEngine implements Engine {
  readonly contexts: EngineContext[] = [];
  aborted = false;

  constructor(private readonly deltas: readonly string[]) {}

  async *respond(context: EngineContext, signal?: AbortSignal): AsyncIterable<EngineEvent> {
    this.contexts.push(context);
    for (const delta of this.deltas) yield { type: 'text', delta };
    try {
      await abortOf(signal);
    } finally {
      this.aborted = signal?.aborted ?? false;
    }
  }

  async close(): Promise<void> {}
}

/**
 * A task that starts, then holds until the test releases it (or its job is aborted); the test reports
 * progress for it in between, so each step is seen by the platform before the next.
 */
export class HeldTask implements Task {
  readonly requests: TaskRequest[] = [];
  aborted = false;
  private readonly startGate = new Gate();
  private readonly releaseGate = new Gate();
  private onProgress: ((p: TaskProgress) => void) | undefined;

  constructor(
    readonly kind: TaskKind,
    private readonly output: Uint8Array,
  ) {}

  /** Resolves once `run` has been called. */
  get started(): Promise<void> {
    return this.startGate.opened;
  }

  /** Reports progress as the running job. */
  report(progress: TaskProgress): void {
    this.onProgress?.(progress);
  }

  /** Lets the running job finish with its output. */
  release(): void {
    this.releaseGate.open();
  }

  async run(request: TaskRequest, options: TaskRunOptions): Promise<Result<TaskOutput>> {
    this.requests.push(request);
    this.onProgress = options.onProgress;
    this.startGate.open();
    try {
      await Promise.race([this.releaseGate.opened, abortOf(options.signal)]);
    } catch (error) {
      this.aborted = true;
      throw error;
    }
    return ok({
      media: [
        { bytes: this.output, mime: 'image/png', filename: `${this.kind}.png`, altText: request.prompt },
      ],
      seed: request.seed,
      computeSeconds: 0.01,
    });
  }

  async dispose(): Promise<void> {}
}
