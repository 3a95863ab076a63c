import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { Orchestrator } from '../../src/core/orchestrator.js';
import { FileMediaStore } from '../../src/core/store/file-media-store.js';
import { SqliteConversationStore } from '../../src/core/store/sqlite-conversation-store.js';
import type { EngineEvent } from '../../src/engine/engine.js';
import { OnnxPool } from '../../src/engine/onnx/onnx-pool.js';
import { defaultFfmpeg } from '../../src/media/ffmpeg.js';
import { probeBytes } from '../../src/media/probe.js';
import { createTasks } from '../../src/tasks/create-tasks.js';
import { TaskRegistry } from '../../src/tasks/task-registry.js';
import { done, FakeEngine } from '../fakes/fake-engine.js';
import { RecordingSink } from '../fakes/recording-sink.js';

const BUNDLE = new URL('../fixtures/models/tasks', import.meta.url).pathname;
let pool: OnnxPool;
let tasks: TaskRegistry;

beforeAll(async () => {
  pool = await OnnxPool.create({ workers: 1 });
  const manifest = JSON.parse(readFileSync(join(BUNDLE, 'manifest.json'), 'utf8'));
  tasks = new TaskRegistry(
    await createTasks(BUNDLE, manifest.tasks, { pool, ffmpeg: defaultFfmpeg(), logger: silentLogger() }),
  );
});
afterAll(async () => {
  await pool.close();
});

describe('a conversation through the Orchestrator and the real ONNX task runners', () => {
  it('draws, edits the drawing, segments it, then makes a video and a sound', async () => {
    const replies: EngineEvent[][] = [
      [
        { type: 'task', call: { kind: 'image_generation', prompt: 'a red circle', index: 0 } },
        done('<gen>a red circle</gen>'),
      ],
      [
        { type: 'task', call: { kind: 'image_editing', prompt: 'make it blue', index: 0 } },
        done('<edit>make it blue</edit>'),
      ],
      [
        { type: 'text', delta: 'It is here.' },
        {
          type: 'task',
          call: {
            kind: 'segmentation',
            prompt: 'It is here.',
            index: 0,
            segEmbedding: new Float32Array(256).fill(0.1),
          },
        },
        done('It is [SEG].'),
      ],
      [
        { type: 'task', call: { kind: 'video_generation', prompt: 'a ball moving left', index: 0 } },
        { type: 'task', call: { kind: 'audio_generation', prompt: 'two high beeps', index: 1 } },
        done('<video_cap>a ball moving left</video_cap><audio_cap>two high beeps</audio_cap>'),
      ],
    ];
    let turn = 0;
    const orchestrator = new Orchestrator({
      engine: new FakeEngine(() => replies[turn++] ?? [done('')]),
      tasks,
      store: new SqliteConversationStore(':memory:'),
      media: new FileMediaStore(mkdtempSync(join(tmpdir(), 'e2e-media-'))),
      checkImage: async (bytes) => ok({ png: bytes, width: 0, height: 0 }),
      sampling: { maxNewTokens: 32, temperature: 0, topP: 1 },
      taskTimeoutMs: 60_000,
      maxAttachmentBytes: 1e6,
      logger: silentLogger(),
      randomSeed: () => 42,
    });
    const ask = async (text: string) => {
      const sink = new RecordingSink();
      const report = await orchestrator.handle(
        {
          platform: 'cli',
          conversationId: 'c',
          messageId: text,
          author: { id: 'u', name: 'u' },
          text,
          attachments: [],
        },
        sink,
      );
      return { sink, report };
    };

    const drawn = await ask('draw a red circle');
    const [image] = drawn.sink.postedMedia();
    expect(image?.mime).toBe('image/png');
    expect((await sharp(image?.bytes).metadata()).width).toBe(64);
    expect(drawn.sink.events.some((e) => e.type === 'progress' && e.update.totalSteps !== undefined)).toBe(
      true,
    );

    const edited = await ask('make it blue');
    expect(edited.report.tasks[0]?.error).toBeUndefined();
    expect(edited.sink.postedMedia()[0]?.mime).toBe('image/png');
    expect(edited.sink.postedMedia()[0]?.bytes).not.toEqual(image?.bytes);

    const segmented = await ask('where is the circle?');
    expect(segmented.sink.postedMedia().map((m) => m.filename)).toEqual(['segmentation.png', 'mask.png']);
    const overlay = await sharp(segmented.sink.postedMedia()[0]?.bytes).metadata();
    expect(overlay.width).toBe(64);

    const av = await ask('a video and a sound');
    const [video, audio] = av.sink.postedMedia();
    const videoInfo = await probeBytes(defaultFfmpeg(), video?.bytes ?? new Uint8Array(), {});
    expect(videoInfo.ok && videoInfo.value.video?.codec).toBe('h264');
    expect(audio?.mime).toMatch(/^audio\//);
    expect(av.report.tasks.map((t) => t.error)).toEqual([undefined, undefined]);
  });
});
