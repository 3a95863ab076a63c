import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTask } from '../../../src/tasks/http/http-task.js';
import type { TaskProgress } from '../../../src/tasks/task.js';
import { capturedLogger } from '../../engine/remote/remote-test-kit.js';

// The documented example must keep working with the real client.
const EXAMPLE = new URL('../../../docs/examples/task-server.mjs', import.meta.url).href;
let server: Server;
let url: string;

beforeAll(async () => {
  const { createTaskServer } = (await import(EXAMPLE)) as { createTaskServer: () => Server };
  server = createTaskServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/generate`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('docs/examples/task-server.mjs', () => {
  it('serves HttpTask: progress over SSE, then a PNG of the asked size', async () => {
    const task = new HttpTask({
      kind: 'image_generation',
      url,
      size: { width: 40, height: 30 },
      logger: capturedLogger().logger,
    });
    const progress: TaskProgress[] = [];
    const result = await task.run(
      { kind: 'image_generation', prompt: 'a red circle', seed: 3 },
      { onProgress: (p) => progress.push(p) },
    );
    expect(progress.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [media] = result.value.media;
    expect(media).toMatchObject({
      mime: 'image/png',
      altText: 'a red circle',
      filename: 'image_generation.png',
    });
    expect(await sharp(media?.bytes).metadata()).toMatchObject({ width: 40, height: 30 });
    expect(result.value.seed).toBe(3);
  });
});
