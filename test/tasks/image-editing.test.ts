import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxPool } from '../../src/engine/onnx/onnx-pool.js';
import { ImageEditingTask } from '../../src/tasks/image-editing/image-editing-task.js';
import {
  imageInfo,
  numbers,
  progressRecorder,
  RecordingPool,
  sectionWith,
  TASKS_DIR,
  testImage,
} from './task-fixtures.js';

let pool: OnnxPool;
let photo: Uint8Array;
beforeAll(async () => {
  pool = await OnnxPool.create({ workers: 1 });
  photo = await testImage(100, 60);
});
afterAll(async () => {
  await pool.close();
});

const request = (seed: number, bytes: Uint8Array | null = photo) => ({
  kind: 'image_editing' as const,
  prompt: 'make it snow',
  seed,
  ...(bytes ? { inputImage: { bytes, mime: 'image/png' } } : {}),
});

describe('image editing on the fixture InstructPix2Pix models', () => {
  it('edits at the input aspect ratio scaled to maxSide, in whole latent cells', async () => {
    const task = await ImageEditingTask.create(TASKS_DIR, sectionWith('image_editing', {}), { pool });
    const progress = progressRecorder();
    const result = await task.run(request(1), { onProgress: progress.onProgress });
    if (!result.ok) throw new Error(result.error.message);
    // 100×60 scaled to fit 64 → 64×38.4 → 64×32 (multiples of 8).
    expect(await imageInfo(result.value.media[0]?.bytes ?? new Uint8Array())).toEqual({
      width: 64,
      height: 32,
      format: 'png',
    });
    expect(progress.events.map((e) => e.step)).toEqual([1, 2, 3]);
    expect(result.value.computeSeconds).toBeGreaterThan(0);
  });

  it('rounds to sizeMultiple when the manifest declares one (a patchified UNet)', async () => {
    const section = sectionWith('image_editing', { sizeMultiple: 16 });
    const task = await ImageEditingTask.create(TASKS_DIR, section, { pool });
    const result = await task.run(request(1), {});
    if (!result.ok) throw new Error(result.error.message);
    // 100×60 scaled to fit 64 → 64×38.4 → 64×32 at multiples of 16 too; 20×60 would give 16×48.
    expect(await imageInfo(result.value.media[0]?.bytes ?? new Uint8Array())).toMatchObject({
      width: 64,
      height: 32,
    });
    const tall = await task.run(request(1, await testImage(20, 60)), {});
    if (!tall.ok) throw new Error(tall.error.message);
    expect(await imageInfo(tall.value.media[0]?.bytes ?? new Uint8Array())).toMatchObject({
      width: 16,
      height: 48,
    });
  });

  it('rejects a sizeMultiple that is not whole latent cells', async () => {
    const section = sectionWith('image_editing', { sizeMultiple: 12 });
    await expect(ImageEditingTask.create(TASKS_DIR, section, { pool })).rejects.toThrow(
      /sizeMultiple.*multiple of vaeScaleFactor/,
    );
  });

  it('feeds 8 channels over a [text; image; uncond] batch with unscaled image latents and zeros for uncond', async () => {
    const recording = new RecordingPool(pool);
    const task = await ImageEditingTask.create(TASKS_DIR, sectionWith('image_editing', {}), {
      pool: recording,
    });
    expect((await task.run(request(1), {})).ok).toBe(true);
    const [encoded] = recording.runsOf('/vae_encoder.onnx');
    expect(encoded?.feeds.sample?.dims).toEqual([1, 3, 32, 64]);
    const unet = recording.runsOf('/pix2pix_unet.onnx');
    expect(unet).toHaveLength(3);
    const first = unet[0]?.feeds;
    expect(first?.sample?.dims).toEqual([3, 8, 4, 8]);
    // Declared float32 [1]: one timestep broadcast over the batch (Euler ancestral, leading: 667, 334, 1).
    expect(unet.map((r) => numbers(r.feeds.timestep))).toEqual([[667], [334], [1]]);
    const data = first?.sample?.data as Float32Array;
    const block = 4 * 4 * 8;
    const imageRow0 = data.subarray(block, 2 * block);
    const imageRow1 = data.subarray(3 * block, 4 * block);
    const imageRow2 = data.subarray(5 * block, 6 * block);
    expect(Array.from(imageRow0)).toEqual(Array.from(imageRow1));
    expect(imageRow2.every((v) => v === 0)).toBe(true);
    expect(imageRow0.some((v) => v !== 0)).toBe(true);
  });

  it('same seed → same bytes, different seed → different bytes', async () => {
    const task = await ImageEditingTask.create(TASKS_DIR, sectionWith('image_editing', {}), { pool });
    const [a, b, c] = await Promise.all([
      task.run(request(4), {}),
      task.run(request(4), {}),
      task.run(request(5), {}),
    ]);
    if (!a.ok || !b.ok || !c.ok) throw new Error('edit failed');
    expect(Buffer.from(a.value.media[0]?.bytes ?? [])).toEqual(Buffer.from(b.value.media[0]?.bytes ?? []));
    expect(Buffer.from(a.value.media[0]?.bytes ?? [])).not.toEqual(
      Buffer.from(c.value.media[0]?.bytes ?? []),
    );
  });

  it('returns typed failures for a missing, fake or truncated image', async () => {
    const task = await ImageEditingTask.create(TASKS_DIR, sectionWith('image_editing', {}), { pool });
    expect(await task.run(request(1, null), {})).toMatchObject({
      ok: false,
      error: { code: 'no_image_for_task' },
    });
    const text = new TextEncoder().encode('not a png at all');
    expect(await task.run(request(1, text), {})).toMatchObject({
      ok: false,
      error: { code: 'unsupported_media' },
    });
    const truncated = photo.subarray(0, 60);
    expect(await task.run(request(1, truncated), {})).toMatchObject({
      ok: false,
      error: { code: 'bad_input' },
    });
  });

  it('cancelling stops within one step', async () => {
    const recording = new RecordingPool(pool);
    const task = await ImageEditingTask.create(TASKS_DIR, sectionWith('image_editing', { steps: 10 }), {
      pool: recording,
    });
    const controller = new AbortController();
    const progress = progressRecorder(controller, 1);
    const result = await task.run(request(1), { signal: controller.signal, onProgress: progress.onProgress });
    expect(result).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(recording.runsOf('/pix2pix_unet.onnx')).toHaveLength(1);
  });
});
