import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { type Manifest, ManifestSchema } from '../../src/engine/bundle/manifest.js';
import type { ModelInfo } from '../../src/engine/onnx/pool-protocol.js';
import type { HostTensor } from '../../src/engine/onnx/tensors.js';
import type { TaskProgress } from '../../src/tasks/task.js';
import type { TaskPool } from '../../src/tasks/task-deps.js';

/** The task fixture bundle written by test/fixtures/models/generate_tasks.py. */
export const TASKS_DIR = fileURLToPath(new URL('../fixtures/models/tasks/', import.meta.url));

/** The fixture manifest, parsed. */
export function fixtureManifest(): Manifest {
  return ManifestSchema.parse(JSON.parse(readFileSync(`${TASKS_DIR}manifest.json`, 'utf8')));
}

/** A fixture manifest section with some keys replaced. */
export function sectionWith(
  kind: keyof Manifest['tasks'],
  patch: Record<string, unknown>,
): Record<string, unknown> {
  return { ...(fixtureManifest().tasks[kind] as Record<string, unknown>), ...patch };
}

/** A pool that forwards to a real one and records every run (a typed fake around the real thing). */
export class RecordingPool implements TaskPool {
  readonly runs: { path: string; feeds: Record<string, HostTensor> }[] = [];
  constructor(private readonly inner: TaskPool) {}

  inspect(path: string): Promise<ModelInfo> {
    return this.inner.inspect(path);
  }

  run(path: string, feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
    // Recorded before the pool moves the buffers away.
    const copy = Object.fromEntries(
      Object.entries(feeds).map(([k, t]) => [k, { ...t, data: t.data.slice() }]),
    );
    this.runs.push({ path, feeds: copy });
    return this.inner.run(path, feeds);
  }

  /** Runs of the model whose path ends with `file`. */
  runsOf(file: string): { path: string; feeds: Record<string, HostTensor> }[] {
    return this.runs.filter((r) => r.path.endsWith(file));
  }
}

/** A small photo-like test image (gradient with a disc), PNG. */
export async function testImage(width: number, height: number): Promise<Uint8Array> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const inside = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (Math.min(width, height) / 4) ** 2;
      data.set(inside ? [220, 40, 40] : [(x * 255) / width, (y * 255) / height, 128], (y * width + x) * 3);
    }
  return new Uint8Array(
    await sharp(data, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

/** Width, height and format of encoded image bytes. */
export async function imageInfo(
  bytes: Uint8Array,
): Promise<{ width: number; height: number; format: string }> {
  const meta = await sharp(bytes).metadata();
  return { width: meta.width ?? 0, height: meta.height ?? 0, format: meta.format ?? '' };
}

/** Collects progress events; aborts `controller` once `abortAt` steps are reported. */
export function progressRecorder(controller?: AbortController, abortAt?: number) {
  const events: TaskProgress[] = [];
  const onProgress = (p: TaskProgress) => {
    events.push(p);
    if (controller && abortAt !== undefined && p.step >= abortAt) controller.abort();
  };
  return { events, onProgress };
}

/** A tensor's values as plain numbers (int64 included). */
export function numbers(t: HostTensor | undefined): number[] {
  return t ? Array.from(t.data as ArrayLike<number | bigint>, Number) : [];
}
