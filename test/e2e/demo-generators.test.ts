import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { EngineImage } from '../../src/engine/engine.js';
import { OnnxPool } from '../../src/engine/onnx/onnx-pool.js';
import type { TaskKind } from '../../src/engine/protocol/task-kind.js';
import { defaultFfmpeg } from '../../src/media/ffmpeg.js';
import { createTasks } from '../../src/tasks/create-tasks.js';
import type { Task, TaskOutput } from '../../src/tasks/task.js';
import { renderScene } from '../helpers/render-scene.js';

/**
 * The demo pack's generators (models/demo/generators, trained by training/generators) run through the
 * real task runners with fixed seeds; a small classical checker (the TS twin of
 * training/eval/generators/checker.py) judges what a user would get: the requested colour in the
 * requested region, the motion direction, the beep count.
 */
const DEMO = new URL('../../models/demo', import.meta.url).pathname;
const ffmpeg = defaultFfmpeg();
let pool: OnnxPool;
const tasks = new Map<TaskKind, Task>();

beforeAll(async () => {
  pool = await OnnxPool.create({ workers: 1 });
  const sections = JSON.parse(readFileSync(join(DEMO, 'manifest.json'), 'utf8')).tasks;
  for (const t of await createTasks(DEMO, sections, { pool, ffmpeg, logger: silentLogger() }))
    tasks.set(t.kind, t);
}, 60_000);
afterAll(async () => {
  await pool?.close();
});

async function run(
  kind: TaskKind,
  prompt: string,
  seed: number,
  inputImage?: EngineImage,
): Promise<TaskOutput> {
  const task = tasks.get(kind);
  if (!task) throw new Error(`no ${kind} runner in the demo manifest`);
  const result = await task.run({ kind, prompt, seed, ...(inputImage ? { inputImage } : {}) }, {});
  if (!result.ok) throw new Error(`${kind} failed: ${result.error.code} ${result.error.message}`);
  return result.value;
}

const PALETTE: Record<string, readonly [number, number, number]> = {
  red: [220, 35, 35],
  green: [40, 170, 50],
  blue: [40, 70, 220],
  yellow: [240, 220, 40],
  purple: [140, 50, 170],
  orange: [250, 140, 25],
  white: [250, 250, 250],
  black: [20, 20, 20],
  grey: [200, 200, 200],
};

/** Nearest palette colour of each pixel of an RGB buffer. */
function labels(rgb: Uint8Array): string[] {
  const names = Object.keys(PALETTE);
  const out: string[] = [];
  for (let p = 0; p < rgb.length; p += 3) {
    let best = '';
    let bestD = Number.POSITIVE_INFINITY;
    for (const name of names) {
      const c = PALETTE[name] ?? [0, 0, 0];
      const d =
        ((rgb[p] ?? 0) - c[0]) ** 2 + ((rgb[p + 1] ?? 0) - c[1]) ** 2 + ((rgb[p + 2] ?? 0) - c[2]) ** 2;
      if (d < bestD) [best, bestD] = [name, d];
    }
    out.push(best);
  }
  return out;
}

/** Pixel count and centroid (as fractions of the frame) of one colour. */
function blob(lab: readonly string[], width: number, color: string): { area: number; x: number; y: number } {
  let area = 0;
  let sx = 0;
  let sy = 0;
  lab.forEach((l, i) => {
    if (l !== color) return;
    area++;
    sx += i % width;
    sy += Math.floor(i / width);
  });
  const height = lab.length / width;
  return { area: area / lab.length, x: area ? sx / area / width : -1, y: area ? sy / area / height : -1 };
}

/** Decodes a PNG; returns the pixel count and centroid of any palette colour in it (see `blob`). */
async function pngBlobs(png: Uint8Array | undefined): Promise<(color: string) => ReturnType<typeof blob>> {
  const { data, info } = await sharp(png ?? new Uint8Array())
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const lab = labels(data);
  return (color) => blob(lab, info.width, color);
}

/** Decodes media with ffmpeg to raw bytes (`rawvideo` rgb24 frames or f32le mono samples). */
async function ffmpegDecode(bytes: Uint8Array, ext: string, output: readonly string[]): Promise<Buffer> {
  return ffmpeg.withTempDir(async (dir) => {
    const input = join(dir, `in.${ext}`);
    const out = join(dir, 'out.raw');
    await writeFile(input, bytes);
    const r = await ffmpeg.run(['-y', '-i', input, ...output, out]);
    if (!r.ok) throw new Error(`ffmpeg: ${r.error.message}`);
    return readFile(out);
  });
}

/** Tonal bursts in a waveform: runs of 10 ms RMS above a fifth of the peak, with their zero-crossing pitch. */
function bursts(samples: Float32Array, rate: number): { count: number; hz: number } {
  const win = Math.round(rate / 100);
  const rms: number[] = [];
  for (let i = 0; i + win <= samples.length; i += win) {
    let s = 0;
    for (let j = i; j < i + win; j++) s += (samples[j] ?? 0) ** 2;
    rms.push(Math.sqrt(s / win));
  }
  const peak = Math.max(...rms);
  let count = 0;
  let on = false;
  let crossings = 0;
  let voiced = 0;
  rms.forEach((v, k) => {
    const loud = v > peak * (on ? 0.1 : 0.2); // hysteresis: one burst is not counted twice
    if (loud && !on) count++;
    on = loud;
    if (!loud) return;
    voiced += win;
    for (let j = k * win + 1; j < (k + 1) * win; j++)
      if ((samples[j - 1] ?? 0) < 0 !== (samples[j] ?? 0) < 0) crossings++;
  });
  return { count, hz: voiced ? (crossings / 2 / voiced) * rate : 0 };
}

describe('demo pack generators through the task runners', () => {
  // The held-out checker passes ~87 % of generated images and ~79 % of edits (MODEL_CARD), so one fixed
  // seed would be luck either way: five fixed seeds, and most must be right (image 5/5 and edit 5/5 with
  // this pack; an early pack's edit 0/5).
  it('draws a big red circle on the left on a blue background for most of five seeds', async () => {
    let right = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const out = await run('image_generation', 'a big red circle on the left on a blue background', seed);
      const file = out.media[0];
      expect(file?.mime).toBe('image/png');
      const of = await pngBlobs(file?.bytes);
      const red = of('red');
      const ok = red.area > 0.04 && red.x < 0.38 && Math.abs(red.y - 0.5) < 0.15 && of('blue').area > 0.5;
      if (ok) right++;
    }
    console.log(`image: ${right}/5 seeds right`);
    expect(right).toBeGreaterThanOrEqual(3);
  }, 60_000);

  // An attached scene drawn by the tests' own renderer (other RGB values, anti-aliased, 96 px): the
  // edit must recolour the named object and leave the other one and the background where they were.
  it('recolours the red circle green and keeps the blue square, for most of five seeds', async () => {
    const scene = await renderScene([
      { shape: 'circle', color: 'red', cx: 0.23, cy: 0.5, r: 0.14 },
      { shape: 'square', color: 'blue', cx: 0.77, cy: 0.5, r: 0.12 },
    ]);
    let right = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const out = await run('image_editing', 'make the red circle green', seed, {
        bytes: scene,
        mime: 'image/png',
      });
      const of = await pngBlobs(out.media[0]?.bytes);
      const [green, red, blue] = [of('green'), of('red'), of('blue')];
      const ok =
        green.area > 0.03 &&
        green.x < 0.38 &&
        red.area < 0.005 &&
        blue.area > 0.03 &&
        blue.x > 0.62 &&
        of('grey').area > 0.6;
      if (ok) right++;
    }
    console.log(`edit: ${right}/5 seeds right`);
    expect(right).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('moves a red circle to the right in the video', async () => {
    const out = await run('video_generation', 'a red circle moving right', 7);
    const file = out.media.find((m) => m.mime.startsWith('video/'));
    expect(file).toBeDefined();
    const side = 64;
    const raw = await ffmpegDecode(file?.bytes ?? new Uint8Array(), 'mp4', [
      ...['-vf', `scale=${side}:${side}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24'],
    ]);
    const frame = side * side * 3;
    const xs: number[] = [];
    for (let f = 0; (f + 1) * frame <= raw.length; f++) {
      const red = blob(labels(raw.subarray(f * frame, (f + 1) * frame)), side, 'red');
      if (red.area > 0.005) xs.push(red.x);
    }
    expect(xs.length).toBeGreaterThanOrEqual(6);
    console.log(`video: red centroid x ${xs.map((x) => x.toFixed(2)).join(' ')}`);
    expect((xs.at(-1) ?? 0) - (xs[0] ?? 0)).toBeGreaterThan(0.15);
  }, 30_000);

  it('makes three high beeps', async () => {
    const out = await run('audio_generation', 'three high beeps', 3);
    const file = out.media[0];
    expect(file?.mime).toMatch(/^audio\//);
    const ext = file?.filename.split('.').pop() ?? 'ogg';
    const raw = await ffmpegDecode(file?.bytes ?? new Uint8Array(), ext, [
      '-f',
      'f32le',
      '-ac',
      '1',
      '-ar',
      '16000',
    ]);
    const samples = new Float32Array(raw.buffer, raw.byteOffset, Math.floor(raw.length / 4));
    expect(samples.length).toBeGreaterThan(16000 * 1.5);
    const { count, hz } = bursts(samples, 16000);
    expect(count).toBe(3);
    expect(hz).toBeGreaterThan(700);
  }, 60_000);
});
