import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ok } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import type { IncomingMessage } from '../../src/core/message.js';
import { Orchestrator } from '../../src/core/orchestrator.js';
import { FileMediaStore } from '../../src/core/store/file-media-store.js';
import { SqliteConversationStore } from '../../src/core/store/sqlite-conversation-store.js';
import type { EngineEvent } from '../../src/engine/engine.js';
import { TaskRegistry } from '../../src/tasks/task-registry.js';
import { done, FakeEngine } from '../fakes/fake-engine.js';
import { FakeTask } from '../fakes/fake-task.js';
import { RecordingSink } from '../fakes/recording-sink.js';

const DAY = 24 * 3_600_000;

/** One bot process over a data dir: what `llmbind serve` builds, with a scripted engine. */
function boot(dir: string, now: number, script: EngineEvent[]) {
  const store = new SqliteConversationStore(join(dir, 'conversations.db'));
  const edit = new FakeTask('image_editing');
  const orchestrator = new Orchestrator({
    engine: new FakeEngine(() => script),
    tasks: new TaskRegistry([new FakeTask('image_generation'), edit]),
    store,
    media: new FileMediaStore(join(dir, 'media')),
    checkImage: async (bytes) => ok({ png: bytes, width: 1, height: 1 }),
    sampling: { maxNewTokens: 32, temperature: 0, topP: 1 },
    taskTimeoutMs: 5_000,
    maxAttachmentBytes: 1_000,
    logger: silentLogger(),
    now: () => now,
    randomSeed: () => 3,
  });
  return { orchestrator, store, edit };
}

const say = (text: string, messageId: string): IncomingMessage => ({
  platform: 'slack',
  conversationId: 'slack:T1:C1:1700000000.000100',
  messageId,
  author: { id: 'U1', name: 'Ada' },
  text,
  attachments: [],
});

describe('Orchestrator over a persistent data dir', () => {
  it('edits the image it made yesterday, after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'restart-'));
    const day1 = boot(dir, Date.UTC(2026, 10, 25, 9), [
      { type: 'task', call: { kind: 'image_generation', prompt: 'a red boat', index: 0 } },
      done('<gen>a red boat</gen>'),
    ]);
    await day1.orchestrator.handle(say('draw a red boat', 'm1'), new RecordingSink());
    await day1.store.close();

    const day2 = boot(dir, Date.UTC(2026, 10, 25, 9) + DAY, [
      { type: 'task', call: { kind: 'image_editing', prompt: 'make the boat blue', index: 0 } },
      done('<edit>make the boat blue</edit>'),
    ]);
    const sink = new RecordingSink();
    await day2.orchestrator.handle(say('edit the image from yesterday: make the boat blue', 'm2'), sink);
    expect(sink.notices()).toEqual([]);
    // The edit ran on yesterday's bytes, read back from the media store by hash.
    expect(new TextDecoder().decode(day2.edit.requests[0]?.inputImage?.bytes)).toBe(
      'image_generation:a red boat:3',
    );
    expect(sink.postedMedia().map((m) => m.kind)).toEqual(['image_editing']);
    await day2.store.close();
  });
});
