import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxPool } from '../../src/engine/onnx/onnx-pool.js';
import { Ffmpeg } from '../../src/media/ffmpeg.js';
import { probeBytes } from '../../src/media/probe.js';
import { AudioGenerationTask } from '../../src/tasks/audio-generation/audio-generation-task.js';
import type { TaskDeps, TaskLogger } from '../../src/tasks/task-deps.js';
import { VideoGenerationTask } from '../../src/tasks/video-generation/video-generation-task.js';
import { progressRecorder, RecordingPool, sectionWith, TASKS_DIR } from './task-fixtures.js';

let pool: OnnxPool;
const ffmpeg = new Ffmpeg();
const warnings: string[] = [];
const logger: TaskLogger = { warn: (_obj, msg) => warnings.push(msg) };
const deps = (): TaskDeps => ({ pool, ffmpeg, logger });

beforeAll(async () => {
  pool = await OnnxPool.create({ workers: 1 });
});
afterAll(async () => {
  await pool.close();
});

/** An ffmpeg whose executable does not exist: every encode fails like a broken install. */
const brokenFfmpeg = new Ffmpeg({ ffmpegPath: '/nonexistent/ffmpeg', ffprobePath: '/nonexistent/ffprobe' });

describe('video generation on the fixture 5-D UNet', () => {
  const request = (seed: number) => ({ kind: 'video_generation' as const, prompt: 'waves at dusk', seed });

  it('encodes an H.264 yuv420p MP4 with the manifest frame count and rate', async () => {
    const recording = new RecordingPool(pool);
    const task = await VideoGenerationTask.create(TASKS_DIR, sectionWith('video_generation', {}), {
      ...deps(),
      pool: recording,
    });
    const progress = progressRecorder();
    const result = await task.run(request(1), { onProgress: progress.onProgress });
    if (!result.ok) throw new Error(result.error.message);
    const [video] = result.value.media;
    expect(video?.mime).toBe('video/mp4');
    const probed = await probeBytes(ffmpeg, video?.bytes ?? new Uint8Array());
    if (!probed.ok) throw new Error(probed.error.message);
    expect(probed.value.video).toMatchObject({ pixelFormat: 'yuv420p' });
    expect(['h264', 'mpeg4']).toContain(probed.value.video?.codec);
    // 6 frames at 8 fps; 32×32 frames upscaled to the 256 minimum side.
    expect(probed.value.durationSec).toBeCloseTo(6 / 8, 1);
    expect(probed.value.video?.width).toBe(256);
    expect(recording.runsOf('/video_unet.onnx')[0]?.feeds.sample?.dims).toEqual([2, 4, 6, 4, 4]);
    // decodeBatch 1: one VAE run per frame.
    expect(recording.runsOf('/vae_decoder.onnx')).toHaveLength(6);
    expect(progress.events.map((e) => e.step)).toEqual([1, 2, 3]);
  });

  it('same seed → same frames (same bytes), different seed → different bytes', async () => {
    const task = await VideoGenerationTask.create(
      TASKS_DIR,
      sectionWith('video_generation', { decodeBatch: 3 }),
      deps(),
    );
    const a = await task.run(request(3), {});
    const b = await task.run(request(3), {});
    const c = await task.run(request(4), {});
    if (!a.ok || !b.ok || !c.ok) throw new Error('video failed');
    expect(Buffer.from(a.value.media[0]?.bytes ?? [])).toEqual(Buffer.from(b.value.media[0]?.bytes ?? []));
    expect(Buffer.from(a.value.media[0]?.bytes ?? [])).not.toEqual(
      Buffer.from(c.value.media[0]?.bytes ?? []),
    );
  });

  it('fails with a typed error when no encoder runs, after trying the GIF fallback', async () => {
    const task = await VideoGenerationTask.create(TASKS_DIR, sectionWith('video_generation', {}), {
      ...deps(),
      ffmpeg: brokenFfmpeg,
    });
    warnings.length = 0;
    const result = await task.run(request(1), {});
    expect(result.ok).toBe(false);
    expect(warnings).toEqual(['MP4 encode failed; trying GIF']);
  });

  it('cancelling stops within one step', async () => {
    const recording = new RecordingPool(pool);
    const task = await VideoGenerationTask.create(TASKS_DIR, sectionWith('video_generation', { steps: 8 }), {
      ...deps(),
      pool: recording,
    });
    const controller = new AbortController();
    const progress = progressRecorder(controller, 1);
    expect(
      await task.run(request(1), { signal: controller.signal, onProgress: progress.onProgress }),
    ).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(recording.runsOf('/video_unet.onnx')).toHaveLength(1);
  });
});

describe('audio generation on the fixture AudioLDM-style models', () => {
  const request = (seed: number) => ({
    kind: 'audio_generation' as const,
    prompt: 'rain on a tin roof',
    seed,
  });

  it('encodes OGG at the manifest sample rate through UNet (class_labels) → VAE → vocoder', async () => {
    const recording = new RecordingPool(pool);
    const task = await AudioGenerationTask.create(TASKS_DIR, sectionWith('audio_generation', {}), {
      ...deps(),
      pool: recording,
    });
    const result = await task.run(request(1), {});
    if (!result.ok) throw new Error(result.error.message);
    const [audio] = result.value.media;
    expect(audio?.mime).toBe('audio/ogg');
    const probed = await probeBytes(ffmpeg, audio?.bytes ?? new Uint8Array());
    if (!probed.ok) throw new Error(probed.error.message);
    expect(['opus', 'vorbis']).toContain(probed.value.audio?.codec);
    // 16 latent frames → 64 mel frames → 64 × 160 samples at 16 kHz = 0.64 s.
    expect(probed.value.durationSec).toBeCloseTo(0.64, 1);
    const unet = recording.runsOf('/audio_unet.onnx')[0]?.feeds;
    expect(unet?.sample?.dims).toEqual([2, 8, 16, 16]);
    expect(unet?.class_labels?.dims).toEqual([2, 32]);
    // AudioLDM normalises the CLAP embedding.
    const labels = unet?.class_labels?.data as Float32Array;
    const norm = Math.hypot(...labels.subarray(32, 64));
    expect(norm).toBeCloseTo(1, 5);
    expect(recording.runsOf('/vocoder.onnx')[0]?.feeds.spectrogram?.dims).toEqual([1, 64, 64]);
    // The CLAP tokenizer settings: 16 tokens with an attention mask.
    expect(recording.runsOf('/audio_text_encoder.onnx')[0]?.feeds.attention_mask?.dims).toEqual([1, 16]);
  });

  it('same seed → same bytes (WAV), different seed → different bytes', async () => {
    const task = await AudioGenerationTask.create(TASKS_DIR, sectionWith('audio_generation', {}), {
      ...deps(),
      ffmpeg: brokenFfmpeg,
    });
    warnings.length = 0;
    const a = await task.run(request(9), {});
    const b = await task.run(request(9), {});
    const c = await task.run(request(10), {});
    if (!a.ok || !b.ok || !c.ok) throw new Error('audio failed');
    // Without a working ffmpeg the runner falls back to WAV.
    expect(a.value.media[0]?.mime).toBe('audio/wav');
    expect(a.value.media[0]?.bytes.length).toBe(44 + 64 * 160 * 2);
    expect(warnings[0]).toBe('ogg encode failed; sending WAV');
    expect(Buffer.from(a.value.media[0]?.bytes ?? [])).toEqual(Buffer.from(b.value.media[0]?.bytes ?? []));
    expect(Buffer.from(a.value.media[0]?.bytes ?? [])).not.toEqual(
      Buffer.from(c.value.media[0]?.bytes ?? []),
    );
  });

  it('requires a vocoder for spectrogram output', async () => {
    const section = sectionWith('audio_generation', {
      files: {
        tokenizer: 'tokenizer.json',
        text_encoder: 'audio_text_encoder.onnx',
        unet: 'audio_unet.onnx',
        vae_decoder: 'audio_vae_decoder.onnx',
      },
    });
    await expect(AudioGenerationTask.create(TASKS_DIR, section, deps())).rejects.toMatchObject({
      code: 'bundle_invalid',
      message: expect.stringContaining('tasks.audio_generation.files.vocoder'),
    });
  });

  it('cancelling stops within one step', async () => {
    const recording = new RecordingPool(pool);
    const task = await AudioGenerationTask.create(TASKS_DIR, sectionWith('audio_generation', { steps: 8 }), {
      ...deps(),
      pool: recording,
    });
    const controller = new AbortController();
    const progress = progressRecorder(controller, 2);
    expect(
      await task.run(request(1), { signal: controller.signal, onProgress: progress.onProgress }),
    ).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(recording.runsOf('/audio_unet.onnx')).toHaveLength(2);
  });
});
