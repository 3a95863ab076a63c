import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMp3, encodeOgg, encodeWav, type Waveform } from '../../src/media/audio.js';
import { Ffmpeg } from '../../src/media/ffmpeg.js';
import { probeBytes } from '../../src/media/probe.js';
import { sniffType } from '../../src/media/sniff.js';
import { encodeGif, encodeMp4, pickMp4Encoder, type VideoFrames } from '../../src/media/video.js';

/** Moving gradient frames, odd-sized on purpose to exercise the even-dimension padding. */
function frames(width: number, height: number, count: number, fps: number): VideoFrames {
  const list: Uint8Array[] = [];
  for (let f = 0; f < count; f++) {
    const frame = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        frame.set([(x * 4 + f * 8) & 255, (y * 4) & 255, (x + y + f * 3) & 255], (y * width + x) * 3);
      }
    }
    list.push(frame);
  }
  return { width, height, fps, frames: list };
}

function sine(seconds: number, sampleRate: number): Waveform {
  const samples = new Float32Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < samples.length; i++) samples[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / sampleRate);
  return { samples, sampleRate };
}

let tempDir: string;
let ffmpeg: Ffmpeg;

beforeAll(async () => {
  // A private temp root, so the test can check that every run cleaned up after itself.
  tempDir = await mkdtemp(join(tmpdir(), 'media-test-'));
  ffmpeg = new Ffmpeg({}, { tempDir });
});

afterAll(async () => {
  await rm(tempDir, { recursive: true, force: true });
});

describe('video encoding', () => {
  it('uses libx264 from the shipped ffmpeg', async () => {
    expect(await pickMp4Encoder(ffmpeg)).toBe('libx264');
  });

  it('encodes an H.264 yuv420p MP4 with even dimensions, the right duration and faststart', async () => {
    const result = await encodeMp4(ffmpeg, frames(33, 21, 24, 12), { name: 'clip' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({ mime: 'video/mp4', filename: 'clip.mp4', encoder: 'libx264' });
    const probe = await probeBytes(ffmpeg, result.value.bytes);
    expect(probe.ok).toBe(true);
    if (!probe.ok) return;
    expect(probe.value.container).toContain('mp4');
    expect(probe.value.video).toMatchObject({ codec: 'h264', pixelFormat: 'yuv420p', width: 34, height: 22 });
    expect(probe.value.audio).toBeUndefined();
    expect(probe.value.durationSec).toBeCloseTo(2, 1);
    // faststart: the moov atom precedes mdat.
    const text = Buffer.from(result.value.bytes).toString('latin1');
    expect(text.indexOf('moov')).toBeLessThan(text.indexOf('mdat'));
    expect(await readdir(tempDir)).toEqual([]);
  });

  it('upscales tiny frames when asked', async () => {
    const result = await encodeMp4(ffmpeg, frames(16, 8, 4, 8), { minSide: 128 });
    if (!result.ok) throw new Error(result.error.message);
    const probe = await probeBytes(ffmpeg, result.value.bytes);
    expect(probe.ok && probe.value.video).toMatchObject({ width: 128, height: 64 });
  });

  it('encodes a looping GIF fallback', async () => {
    const result = await encodeGif(ffmpeg, frames(20, 12, 6, 6));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(sniffType(result.value.bytes)).toBe('gif');
    const probe = await probeBytes(ffmpeg, result.value.bytes);
    expect(probe.ok && probe.value.video).toMatchObject({ codec: 'gif', width: 20, height: 12 });
  });

  it('throws on frames of the wrong size (a caller bug)', async () => {
    const bad = { ...frames(4, 4, 2, 1), frames: [new Uint8Array(5)] };
    await expect(encodeMp4(ffmpeg, bad)).rejects.toThrow(/invalid video frames/);
  });

  it('cancels an encode when the signal aborts mid-run, and cleans up', async () => {
    const controller = new AbortController();
    let pid = 0;
    const result = await encodeMp4(ffmpeg, frames(64, 48, 50, 25), {
      signal: controller.signal,
      onStart: (started) => {
        pid = started;
        controller.abort();
      },
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(await readdir(tempDir)).toEqual([]);
  });
});

describe('ffmpeg wrapper', () => {
  // An endless synthetic source: the run can only end by being killed.
  const endless = ['-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=25', '-f', 'null', '-'];

  it('kills a running process when the signal aborts', async () => {
    const controller = new AbortController();
    let pid = 0;
    const result = await ffmpeg.run(endless, {
      signal: controller.signal,
      onStart: (started) => {
        pid = started;
        controller.abort();
      },
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('does not start at all when the signal is already aborted', async () => {
    let started = false;
    const result = await ffmpeg.run(endless, {
      signal: AbortSignal.abort(),
      onStart: () => (started = true),
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(started).toBe(false);
  });

  it('kills a process that runs past its timeout', async () => {
    expect(await ffmpeg.run(endless, { timeoutMs: 300 })).toMatchObject({
      ok: false,
      error: { code: 'timeout' },
    });
  });

  it('reports a failing command with the code asked for and the stderr tail', async () => {
    const result = await ffmpeg.run(['-i', '/nonexistent/input.mp4', '-f', 'null', '-'], {
      failureCode: 'bad_input',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('bad_input');
    expect(String(result.error.details?.stderr)).toContain('No such file');
  });

  it('lists the encoders of the shipped build', async () => {
    const encoders = await ffmpeg.encoders();
    for (const name of ['libx264', 'libopus', 'libvorbis', 'libmp3lame', 'gif', 'mpeg4']) {
      expect(encoders.has(name)).toBe(true);
    }
  });
});

describe('audio encoding', () => {
  const wave = sine(1.5, 16_000);

  it('encodes OGG/Opus', async () => {
    const result = await encodeOgg(ffmpeg, wave, { name: 'voice' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({ mime: 'audio/ogg', filename: 'voice.ogg', codec: 'opus' });
    const probe = await probeBytes(ffmpeg, result.value.bytes);
    expect(probe.ok).toBe(true);
    if (!probe.ok) return;
    expect(probe.value.container).toBe('ogg');
    expect(probe.value.audio).toMatchObject({ codec: 'opus', channels: 1 });
    expect(probe.value.durationSec).toBeCloseTo(1.5, 1);
  });

  it('encodes MP3', async () => {
    const result = await encodeMp3(ffmpeg, wave, { bitrateKbps: 64 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const probe = await probeBytes(ffmpeg, result.value.bytes);
    expect(probe.ok).toBe(true);
    if (!probe.ok) return;
    expect(probe.value.container).toBe('mp3');
    expect(probe.value.audio).toMatchObject({ codec: 'mp3', channels: 1 });
    expect(probe.value.durationSec).toBeGreaterThan(1.4);
    expect(probe.value.durationSec).toBeLessThan(1.7);
  });

  it('writes a WAV in-process that ffprobe reads back exactly', async () => {
    const withJunk = new Float32Array([0, 1, -1, 2, -2, Number.NaN]);
    const file = encodeWav({ samples: withJunk, sampleRate: 8_000 });
    const view = Buffer.from(file.bytes);
    expect(Array.from({ length: 6 }, (_, i) => view.readInt16LE(44 + i * 2))).toEqual([
      0, 32767, -32768, 32767, -32768, 0,
    ]);
    const probe = await probeBytes(ffmpeg, encodeWav(wave).bytes);
    expect(probe.ok).toBe(true);
    if (!probe.ok) return;
    expect(probe.value.audio).toMatchObject({ codec: 'pcm_s16le', sampleRate: 16_000, channels: 1 });
    expect(probe.value.durationSec).toBeCloseTo(1.5, 3);
  });
});

describe('probe and missing binaries', () => {
  it('reports non-media bytes as bad_input', async () => {
    const result = await probeBytes(ffmpeg, new TextEncoder().encode('just some text'));
    expect(result).toMatchObject({ ok: false, error: { code: 'bad_input' } });
  });

  it('fails cleanly when the configured binary does not exist', async () => {
    const missing = new Ffmpeg({ ffmpegPath: '/nonexistent/ffmpeg', ffprobePath: '/nonexistent/ffprobe' });
    const result = await missing.run(['-version']);
    expect(result).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(await missing.encoders()).toEqual(new Set());
  });
});
