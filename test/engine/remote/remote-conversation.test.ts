import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AskArgs, runAsk } from '../../../src/cli/ask.js';
import { ok } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { Orchestrator } from '../../../src/core/orchestrator.js';
import { ManifestSchema } from '../../../src/engine/bundle/manifest.js';
import { OnnxPool } from '../../../src/engine/onnx/onnx-pool.js';
import { openAiEngineFromConfig } from '../../../src/engine/remote/remote-engine-config.js';
import { defaultFfmpeg } from '../../../src/media/ffmpeg.js';
import { createTasks } from '../../../src/tasks/create-tasks.js';
import {
  DEFAULT_HTTP_TASKS_CONFIG,
  httpKinds,
  httpTasksFromConfig,
  planInProcessTasks,
} from '../../../src/tasks/http/http-task-config.js';
import { TaskRegistry } from '../../../src/tasks/task-registry.js';
import { OpenAiEmulator } from '../../emulators/openai/openai-emulator.js';
import { TaskServerEmulator } from '../../emulators/task-server/task-server-emulator.js';

const BUNDLE = new URL('../../fixtures/models/tasks', import.meta.url).pathname;
let pool: OnnxPool;
let llm: OpenAiEmulator;
let taskServer: TaskServerEmulator;
let tasks: TaskRegistry;

beforeAll(async () => {
  [pool, llm, taskServer] = await Promise.all([
    OnnxPool.create({ workers: 1 }),
    OpenAiEmulator.start({ apiKey: 'sk-e2e' }),
    TaskServerEmulator.start({ mode: 'sse', steps: 2 }),
  ]);
  // The mixed setup of the issue: LLM remote, image generation/editing/audio in-process, video and
  // segmentation on a task server.
  const http = {
    ...DEFAULT_HTTP_TASKS_CONFIG,
    segmentation: { url: taskServer.url('segment'), format: 'multipart' as const },
    video_generation: { url: taskServer.url('video'), format: 'json' as const },
  };
  const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(BUNDLE, 'manifest.json'), 'utf8')));
  const plan = planInProcessTasks(manifest.tasks, {
    llm: 'openai',
    hasSegProjector: false,
    http: httpKinds(http),
  });
  expect(plan.segmentation).toBe('text');
  tasks = new TaskRegistry([
    ...(await createTasks(BUNDLE, plan.sections, { pool, ffmpeg: defaultFfmpeg(), logger: silentLogger() })),
    ...httpTasksFromConfig(http, { logger: silentLogger(), timeoutMs: 30_000 }),
  ]);
});
afterAll(async () => {
  await Promise.all([pool?.close(), llm?.close(), taskServer?.close()]);
});

describe('a conversation through `llmbind ask` with the LLM on an OpenAI-compatible server', () => {
  it('draws in-process, segments and animates over HTTP, and reports a broken stream', async () => {
    const engine = openAiEngineFromConfig(
      {
        url: llm.baseUrl,
        model: 'llmbind',
        apiKey: 'sk-e2e',
        idleTimeoutMs: 10_000,
        maxRetries: 2,
        maxImages: 1,
        systemPrompt: '',
      },
      { logger: silentLogger(), requestTimeoutMs: 30_000 },
    );
    const dir = mkdtempSync(join(tmpdir(), 'remote-e2e-'));
    const build = (stores: Parameters<Parameters<typeof runAsk>[1]>[0]) =>
      new Orchestrator({
        engine,
        tasks,
        ...stores,
        checkImage: async (bytes) => ok({ png: bytes, width: 0, height: 0 }),
        sampling: { maxNewTokens: 32, temperature: 0, topP: 1 },
        taskTimeoutMs: 60_000,
        maxAttachmentBytes: 1e6,
        logger: silentLogger(),
        randomSeed: () => 42,
      });
    const ask = async (message: string) => {
      let out = '';
      const streams = { out: { write: (s: string) => (out += s) }, err: { write: () => true } };
      const args: AskArgs = {
        message,
        images: [],
        thread: join(dir, 'thread.json'),
        out: join(dir, 'out'),
        json: true,
      };
      const code = await runAsk(args, build, streams);
      return {
        code,
        json: JSON.parse(out) as {
          reply: string;
          error?: string;
          tasks: { kind: string; prompt: string; files: string[]; error?: string }[];
        },
      };
    };

    llm.script({ chunks: ['Here it is: <g', 'en>a red ', 'circle</gen>'], writeSize: 5 }, { status: 503 });
    const drawn = await ask('draw a red circle');
    expect(drawn.code).toBe(0);
    expect(drawn.json.reply).toBe('Here it is:');
    expect(drawn.json.tasks).toMatchObject([{ kind: 'image_generation', prompt: 'a red circle' }]);
    const drawnFile = drawn.json.tasks[0]?.files[0] ?? '';
    expect((await sharp(drawnFile).metadata()).width).toBe(64);

    // The 503 above is retried; the model's [SEG] comes back split across events.
    llm.script({ chunks: ['The circle is [S', 'EG].'] });
    const segmented = await ask('segment the circle');
    expect(segmented.json.tasks).toMatchObject([
      { kind: 'segmentation', prompt: 'segment the circle\nThe circle is.' },
    ]);
    expect(llm.received).toHaveLength(3);
    const segCall = taskServer.received.at(-1);
    expect(segCall).toMatchObject({ path: '/tasks/segment', format: 'multipart' });
    expect(segCall?.image).toEqual(readFileSync(drawnFile));
    // The LLM saw the drawing (with the user's next turn) and its own earlier call, verbatim.
    const secondRequest = llm.received.at(-1)?.body.messages ?? [];
    expect(secondRequest.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(secondRequest[1]?.content).toBe('Here it is: <gen>a red circle</gen>');
    expect(llm.received.at(-1)?.images).toEqual([readFileSync(drawnFile)]);

    llm.script({ chunks: ['<vid_cap>the circle rolls</vid_cap> <aud_', 'cap>two beeps</aud_cap>'] });
    const av = await ask('animate it, with a sound');
    expect(av.json.tasks.map((t) => [t.kind, t.error])).toEqual([
      ['video_generation', undefined],
      ['audio_generation', undefined],
    ]);
    expect(
      readFileSync(av.json.tasks[0]?.files[0] ?? '')
        .subarray(4, 8)
        .toString(),
    ).toBe('ftyp');
    expect(taskServer.received.at(-1)).toMatchObject({ path: '/tasks/video', prompt: 'the circle rolls' });

    llm.script({ chunks: ['I was saying'], end: 'drop' });
    const broken = await ask('tell me more');
    expect(broken.code).toBe(1);
    expect(broken.json.reply).toBe('I was saying');
    expect(broken.json.error).toMatch(/went wrong while I was writing/);
  });
});
