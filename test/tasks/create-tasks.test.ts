import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/engine/bundle/load-bundle.js';
import { OnnxPool } from '../../src/engine/onnx/onnx-pool.js';
import { Ffmpeg } from '../../src/media/ffmpeg.js';
import { createTasks } from '../../src/tasks/create-tasks.js';
import { TaskRegistry } from '../../src/tasks/task-registry.js';
import { fixtureManifest, TASKS_DIR } from './task-fixtures.js';

let pool: OnnxPool;
const deps = () => ({ pool, ffmpeg: new Ffmpeg(), logger: { warn: () => {} } });
beforeAll(async () => {
  pool = await OnnxPool.create({ workers: 1 });
});
afterAll(async () => {
  await pool.close();
});

describe('createTasks', () => {
  it('the fixture bundle passes loadBundle and yields one runner per configured kind', async () => {
    const bundle = await loadBundle(TASKS_DIR, async (path) => {
      const info = await pool.inspect(path);
      return { inputNames: info.inputs.map((v) => v.name), outputNames: info.outputs.map((v) => v.name) };
    });
    const tasks = await createTasks(TASKS_DIR, bundle.manifest.tasks, deps());
    const registry = new TaskRegistry(tasks);
    expect(registry.kinds().sort()).toEqual([
      'audio_generation',
      'image_editing',
      'image_generation',
      'segmentation',
      'video_generation',
    ]);
    await registry.dispose();
  });

  it('builds only the kinds the manifest configures', async () => {
    const { image_generation, segmentation } = fixtureManifest().tasks;
    const tasks = await createTasks(
      TASKS_DIR,
      { ...(image_generation ? { image_generation } : {}), ...(segmentation ? { segmentation } : {}) },
      deps(),
    );
    expect(tasks.map((t) => t.kind)).toEqual(['image_generation', 'segmentation']);
    expect(await createTasks(TASKS_DIR, {}, deps())).toEqual([]);
  });

  it('stops start-up on a broken section with the key named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmbind-tasks-'));
    try {
      cpSync(TASKS_DIR, dir, { recursive: true });
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      manifest.tasks.video_generation.fps = -1;
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
      await expect(createTasks(dir, manifest.tasks, deps())).rejects.toMatchObject({
        code: 'bundle_invalid',
        message: expect.stringContaining('tasks.video_generation.fps'),
      });
      rmSync(join(dir, 'vocoder.onnx'));
      await expect(
        createTasks(dir, { audio_generation: manifest.tasks.audio_generation }, deps()),
      ).rejects.toMatchObject({
        code: 'model_missing',
        message: expect.stringContaining('tasks.audio_generation.files.vocoder'),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
