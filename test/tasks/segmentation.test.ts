import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxPool } from '../../src/engine/onnx/onnx-pool.js';
import { SegmentationTask } from '../../src/tasks/segmentation/segmentation-task.js';
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
  photo = await testImage(90, 70);
});
afterAll(async () => {
  await pool.close();
});

const embedding = (phase: number) => Float32Array.from({ length: 256 }, (_, i) => Math.sin(i * 0.37 + phase));
const request = (seg: Float32Array | undefined, bytes: Uint8Array | null = photo) => ({
  kind: 'segmentation' as const,
  prompt: 'the red disc',
  seed: 0,
  ...(bytes ? { inputImage: { bytes, mime: 'image/png' } } : {}),
  ...(seg ? { segEmbedding: seg } : {}),
});

async function maskPixels(png: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await sharp(png).extractChannel(0).raw().toBuffer());
}

describe('segmentation on the fixture SAM-style models', () => {
  it('returns an overlay and a binary mask at the original resolution', async () => {
    const task = await SegmentationTask.create(TASKS_DIR, sectionWith('segmentation', {}), { pool });
    const progress = progressRecorder();
    const result = await task.run(request(embedding(0)), { onProgress: progress.onProgress });
    if (!result.ok) throw new Error(result.error.message);
    const [overlay, mask] = result.value.media;
    expect(overlay?.filename).toBe('segmentation.png');
    expect(await imageInfo(overlay?.bytes ?? new Uint8Array())).toEqual({
      width: 90,
      height: 70,
      format: 'png',
    });
    expect(await imageInfo(mask?.bytes ?? new Uint8Array())).toEqual({
      width: 90,
      height: 70,
      format: 'png',
    });
    const values = await maskPixels(mask?.bytes ?? new Uint8Array());
    expect(values.every((v) => v === 0 || v === 255)).toBe(true);
    const inside = values.filter((v) => v === 255).length;
    // A random decoder gives some mask: neither empty nor everything (else overlay tests prove nothing).
    expect(inside).toBeGreaterThan(0);
    expect(inside).toBeLessThan(values.length);
    // The overlay differs from the original exactly where the mask (tint or outline) is.
    const original = new Uint8Array(await sharp(photo).raw().toBuffer());
    const tinted = new Uint8Array(await sharp(overlay?.bytes).raw().toBuffer());
    for (let p = 0; p < values.length; p++) {
      const changed = [0, 1, 2].some((c) => original[p * 3 + c] !== tinted[p * 3 + c]);
      if (values[p] === 0) expect(changed).toBe(false);
    }
    expect(progress.events.map((e) => e.step)).toEqual([1, 2]);
  });

  it('gives one mask per [SEG] embedding and encodes the image once for several', async () => {
    const recording = new RecordingPool(pool);
    const task = await SegmentationTask.create(TASKS_DIR, sectionWith('segmentation', {}), {
      pool: recording,
    });
    const a = await task.run(request(embedding(0)), {});
    const b = await task.run(request(embedding(2)), {});
    if (!a.ok || !b.ok) throw new Error('segmentation failed');
    expect(Buffer.from(a.value.media[1]?.bytes ?? [])).not.toEqual(
      Buffer.from(b.value.media[1]?.bytes ?? []),
    );
    expect(recording.runsOf('/seg_image_encoder.onnx')).toHaveLength(1);
    const decoder = recording.runsOf('/mask_decoder.onnx');
    expect(decoder).toHaveLength(2);
    expect(decoder[0]?.feeds.prompt_embeddings?.dims).toEqual([1, 1, 256]);
    expect(numbers(decoder[0]?.feeds.orig_im_size)).toEqual([70, 90]);
    expect(recording.runsOf('/seg_image_encoder.onnx')[0]?.feeds.pixel_values?.dims).toEqual([1, 3, 64, 64]);
  });

  it('returns typed failures without an image or a usable embedding', async () => {
    const task = await SegmentationTask.create(TASKS_DIR, sectionWith('segmentation', {}), { pool });
    expect(await task.run(request(embedding(0), null), {})).toMatchObject({
      ok: false,
      error: { code: 'no_image_for_task' },
    });
    expect(await task.run(request(undefined), {})).toMatchObject({ ok: false, error: { code: 'bad_input' } });
    expect(await task.run(request(new Float32Array(64)), {})).toMatchObject({
      ok: false,
      error: { code: 'bad_input' },
    });
  });

  it('rejects a decoder without prompt_embeddings', async () => {
    const section = sectionWith('segmentation', {
      files: { image_encoder: 'seg_image_encoder.onnx', mask_decoder: 'seg_image_encoder.onnx' },
    });
    await expect(SegmentationTask.create(TASKS_DIR, section, { pool })).rejects.toMatchObject({
      code: 'bundle_invalid',
    });
  });
});
