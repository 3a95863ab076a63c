import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpTask } from '../../../src/tasks/http/http-task.js';
import type { HttpTaskOptions } from '../../../src/tasks/http/http-task-options.js';
import type { TaskProgress, TaskRequest } from '../../../src/tasks/task.js';
import { TaskServerEmulator } from '../../emulators/task-server/task-server-emulator.js';
import { capturedLogger, NO_WAIT } from '../../engine/remote/remote-test-kit.js';

let server: TaskServerEmulator;
beforeEach(async () => {
  server = await TaskServerEmulator.start();
});
afterEach(async () => {
  await server.close();
});

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const taskFor = (kind: HttpTaskOptions['kind'], extra: Partial<HttpTaskOptions> = {}) =>
  new HttpTask({ kind, url: server.url(kind), logger: capturedLogger().logger, retry: NO_WAIT, ...extra });
const request = (kind: TaskRequest['kind'], extra: Partial<TaskRequest> = {}): TaskRequest => ({
  kind,
  prompt: 'a red circle',
  seed: 42,
  ...extra,
});

describe('HttpTask requests', () => {
  it('POSTs JSON with the prompt, seed, size and base64 input image; reads a JSON result', async () => {
    const task = taskFor('image_editing', { size: { width: 24, height: 20 }, apiKey: 'task-key' });
    const result = await task.run(
      request('image_editing', { inputImage: { bytes: PNG, mime: 'image/png' } }),
      {},
    );
    expect(server.received[0]).toMatchObject({
      format: 'json',
      kind: 'image_editing',
      prompt: 'a red circle',
      seed: 42,
      size: { width: 24, height: 20 },
      imageMime: 'image/png',
      authorization: 'Bearer task-key',
    });
    expect(server.received[0]?.image).toEqual(Buffer.from(PNG));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [media] = result.value.media;
    expect(media).toMatchObject({
      mime: 'image/png',
      filename: 'image_editing.png',
      altText: 'alt: a red circle',
    });
    expect((await sharp(media?.bytes).metadata()).width).toBe(24);
    expect(result.value).toMatchObject({ seed: 42, computeSeconds: 0.25 });
  });

  it('sends multipart with the image and the [SEG] embedding as file parts', async () => {
    const embedding = Float32Array.from([0.5, -1.25, 3]);
    const task = taskFor('segmentation', { format: 'multipart' });
    const result = await task.run(
      request('segmentation', {
        prompt: 'segment the dog\nIt is.',
        inputImage: { bytes: PNG, mime: 'image/png' },
        segEmbedding: embedding,
      }),
      {},
    );
    expect(result.ok).toBe(true);
    const got = server.received[0];
    expect(got).toMatchObject({
      format: 'multipart',
      kind: 'segmentation',
      // Multipart text fields follow the HTML form rule: line breaks arrive as CRLF.
      prompt: 'segment the dog\r\nIt is.',
      seed: 42,
    });
    expect(got?.image).toEqual(Buffer.from(PNG));
    expect(got?.imageMime).toBe('image/png');
    expect(got?.segEmbedding).toEqual(embedding);
  });

  it('takes raw media bytes with the seed and filename from the headers', async () => {
    server.script({ mode: 'bytes' });
    const result = await taskFor('video_generation').run(request('video_generation'), {});
    expect(result.ok && result.value.media[0]).toMatchObject({ mime: 'video/mp4', filename: 'clip.mp4' });
    expect(result.ok && result.value.seed).toBe(43);
  });

  it('streams progress over SSE, previews included, then the result', async () => {
    server.script({ mode: 'sse', steps: 4 });
    const progress: TaskProgress[] = [];
    const result = await taskFor('audio_generation').run(request('audio_generation'), {
      onProgress: (p) => progress.push(p),
    });
    expect(progress.map((p) => [p.step, p.totalSteps])).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
    expect(progress[3]?.preview?.subarray(0, 4)).toEqual(Buffer.from('RIFF'));
    expect(result.ok && result.value.media[0]?.mime).toBe('audio/wav');
  });
});

describe('HttpTask failures', () => {
  it('retries 503 and 429 (Retry-After) before giving the result', async () => {
    server.script({ mode: 'status', status: 503 }, { mode: 'status', status: 429, retryAfter: '0' });
    const result = await taskFor('image_generation').run(request('image_generation'), {});
    expect(result.ok).toBe(true);
    expect(server.received).toHaveLength(3);
  });

  it('keeps a code the server names, maps statuses otherwise', async () => {
    server.script(
      { mode: 'status', status: 400, body: { error: { code: 'unsupported_media', message: 'no gifs' } } },
      { mode: 'status', status: 413 },
      { mode: 'status', status: 400, body: { error: { code: 'made_up' } } },
      { mode: 'status', status: 401 },
    );
    const codes = [];
    for (let i = 0; i < 4; i += 1) {
      const result = await taskFor('image_generation').run(request('image_generation'), {});
      codes.push(result.ok ? 'ok' : result.error.code);
    }
    expect(codes).toEqual(['unsupported_media', 'input_too_large', 'bad_input', 'task_failed']);
  });

  it('reports an error event and a stream cut before the result', async () => {
    server.script({ mode: 'sse', end: 'error' }, { mode: 'sse', end: 'drop' });
    const refused = await taskFor('image_generation').run(request('image_generation'), {});
    expect(!refused.ok && refused.error).toMatchObject({ code: 'bad_input' });
    const cut = await taskFor('image_generation').run(request('image_generation'), {});
    expect(!cut.ok && cut.error.code).toBe('task_failed');
  });

  it('refuses bytes that are not the declared media type, and oversized answers', async () => {
    server.script({ mode: 'not-media' }, { mode: 'json' });
    const wrong = await taskFor('image_generation').run(request('image_generation'), {});
    expect(!wrong.ok && wrong.error.code).toBe('task_failed');
    const big = await taskFor('image_generation', { maxResponseBytes: 100 }).run(
      request('image_generation'),
      {},
    );
    expect(!big.ok && big.error.code).toBe('output_too_large');
  });

  it('cancels mid-stream: a cancelled value, and the connection is closed', async () => {
    server.script({ mode: 'sse', steps: 3, pauseAfter: 1 });
    const controller = new AbortController();
    const running = taskFor('image_generation').run(request('image_generation'), {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    const result = await running;
    expect(!result.ok && result.error.code).toBe('cancelled');
    // The server is still paused: only the client can have closed the connection.
    await expect.poll(() => server.clientClosed).toBe(1);
  });

  it('times out a job that stalls', async () => {
    server.script({ mode: 'sse', steps: 3, pauseAfter: 1 });
    const result = await taskFor('image_generation', { timeoutMs: 150 }).run(request('image_generation'), {});
    expect(!result.ok && result.error.code).toBe('timeout');
  });

  it('never puts its API key in a failure or a log line', async () => {
    const secret = 'task-SECRET-key';
    const { logger, text } = capturedLogger();
    server.script(
      { mode: 'status', status: 503 },
      { mode: 'status', status: 500, body: { error: { message: `bad auth Bearer ${secret}` } } },
    );
    const result = await taskFor('image_generation', {
      apiKey: secret,
      logger,
      retry: { ...NO_WAIT, maxRetries: 1 },
    }).run(request('image_generation'), {});
    expect(result.ok).toBe(false);
    expect(text()).toContain('retrying');
    expect(JSON.stringify(result) + text()).not.toContain(secret);
  });
});
