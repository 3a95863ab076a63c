/**
 * Pipeline overhead of the diffusion runners (image generation and editing): wall time of
 * `task.run` against the time its model calls take.
 *   - Σ pool.run: time of every `pool.run` as the runner sees it (worker hop and copies included),
 *   - Σ session.run: the same calls (same feeds, recorded) replayed in-process on ort sessions,
 *   - overhead ratio = wall / Σ session.run (1.0 would be no cost outside the models).
 *
 * Run: npx tsx bench/pipelines.ts [size=64] [steps=20] [rounds=3] [bundleDir=test/fixtures/models/tasks]
 * On the tiny fixture models the models cost almost nothing, so this is the worst case for overhead;
 * larger `size` makes the same fixture UNet do more work per step (it is fully convolutional).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { ManifestSchema } from '../src/engine/bundle/manifest.js';
import { OnnxPool } from '../src/engine/onnx/onnx-pool.js';
import type { ModelInfo } from '../src/engine/onnx/pool-protocol.js';
import { type HostTensor, toOrtTensor } from '../src/engine/onnx/tensors.js';
import { ImageEditingTask } from '../src/tasks/image-editing/image-editing-task.js';
import { ImageGenerationTask } from '../src/tasks/image-generation/image-generation-task.js';
import type { Task } from '../src/tasks/task.js';
import type { TaskPool } from '../src/tasks/task-deps.js';

const SIZE = Number(process.argv[2] ?? 64);
const STEPS = Number(process.argv[3] ?? 20);
const ROUNDS = Number(process.argv[4] ?? 3);
const DIR = process.argv[5] ?? fileURLToPath(new URL('../test/fixtures/models/tasks/', import.meta.url));

/** Times every pool call and keeps its feeds for the in-process replay. */
class TimingPool implements TaskPool {
  calls: { path: string; feeds: Record<string, HostTensor> }[] = [];
  seconds = 0;
  constructor(private readonly inner: OnnxPool) {}
  inspect(path: string): Promise<ModelInfo> {
    return this.inner.inspect(path);
  }
  async run(path: string, feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
    this.calls.push({
      path,
      feeds: Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, { ...t, data: t.data.slice() }])),
    });
    const t0 = performance.now();
    try {
      return await this.inner.run(path, feeds);
    } finally {
      this.seconds += (performance.now() - t0) / 1000;
    }
  }
}

const sessions = new Map<string, ort.InferenceSession>();
/** Σ session.run for the recorded calls, in-process, same session options as the pool's workers. */
async function replay(calls: TimingPool['calls']): Promise<number> {
  let seconds = 0;
  for (const { path, feeds } of calls) {
    let session = sessions.get(path);
    if (!session) {
      session = await ort.InferenceSession.create(path, {
        executionProviders: ['cpu'],
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
      });
      sessions.set(path, session);
    }
    const declared = new Map(session.inputMetadata.map((m) => [m.name, m.isTensor ? m.type : 'float32']));
    const ortFeeds = Object.fromEntries(
      Object.entries(feeds).map(([k, t]) => [k, toOrtTensor(t, declared.get(k))]),
    );
    const t0 = performance.now();
    await session.run(ortFeeds);
    seconds += (performance.now() - t0) / 1000;
  }
  return seconds;
}

const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')));
const pool = await OnnxPool.create({ workers: 1 });
const photo = new Uint8Array(
  await sharp({ create: { width: SIZE, height: SIZE, channels: 3, background: '#3a7' } })
    .png()
    .toBuffer(),
);

async function bench(name: string, make: (p: TaskPool) => Promise<Task>, inputImage?: Uint8Array) {
  const timing = new TimingPool(pool);
  const task = await make(timing);
  const request = {
    kind: task.kind,
    prompt: 'a lighthouse in a storm',
    seed: 1,
    ...(inputImage ? { inputImage: { bytes: inputImage, mime: 'image/png' } } : {}),
  };
  await task.run(request, {}); // warm-up: session creation in the worker
  const rows: number[][] = [];
  for (let r = 0; r < ROUNDS; r++) {
    timing.calls = [];
    timing.seconds = 0;
    const t0 = performance.now();
    const result = await task.run({ ...request, seed: r + 2 }, {});
    const wall = (performance.now() - t0) / 1000;
    if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
    await replay(timing.calls); // warm the in-process sessions
    const session = await replay(timing.calls);
    rows.push([wall, timing.seconds, session, timing.calls.length]);
  }
  const median = (i: number) =>
    rows.map((r) => r[i] ?? 0).sort((a, b) => a - b)[Math.floor(rows.length / 2)] ?? 0;
  const [wall, poolRun, session, calls] = [median(0), median(1), median(2), median(3)];
  console.log(
    `${name.padEnd(16)} ${SIZE}px ${STEPS} steps: wall ${(wall * 1000).toFixed(1)} ms, Σ pool.run ${(poolRun * 1000).toFixed(1)} ms, ` +
      `Σ session.run ${(session * 1000).toFixed(1)} ms over ${calls} runs → overhead ratio ${(wall / session).toFixed(2)} ` +
      `(pool hop ${(((poolRun - session) / calls) * 1000).toFixed(2)} ms/run, outside runs ${((wall - poolRun) * 1000).toFixed(1)} ms)`,
  );
}

const common = { width: SIZE, height: SIZE, steps: STEPS, previewEvery: 0 };
await bench('image_generation', (p) =>
  ImageGenerationTask.create(DIR, { ...manifest.tasks.image_generation, ...common }, { pool: p }),
);
await bench(
  'image_editing',
  (p) =>
    ImageEditingTask.create(
      DIR,
      { ...manifest.tasks.image_editing, steps: STEPS, maxSide: SIZE },
      { pool: p },
    ),
  photo,
);
await pool.close();
