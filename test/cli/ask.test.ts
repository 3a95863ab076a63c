import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAskArgs, runAsk } from '../../src/cli/ask.js';
import { ok } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { Orchestrator } from '../../src/core/orchestrator.js';
import type { EngineContext, EngineEvent } from '../../src/engine/engine.js';
import { TaskRegistry } from '../../src/tasks/task-registry.js';
import { done, FakeEngine } from '../fakes/fake-engine.js';
import { FakeTask } from '../fakes/fake-task.js';

function capture() {
  let out = '';
  let err = '';
  return {
    streams: { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) } },
    out: () => out,
    err: () => err,
  };
}

function harness(script: (c: EngineContext) => EngineEvent[]) {
  const engine = new FakeEngine(script);
  const edit = new FakeTask('image_editing');
  const tasks = new TaskRegistry([new FakeTask('image_generation'), edit]);
  const build = (stores: Parameters<Parameters<typeof runAsk>[1]>[0]) =>
    new Orchestrator({
      engine,
      tasks,
      ...stores,
      checkImage: async (bytes) => ok({ png: bytes, width: 1, height: 1 }),
      sampling: { maxNewTokens: 16, temperature: 0, topP: 1 },
      taskTimeoutMs: 5_000,
      maxAttachmentBytes: 1e6,
      logger: silentLogger(),
    });
  return { engine, edit, build };
}

describe('llmbind ask', () => {
  it('parses the documented flags and refuses bad ones', () => {
    const parsed = parseAskArgs([
      'draw',
      '--image',
      'a.png',
      '--image',
      'b.png',
      '--seed',
      '5',
      '--json',
      '--out',
      'o',
    ]);
    expect(parsed).toEqual({
      ok: true,
      value: { message: 'draw', images: ['a.png', 'b.png'], seed: 5, json: true, out: 'o' },
    });
    expect(parseAskArgs([]).ok).toBe(false);
    expect(parseAskArgs(['x', '--seed', 'abc']).ok).toBe(false);
    expect(parseAskArgs(['x', '--bogus']).ok).toBe(false);
  });

  it('prints exactly one JSON object with the files it wrote', async () => {
    const { build } = harness(() => [
      { type: 'text', delta: 'A circle.' },
      { type: 'task', call: { kind: 'image_generation', prompt: 'a red circle', index: 0 } },
      { type: 'task', call: { kind: 'audio_generation', prompt: 'a beep', index: 1 } },
      done('A circle.<gen>a red circle</gen><audio_cap>a beep</audio_cap>'),
    ]);
    const out = mkdtempSync(join(tmpdir(), 'out-'));
    const io = capture();
    const code = await runAsk({ message: 'draw', images: [], out, json: true, seed: 3 }, build, io.streams);
    expect(code).toBe(0);
    const lines = io.out().trim().split('\n');
    expect(lines).toHaveLength(1);
    const json = JSON.parse(lines[0] ?? '');
    expect(json.reply).toBe('A circle.');
    expect(json.tasks[0]).toMatchObject({ kind: 'image_generation', prompt: 'a red circle' });
    expect(readFileSync(json.tasks[0].files[0], 'utf8')).toBe('image_generation:a red circle:3');
    expect(json.tasks[1]).toEqual({
      kind: 'audio_generation',
      prompt: 'a beep',
      files: [],
      error: 'This bot has no audio generation model configured.',
    });
  });

  it('keeps a conversation in --thread so a later turn edits the last image', async () => {
    let turn = 0;
    const { build, edit, engine } = harness(() => {
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
    const dir = mkdtempSync(join(tmpdir(), 'thread-'));
    const thread = join(dir, 't.json');
    const args = { images: [], out: join(dir, 'out'), json: true, thread, seed: 1 };
    expect(await runAsk({ ...args, message: 'draw a square' }, build, capture().streams)).toBe(0);
    expect(existsSync(thread)).toBe(true);
    expect(await runAsk({ ...args, message: 'make it blue' }, build, capture().streams)).toBe(0);
    expect(new TextDecoder().decode(edit.requests[0]?.inputImage?.bytes)).toBe('image_generation:a square:1');
    // The engine saw the whole history on the second call.
    expect(engine.contexts[1]?.turns.map((t) => t.role)).toEqual(['user', 'assistant', 'user']);
    expect(engine.contexts[1]?.turns[1]?.images).toHaveLength(1);
  });

  it('streams plain text without --json and says when an image path is unreadable', async () => {
    const { build } = harness(() => [
      { type: 'text', delta: 'Hel' },
      { type: 'text', delta: 'lo!' },
      done('Hello!'),
    ]);
    const io = capture();
    expect(await runAsk({ message: 'hi', images: [], out: 'out', json: false }, build, io.streams)).toBe(0);
    expect(io.out()).toBe('Hello!\n');
    const io2 = capture();
    expect(
      await runAsk({ message: 'hi', images: ['/nope.png'], out: 'out', json: false }, build, io2.streams),
    ).toBe(2);
    expect(io2.err()).toContain('cannot read image /nope.png');
  });
});
