import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ok } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Attachment, IncomingMessage } from '../../src/core/message.js';
import { Orchestrator } from '../../src/core/orchestrator.js';
import { FileMediaStore } from '../../src/core/store/file-media-store.js';
import { SqliteConversationStore } from '../../src/core/store/sqlite-conversation-store.js';
import type { EngineContext, EngineEvent } from '../../src/engine/engine.js';
import { TaskRegistry } from '../../src/tasks/task-registry.js';
import { done, FakeEngine } from '../fakes/fake-engine.js';
import { FakeTask } from '../fakes/fake-task.js';
import { RecordingSink } from '../fakes/recording-sink.js';

const text = (delta: string): EngineEvent => ({ type: 'text', delta });

function setup(
  script: (c: EngineContext) => EngineEvent[] | Error,
  tasks = [new FakeTask('image_generation'), new FakeTask('image_editing')],
) {
  const engine = new FakeEngine(script);
  const store = new SqliteConversationStore(':memory:');
  const media = new FileMediaStore(mkdtempSync(join(tmpdir(), 'media-')));
  const orchestrator = new Orchestrator({
    engine,
    tasks: new TaskRegistry(tasks),
    store,
    media,
    checkImage: async (bytes) => ok({ png: bytes, width: 1, height: 1 }),
    sampling: { maxNewTokens: 32, temperature: 0, topP: 1 },
    taskTimeoutMs: 5_000,
    maxAttachmentBytes: 1_000,
    logger: silentLogger(),
    randomSeed: () => 7,
  });
  return { engine, store, media, orchestrator, tasks };
}

let seq = 0;
function message(textIn: string, extra: Partial<IncomingMessage> = {}): IncomingMessage {
  seq += 1;
  return {
    platform: 'cli',
    conversationId: 'c1',
    messageId: `m${seq}`,
    author: { id: 'u1', name: 'Ada' },
    text: textIn,
    attachments: [],
    ...extra,
  };
}

function attachment(name: string, mime: string, bytes: Uint8Array, size = bytes.byteLength) {
  let reads = 0;
  const a: Attachment & { reads: () => number } = {
    name,
    mime,
    size,
    read: async () => {
      reads += 1;
      return bytes;
    },
    reads: () => reads,
  };
  return a;
}

describe('Orchestrator', () => {
  it('streams text, runs every task call in order and stores both turns', async () => {
    const { orchestrator, store, tasks } = setup(() => [
      text('Here you go.'),
      { type: 'task', call: { kind: 'image_generation', prompt: 'a red circle', index: 0 } },
      text(' And edited.'),
      { type: 'task', call: { kind: 'image_editing', prompt: 'make it blue', index: 1 } },
      done('Here you go.<gen>a red circle</gen> And edited.<edit>make it blue</edit>'),
    ]);
    const sink = new RecordingSink();
    const report = await orchestrator.handle(message('draw then edit'), sink);

    expect(report.reply).toBe('Here you go. And edited.');
    expect(report.tasks.map((t) => [t.kind, t.prompt, t.media.length])).toEqual([
      ['image_generation', 'a red circle', 1],
      ['image_editing', 'make it blue', 1],
    ]);
    expect(sink.postedMedia().map((m) => m.kind)).toEqual(['image_generation', 'image_editing']);
    expect(sink.finalText()).toBe('Here you go. And edited.');
    // The edit acted on the image generated earlier in the same reply.
    const generated = new TextEncoder().encode('image_generation:a red circle:7');
    expect(tasks[1]?.requests[0]?.inputImage?.bytes).toEqual(generated);
    // Seeds differ per call.
    expect(tasks.map((t) => t.requests[0]?.seed)).toEqual([7, 8]);

    const stored = await store.load('c1');
    expect(stored.turns.map((t) => t.role)).toEqual(['user', 'assistant']);
    expect(stored.turns[1]?.text).toContain('<gen>a red circle</gen>');
    expect(stored.turns[1]?.media).toHaveLength(2);
  });

  it('edits the latest image of the conversation on a later turn', async () => {
    let turn = 0;
    const { orchestrator, tasks } = setup(() => {
      turn += 1;
      return turn === 1
        ? [
            { type: 'task', call: { kind: 'image_generation', prompt: 'a square', index: 0 } },
            done('<gen>a square</gen>'),
          ]
        : [
            { type: 'task', call: { kind: 'image_editing', prompt: 'make it blue', index: 0 } },
            done('<edit>make it blue</edit>'),
          ];
    });
    await orchestrator.handle(message('draw a square'), new RecordingSink());
    const sink = new RecordingSink();
    await orchestrator.handle(message('make it blue'), sink);
    expect(new TextDecoder().decode(tasks[1]?.requests[0]?.inputImage?.bytes)).toBe(
      'image_generation:a square:7',
    );
    expect(sink.notices()).toEqual([]);
  });

  it('prefers an attachment, then the replied-to image, over the conversation', async () => {
    const script = (): EngineEvent[] => [
      { type: 'task', call: { kind: 'image_editing', prompt: 'x', index: 0 } },
      done('<edit>x</edit>'),
    ];
    const { orchestrator, tasks } = setup(script);
    const attached = new Uint8Array([1, 2, 3]);
    const replied = new Uint8Array([4, 5, 6]);
    await orchestrator.handle(
      message('edit this', {
        attachments: [attachment('a.png', 'image/png', attached)],
        replyTo: { messageId: 'm0', attachments: [attachment('b.png', 'image/png', replied)] },
      }),
      new RecordingSink(),
    );
    await orchestrator.handle(
      message('edit that', {
        replyTo: { messageId: 'm0', attachments: [attachment('b.png', 'image/png', replied)] },
      }),
      new RecordingSink(),
    );
    expect(tasks[1]?.requests.map((r) => [...(r.inputImage?.bytes ?? [])])).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('tells the user when a task has no model, or no image to act on, and still answers', async () => {
    const { orchestrator } = setup(
      () => [
        text('Sure.'),
        { type: 'task', call: { kind: 'video_generation', prompt: 'a ball rolling', index: 0 } },
        { type: 'task', call: { kind: 'image_editing', prompt: 'make it red', index: 1 } },
        done('Sure.<video_cap>a ball rolling</video_cap><edit>make it red</edit>'),
      ],
      [new FakeTask('image_editing')],
    );
    const sink = new RecordingSink();
    const report = await orchestrator.handle(message('video please'), sink);
    expect(sink.notices()).toEqual(['task_not_configured', 'no_image_for_task']);
    expect(report.tasks.map((t) => t.error)).toEqual(['task_not_configured', 'no_image_for_task']);
    expect(sink.finalText()).toBe('Sure.');
  });

  it('refuses foreign and oversized attachments without downloading them', async () => {
    const { orchestrator, engine } = setup(() => [text('ok'), done('ok')]);
    const big = attachment('big.png', 'image/png', new Uint8Array(10), 5_000);
    const pdf = attachment('doc.pdf', 'application/pdf', new Uint8Array(10));
    const sink = new RecordingSink();
    await orchestrator.handle(message('look', { attachments: [big, pdf] }), sink);
    expect(sink.notices()).toEqual(['input_too_large', 'unsupported_media']);
    expect(big.reads() + pdf.reads()).toBe(0);
    expect(engine.contexts[0]?.turns.at(-1)?.images).toEqual([]);
    expect(sink.finalText()).toBe('ok');
  });

  it('reports an engine failure as a notice, keeps the user turn, and reports unclosed tags', async () => {
    const broken = setup(() => new Error('onnx exploded at /secret/path'));
    const sink = new RecordingSink();
    const report = await broken.orchestrator.handle(message('hi'), sink);
    expect(report.error).toBe('engine_failed');
    expect(sink.notices()).toEqual(['engine_failed']);
    expect((await broken.store.load('c1')).turns[0]?.text).toBe('hi');

    const unclosed = setup(() => [
      text('Drawing'),
      { type: 'warning', code: 'unclosed_task_tag', kind: 'image_generation', prompt: 'a red' },
      done('Drawing<gen>a red'),
    ]);
    const sink2 = new RecordingSink();
    await unclosed.orchestrator.handle(message('draw'), sink2);
    expect(sink2.notices()).toEqual(['unclosed_task_tag']);
  });

  it('reports a failing task and goes on with the next one', async () => {
    const { orchestrator } = setup(
      () => [
        { type: 'task', call: { kind: 'image_generation', prompt: 'a', index: 0 } },
        { type: 'task', call: { kind: 'image_editing', prompt: 'b', index: 1 } },
        done('<gen>a</gen><edit>b</edit>'),
      ],
      [new FakeTask('image_generation', () => 'fail'), new FakeTask('image_editing')],
    );
    const sink = new RecordingSink();
    const report = await orchestrator.handle(message('go'), sink);
    expect(report.tasks.map((t) => t.error ?? 'ok')).toEqual(['task_failed', 'no_image_for_task']);
    expect(sink.notices()).toEqual(['task_failed', 'no_image_for_task']);
  });
  it('animates an image only when the user points at one, and labels media with its prompt', async () => {
    const video = new FakeTask('video_generation');
    const { orchestrator } = setup(
      () => [
        { type: 'task', call: { kind: 'video_generation', prompt: 'it bounces', index: 0 } },
        done('<video_cap>it bounces</video_cap>'),
      ],
      [new FakeTask('image_generation'), video],
    );
    const sink = new RecordingSink();
    await orchestrator.handle(
      message('animate', { attachments: [attachment('a.png', 'image/png', new Uint8Array([9]))] }),
      sink,
    );
    await orchestrator.handle(message('now a video of a ball'), new RecordingSink());
    expect(video.requests.map((r) => r.inputImage?.bytes.length ?? 0)).toEqual([1, 0]);
    expect(sink.postedMedia()[0]?.prompt).toBe('it bounces');
  });

  it('answers a turn retried after a restart without storing the user turn twice', async () => {
    const { orchestrator, store, engine } = setup(() => [text('hello'), done('hello')]);
    await orchestrator.handle(message('first'), new RecordingSink());
    const retried = message('second');
    // The first attempt stored the user turn, then the process died before the answer.
    await store.append('c1', {
      role: 'user',
      text: 'second',
      media: [],
      messageId: retried.messageId,
      createdAt: 1,
    });
    await orchestrator.handle(retried, new RecordingSink());
    const turns = (await store.load('c1')).turns;
    expect(turns.map((t) => [t.role, t.text])).toEqual([
      ['user', 'first'],
      ['assistant', 'hello'],
      ['user', 'second'],
      ['assistant', 'hello'],
    ]);
    expect(engine.contexts[1]?.turns.map((t) => t.text)).toEqual(['first', 'hello', 'second']);
  });

  it('tells the user when the model wrote nothing at all, and only then', async () => {
    const { orchestrator } = setup(() => [done('')]);
    const sink = new RecordingSink();
    await orchestrator.handle(message('hm'), sink);
    expect(sink.notices()).toEqual(['engine_failed']);
    const { orchestrator: drawing } = setup(() => [
      { type: 'task', call: { kind: 'image_generation', prompt: 'a dot', index: 0 } },
      done('<gen>a dot</gen>'),
    ]);
    const quiet = new RecordingSink();
    await drawing.handle(message('draw a dot'), quiet);
    expect(quiet.notices()).toEqual([]);
  });

  it('replaces the streamed text when the engine starts its reply over', async () => {
    const { orchestrator } = setup(() => [
      text('Once up'),
      { type: 'restart' },
      text('Twice'),
      done('Twice'),
    ]);
    const sink = new RecordingSink();
    const report = await orchestrator.handle(message('tell me'), sink);
    expect(report.reply).toBe('Twice');
    expect(sink.finalText()).toBe('Twice');
  });
});
