import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMp3, encodeWav } from '../../src/media/audio.js';
import { Ffmpeg } from '../../src/media/ffmpeg.js';
import { fitToLimit } from '../../src/media/fit-to-limit.js';
import type { MediaFile } from '../../src/media/media-types.js';
import { probeBytes } from '../../src/media/probe.js';
import { encodeGif, encodeMp4, type VideoFrames } from '../../src/media/video.js';

/** Deterministic noise: incompressible enough that shrinking really has to work. */
function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

/** Smooth image plus noise: photo-like, so JPEG and downscaling both pay off. */
function photoLike(width: number, height: number): Buffer {
  const grain = noise(width * height * 3, 7);
  const out = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      out[i] = (x * 255) / width + ((grain[i] ?? 0) >> 3);
      out[i + 1] = (y * 255) / height + ((grain[i + 1] ?? 0) >> 3);
      out[i + 2] = 128 + ((grain[i + 2] ?? 0) >> 2);
    }
  }
  return out;
}

function noisyFrames(width: number, height: number, count: number, fps: number): VideoFrames {
  return {
    width,
    height,
    fps,
    frames: Array.from({ length: count }, (_, f) => noise(width * height * 3, f + 1)),
  };
}

let tempDir: string;
let ffmpeg: Ffmpeg;

beforeAll(async () => {
  tempDir = await mkdtemp(join(tmpdir(), 'fit-test-'));
  ffmpeg = new Ffmpeg({}, { tempDir });
});

afterAll(async () => {
  await rm(tempDir, { recursive: true, force: true });
});

describe('fitToLimit: images', () => {
  it('returns media that already fits unchanged', async () => {
    const media: MediaFile = {
      bytes: new Uint8Array(10),
      mime: 'application/octet-stream',
      filename: 'x.bin',
    };
    expect(await fitToLimit(media, 10)).toEqual({ ok: true, value: media });
  });

  it('keeps a PNG lossless when recompression alone makes it fit', async () => {
    const flat = Buffer.alloc(300 * 200 * 3, 90);
    const bytes = await sharp(flat, { raw: { width: 300, height: 200, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const limit = 20_000;
    expect(bytes.length).toBeGreaterThan(limit);
    const result = await fitToLimit({ bytes, mime: 'image/png', filename: 'flat.png' }, limit);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({ mime: 'image/png', filename: 'flat.png' });
    expect(await sharp(result.value.bytes).metadata()).toMatchObject({
      format: 'png',
      width: 300,
      height: 200,
    });
  });

  it('brings a large PNG under the limit as JPEG, downscaling only as far as needed', async () => {
    const bytes = await sharp(photoLike(640, 480), { raw: { width: 640, height: 480, channels: 3 } })
      .png()
      .toBuffer();
    const limit = 15_000;
    expect(bytes.length).toBeGreaterThan(10 * limit);
    const result = await fitToLimit({ bytes, mime: 'image/png', filename: 'photo.png' }, limit);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.bytes.length).toBeLessThanOrEqual(limit);
    expect(result.value).toMatchObject({ mime: 'image/jpeg', filename: 'photo.jpg' });
    const meta = await sharp(result.value.bytes).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.width).toBeLessThanOrEqual(640);
    expect(meta.width).toBeGreaterThanOrEqual(100);
    expect((meta.width ?? 0) / (meta.height ?? 1)).toBeCloseTo(640 / 480, 1);
  });

  it('reports output_too_large when no size fits', async () => {
    const bytes = await sharp(photoLike(64, 64), { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toBuffer();
    const result = await fitToLimit({ bytes, mime: 'image/png', filename: 'a.png' }, 100);
    expect(result).toMatchObject({ ok: false, error: { code: 'output_too_large' } });
  });

  it('reports output_too_large for a type it cannot shrink', async () => {
    const text = new TextEncoder().encode('x'.repeat(1000));
    const result = await fitToLimit({ bytes: text, mime: 'text/plain', filename: 'a.txt' }, 10);
    expect(result).toMatchObject({ ok: false, error: { code: 'output_too_large' } });
  });
});

describe('fitToLimit: video and audio', () => {
  it('re-encodes a video under the limit as valid H.264', async () => {
    const encoded = await encodeMp4(ffmpeg, noisyFrames(160, 120, 48, 12), { crf: 5 });
    if (!encoded.ok) throw new Error(encoded.error.message);
    const limit = Math.floor(encoded.value.bytes.length / 5);
    const result = await fitToLimit(encoded.value, limit, undefined, ffmpeg);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.bytes.length).toBeLessThanOrEqual(limit);
    expect(result.value.mime).toBe('video/mp4');
    const probe = await probeBytes(ffmpeg, result.value.bytes);
    expect(probe.ok).toBe(true);
    if (!probe.ok) return;
    expect(probe.value.video).toMatchObject({ codec: 'h264', pixelFormat: 'yuv420p' });
    expect(probe.value.durationSec).toBeCloseTo(4, 0);
    expect(await readdir(tempDir)).toEqual([]);
  });

  it('reports output_too_large for a video and an impossible limit', async () => {
    const encoded = await encodeMp4(ffmpeg, noisyFrames(64, 48, 24, 12));
    if (!encoded.ok) throw new Error(encoded.error.message);
    const result = await fitToLimit(encoded.value, 400, undefined, ffmpeg);
    expect(result).toMatchObject({ ok: false, error: { code: 'output_too_large' } });
  });

  it('shrinks an animated GIF and keeps it a GIF', async () => {
    const gif = await encodeGif(ffmpeg, noisyFrames(120, 90, 8, 8));
    if (!gif.ok) throw new Error(gif.error.message);
    const limit = Math.floor(gif.value.bytes.length / 3);
    const result = await fitToLimit(gif.value, limit, undefined, ffmpeg);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.bytes.length).toBeLessThanOrEqual(limit);
    expect(result.value.mime).toBe('image/gif');
    expect((await sharp(result.value.bytes, { pages: -1 }).metadata()).pages).toBe(8);
  });

  it('turns an oversized WAV into OGG/Opus under the limit', async () => {
    const samples = new Float32Array(16_000 * 4);
    const grain = noise(samples.length, 3);
    for (let i = 0; i < samples.length; i++) samples[i] = ((grain[i] ?? 128) - 128) / 256;
    const wav = encodeWav({ samples, sampleRate: 16_000 }, 'noise');
    const limit = 20_000;
    const result = await fitToLimit(wav, limit, undefined, ffmpeg);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({ mime: 'audio/ogg', filename: 'noise.ogg' });
    expect(result.value.bytes.length).toBeLessThanOrEqual(limit);
    const probe = await probeBytes(ffmpeg, result.value.bytes);
    expect(probe.ok && probe.value.audio?.codec).toBe('opus');
    expect(probe.ok && probe.value.durationSec).toBeCloseTo(4, 0);
  });

  it('keeps MP3 as MP3 at a lower bitrate', async () => {
    const samples = new Float32Array(22_050 * 3);
    for (let i = 0; i < samples.length; i++) samples[i] = 0.4 * Math.sin(i / 7) + 0.2 * Math.sin(i / 3.1);
    const mp3 = await encodeMp3(ffmpeg, { samples, sampleRate: 22_050 }, { bitrateKbps: 128 });
    if (!mp3.ok) throw new Error(mp3.error.message);
    const limit = Math.floor(mp3.value.bytes.length / 3);
    const result = await fitToLimit(mp3.value, limit, undefined, ffmpeg);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.mime).toBe('audio/mpeg');
    expect(result.value.bytes.length).toBeLessThanOrEqual(limit);
    const probe = await probeBytes(ffmpeg, result.value.bytes);
    expect(probe.ok && probe.value.audio?.codec).toBe('mp3');
  });

  it('reports unreadable media as bad_input and honours an aborted signal', async () => {
    const fake = new Uint8Array(2_000);
    fake.set(new TextEncoder().encode('\0\0\0\x18ftypisom'), 0);
    const broken = await fitToLimit(
      { bytes: fake, mime: 'video/mp4', filename: 'v.mp4' },
      100,
      undefined,
      ffmpeg,
    );
    expect(broken).toMatchObject({ ok: false, error: { code: 'bad_input' } });
    const media = { bytes: new Uint8Array(50), mime: 'video/mp4', filename: 'v.mp4' };
    expect(await fitToLimit(media, 10, AbortSignal.abort(), ffmpeg)).toMatchObject({
      ok: false,
      error: { code: 'cancelled' },
    });
  });
});
