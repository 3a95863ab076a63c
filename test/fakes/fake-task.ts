import { fail, ok, type Result } from '../../src/core/errors.js';
import type { TaskKind } from '../../src/engine/protocol/task-kind.js';
import type { Task, TaskOutput, TaskRequest, TaskRunOptions } from '../../src/tasks/task.js';

/** A typed fake task runner: returns the bytes its `produce` makes, records every request. */
export class FakeTask implements Task {
  readonly requests: TaskRequest[] = [];

  constructor(
    readonly kind: TaskKind,
    private readonly produce: (request: TaskRequest) => Uint8Array | 'fail' = (r) =>
      new TextEncoder().encode(`${r.kind}:${r.prompt}:${r.seed}`),
  ) {}

  async run(request: TaskRequest, options: TaskRunOptions): Promise<Result<TaskOutput>> {
    this.requests.push(request);
    options.onProgress?.({ step: 1, totalSteps: 2 });
    options.signal?.throwIfAborted();
    const bytes = this.produce(request);
    if (bytes === 'fail') return fail('task_failed', 'scripted failure');
    options.onProgress?.({ step: 2, totalSteps: 2 });
    return ok({
      media: [{ bytes, mime: 'image/png', filename: `${this.kind}.png`, altText: request.prompt }],
      seed: request.seed,
      computeSeconds: 0.01,
    });
  }

  async dispose(): Promise<void> {}
}
