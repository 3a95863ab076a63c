import { afterEach, describe, expect, it } from 'vitest';
import { fail, ok, type Result } from '../../src/core/errors.js';
import type { TaskKind } from '../../src/engine/protocol/task-kind.js';
import type { Task, TaskOutput, TaskProgress, TaskRequest, TaskRunOptions } from '../../src/tasks/task.js';
import { done } from '../fakes/fake-engine.js';
import { deferred, KINDS, type Rig, rig, ScriptedEngine } from './queue-fixture.js';

/** A runner that reports two steps (the first with a preview), can be held, and records its signal. */
class HeldTask implements Task {
  readonly requests: TaskRequest[] = [];
  readonly abortedNow = deferred();
  readonly entered = deferred();
  constructor(
    readonly kind: TaskKind,
    private readonly hold?: Promise<void>,
  ) {}

  async run(request: TaskRequest, options: TaskRunOptions): Promise<Result<TaskOutput>> {
    this.requests.push(request);
    options.signal?.addEventListener('abort', () => this.abortedNow.resolve(), { once: true });
    this.entered.resolve();
    options.onProgress?.({ step: 1, totalSteps: 2, preview: new Uint8Array([9]) });
    if (this.hold) await Promise.race([this.hold, this.abortedNow.promise]);
    if (options.signal?.aborted) return fail('cancelled', 'aborted');
    if (request.prompt === 'bad') return fail('bad_input', 'no such thing');
    options.onProgress?.({ step: 2, totalSteps: 2 });
    const bytes = new Uint8Array([request.seed % 256, ...(request.inputImage?.bytes ?? []), 0xff]);
    return ok({
      media: [{ bytes, mime: 'image/png', filename: 'out.png', altText: request.prompt }],
      seed: request.seed,
      computeSeconds: 0.5,
    });
  }

  async dispose(): Promise<void> {}
}

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('QueueTask over BullMQ (real redis-server)', () => {
  it('runs on the worker: progress (with preview) arrives in order, then the media bytes', async () => {
    current = await rig();
    const runner = new HeldTask('image_generation');
    await current.worker(new ScriptedEngine(() => [done('')]), [runner]);
    const task = current.frontend.frontend(KINDS).tasks.get('image_generation');
    const progress: TaskProgress[] = [];
    const seg = new Float32Array([1.5, 2.5]);
    const result = await task?.run(
      {
        kind: 'image_generation',
        prompt: 'a red fox',
        seed: 258,
        inputImage: { bytes: new Uint8Array([7, 8]), mime: 'image/png' },
        segEmbedding: seg,
      },
      { onProgress: (p) => progress.push(p) },
    );
    expect(progress).toEqual([
      { step: 1, totalSteps: 2, preview: new Uint8Array([9]) },
      { step: 2, totalSteps: 2 },
    ]);
    expect(result?.ok && [...(result.value.media[0]?.bytes ?? [])]).toEqual([2, 7, 8, 0xff]);
    expect(result?.ok && result.value).toMatchObject({ seed: 258, computeSeconds: 0.5 });
    expect([...(runner.requests[0]?.segEmbedding ?? [])]).toEqual([1.5, 2.5]);
  });

  it("a runner's expected failure comes back as a value with its code", async () => {
    current = await rig();
    await current.worker(new ScriptedEngine(() => [done('')]), [new HeldTask('image_generation')]);
    const task = current.frontend.frontend(KINDS).tasks.get('image_generation');
    const result = await task?.run({ kind: 'image_generation', prompt: 'bad', seed: 1 }, {});
    expect(result).toMatchObject({ ok: false, error: { code: 'bad_input' } });
  });

  it('cancelling a running task aborts it on the worker and reports cancelled', async () => {
    current = await rig();
    const never = deferred();
    const runner = new HeldTask('segmentation', never.promise);
    await current.worker(new ScriptedEngine(() => [done('')]), [runner]);
    const task = current.frontend.frontend(KINDS).tasks.get('segmentation');
    const controller = new AbortController();
    const result = task?.run(
      { kind: 'segmentation', prompt: 'the cat', seed: 1 },
      { signal: controller.signal },
    );
    await runner.entered.promise;
    controller.abort();
    expect(await result).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    await runner.abortedNow.promise;
  });
});
