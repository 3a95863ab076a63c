import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxPool } from '../../src/engine/onnx/onnx-pool.js';
import { ImageGenerationTask } from '../../src/tasks/image-generation/image-generation-task.js';
import {
  imageInfo,
  numbers,
  progressRecorder,
  RecordingPool,
  sectionWith,
  TASKS_DIR,
} from './task-fixtures.js';

let pool: OnnxPool;
beforeAll(async () => {
  pool = await OnnxPool.create({ workers: 1 });
});
afterAll(async () => {
  await pool.close();
});

const request = (seed: number) => ({ kind: 'image_generation' as const, prompt: 'a red fox', seed });

describe('image generation on the fixture SD models', () => {
  it('makes a PNG of the configured size, with progress every step and previews every k steps', async () => {
    const task = await ImageGenerationTask.create(TASKS_DIR, sectionWith('image_generation', {}), { pool });
    const progress = progressRecorder();
    const result = await task.run(request(7), { onProgress: progress.onProgress });
    if (!result.ok) throw new Error(result.error.message);
    const [media] = result.value.media;
    expect(media?.mime).toBe('image/png');
    expect(await imageInfo(media?.bytes ?? new Uint8Array())).toEqual({
      width: 64,
      height: 64,
      format: 'png',
    });
    expect(result.value.seed).toBe(7);
    expect(result.value.computeSeconds).toBeGreaterThan(0);
    // steps: 4, previewEvery: 2 → a preview after step 2 only (the final image replaces step 4's).
    expect(progress.events.map((e) => [e.step, e.totalSteps, e.preview !== undefined])).toEqual([
      [1, 4, false],
      [2, 4, true],
      [3, 4, false],
      [4, 4, false],
    ]);
    expect(await imageInfo(progress.events[1]?.preview ?? new Uint8Array())).toMatchObject({
      width: 8,
      height: 8,
      format: 'png',
    });
  });

  it('same seed gives the same bytes; another seed gives different bytes', async () => {
    const task = await ImageGenerationTask.create(TASKS_DIR, sectionWith('image_generation', {}), { pool });
    const a = await task.run(request(1), {});
    const b = await task.run(request(1), {});
    const c = await task.run(request(2), {});
    if (!a.ok || !b.ok || !c.ok) throw new Error('generation failed');
    expect(Buffer.from(a.value.media[0]?.bytes ?? [])).toEqual(Buffer.from(b.value.media[0]?.bytes ?? []));
    expect(Buffer.from(a.value.media[0]?.bytes ?? [])).not.toEqual(
      Buffer.from(c.value.media[0]?.bytes ?? []),
    );
  });

  it('feeds the UNet a [uncond; cond] batch with the declared int64 [steps] timestep, in DDIM order', async () => {
    const recording = new RecordingPool(pool);
    const task = await ImageGenerationTask.create(TASKS_DIR, sectionWith('image_generation', {}), {
      pool: recording,
    });
    const result = await task.run(request(3), {});
    expect(result.ok).toBe(true);
    const unet = recording.runsOf('/unet.onnx');
    expect(unet.map((r) => numbers(r.feeds.timestep))).toEqual([
      [751, 751],
      [501, 501],
      [251, 251],
      [1, 1],
    ]);
    expect(unet[0]?.feeds.sample?.dims).toEqual([2, 4, 8, 8]);
    expect(unet[0]?.feeds.encoder_hidden_states?.dims).toEqual([2, 77, 32]);
    // Prompt and negative prompt go through the text encoder; the VAE decodes once.
    expect(recording.runsOf('/text_encoder.onnx')).toHaveLength(2);
    expect(recording.runsOf('/vae_decoder.onnx')).toHaveLength(1);
  });

  it('guidance ≤ 1 runs one UNet row per step and no negative prompt', async () => {
    const recording = new RecordingPool(pool);
    const section = sectionWith('image_generation', {
      guidanceScale: 1,
      scheduler: { type: 'euler_ancestral' },
    });
    const task = await ImageGenerationTask.create(TASKS_DIR, section, { pool: recording });
    expect((await task.run(request(3), {})).ok).toBe(true);
    expect(recording.runsOf('/unet.onnx')[0]?.feeds.sample?.dims).toEqual([1, 4, 8, 8]);
    expect(recording.runsOf('/text_encoder.onnx')).toHaveLength(1);
  });

  it('LCM: no CFG batch, the guidance embedding as timestep_cond, LCM timesteps', async () => {
    const recording = new RecordingPool(pool);
    const section = sectionWith('image_generation', {
      files: {
        tokenizer: 'tokenizer.json',
        text_encoder: 'text_encoder.onnx',
        unet: 'lcm_unet.onnx',
        vae_decoder: 'vae_decoder.onnx',
      },
      scheduler: { type: 'lcm', setAlphaToOne: true },
      guidanceScale: 8.5,
    });
    const task = await ImageGenerationTask.create(TASKS_DIR, section, { pool: recording });
    const result = await task.run(request(3), {});
    expect(result.ok).toBe(true);
    const unet = recording.runsOf('/lcm_unet.onnx');
    expect(unet.map((r) => numbers(r.feeds.timestep))).toEqual([[999], [759], [499], [259]]);
    expect(unet[0]?.feeds.sample?.dims).toEqual([1, 4, 8, 8]);
    expect(unet[0]?.feeds.timestep_cond?.dims).toEqual([1, 32]);
    // w = 8.5 − 1; the first sin term is sin(1000·w).
    expect(numbers(unet[0]?.feeds.timestep_cond)[0]).toBeCloseTo(Math.sin(7500), 4);
    expect(recording.runsOf('/text_encoder.onnx')).toHaveLength(1);
  });

  it('cancelling stops within one step and reports cancelled', async () => {
    const recording = new RecordingPool(pool);
    const task = await ImageGenerationTask.create(TASKS_DIR, sectionWith('image_generation', { steps: 20 }), {
      pool: recording,
    });
    const controller = new AbortController();
    const progress = progressRecorder(controller, 2);
    const result = await task.run(request(5), { signal: controller.signal, onProgress: progress.onProgress });
    expect(result).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(progress.events.at(-1)?.step).toBe(2);
    expect(recording.runsOf('/unet.onnx')).toHaveLength(2);
    expect(recording.runsOf('/vae_decoder.onnx')).toHaveLength(0);
  });

  it('a timeout signal is reported as timeout', async () => {
    const task = await ImageGenerationTask.create(TASKS_DIR, sectionWith('image_generation', {}), { pool });
    const controller = new AbortController();
    controller.abort(new DOMException('timed out', 'TimeoutError'));
    expect(await task.run(request(5), { signal: controller.signal })).toMatchObject({
      ok: false,
      error: { code: 'timeout' },
    });
  });

  it('rejects bad sections with the key named', async () => {
    await expect(
      ImageGenerationTask.create(TASKS_DIR, sectionWith('image_generation', { steps: 0 }), { pool }),
    ).rejects.toMatchObject({
      code: 'bundle_invalid',
      message: expect.stringContaining('tasks.image_generation.steps'),
    });
    await expect(
      ImageGenerationTask.create(TASKS_DIR, sectionWith('image_generation', { width: 60 }), { pool }),
    ).rejects.toMatchObject({
      code: 'bundle_invalid',
      message: expect.stringContaining('tasks.image_generation.width'),
    });
    await expect(
      ImageGenerationTask.create(
        TASKS_DIR,
        sectionWith('image_generation', {
          files: {
            tokenizer: 'tokenizer.json',
            text_encoder: 'text_encoder.onnx',
            unet: 'nope.onnx',
            vae_decoder: 'vae_decoder.onnx',
          },
        }),
        { pool },
      ),
    ).rejects.toMatchObject({
      code: 'model_missing',
      message: expect.stringContaining('tasks.image_generation.files.unet'),
    });
    // A UNet in the place of the text encoder: wrong signature.
    await expect(
      ImageGenerationTask.create(
        TASKS_DIR,
        sectionWith('image_generation', {
          files: {
            tokenizer: 'tokenizer.json',
            text_encoder: 'unet.onnx',
            unet: 'unet.onnx',
            vae_decoder: 'vae_decoder.onnx',
          },
        }),
        { pool },
      ),
    ).rejects.toMatchObject({
      code: 'bundle_invalid',
      message: expect.stringContaining("missing input 'input_ids'"),
    });
  });
});
