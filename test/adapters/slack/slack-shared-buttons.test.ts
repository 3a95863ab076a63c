import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ButtonRecord, ButtonStoreLike } from '../../../src/adapters/slack/button-store.js';
import { BUTTON_ACTIONS } from '../../../src/adapters/slack/media-buttons.js';
import { SlackAdapter } from '../../../src/adapters/slack/slack-adapter.js';
import { ok } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { MediaStore } from '../../../src/core/media-store.js';
import { Orchestrator } from '../../../src/core/orchestrator.js';
import { FileMediaStore } from '../../../src/core/store/file-media-store.js';
import { SqliteConversationStore } from '../../../src/core/store/sqlite-conversation-store.js';
import { TASK_KINDS, type TaskKind } from '../../../src/engine/protocol/task-kind.js';
import { RedisButtonStore } from '../../../src/queue/redis-button-store.js';
import { RedisMediaStore } from '../../../src/queue/redis-media-store.js';
import { TaskRegistry } from '../../../src/tasks/task-registry.js';
import { SlackEventDelivery } from '../../emulators/slack/event-delivery.js';
import { SlackEmulator, TEST_SECRETS } from '../../emulators/slack/slack-emulator.js';
import { WORKSPACE } from '../../emulators/slack/slack-state.js';
import { FakeEngine } from '../../fakes/fake-engine.js';
import { FakeTask } from '../../fakes/fake-task.js';
import { newBotPrefix, useRedis } from '../../helpers/redis-rig.js';
import { Outcomes, png, scriptedModel, TEST_PACING } from './harness.js';

// Two Slack frontends behind a load balancer (real Bolt, HTTP receivers, one emulated workspace): the
// image is made through frontend A, its buttons are clicked on frontend B.

const CHANNEL = 'C0GEN0001';
const MENTION = `<@${WORKSPACE.botUserId}>`;
const logger = silentLogger();

/** One frontend process: its own Orchestrator, media store and (unless shared) button state. */
interface Frontend {
  readonly adapter: SlackAdapter;
  readonly slack: SlackEventDelivery;
  readonly outcomes: Outcomes;
}

const rig = useRedis();
const connection = () => rig.connection(logger);

/** What is shared on Redis: everything, only the button state, or nothing (the control). */
type Shared = 'all' | 'buttons' | 'none' | ButtonStoreLike;

/** A shared button store whose reads can be made to fail, as Redis going away would. */
class FailingButtons implements ButtonStoreLike {
  readonly records = new Map<string, ButtonRecord>();
  failReads = false;

  async save(record: ButtonRecord): Promise<void> {
    this.records.set(record.id, record);
  }

  async get(id: string): Promise<ButtonRecord | undefined> {
    if (this.failReads) throw new Error('connection is closed');
    return this.records.get(id);
  }
}

/** What each frontend keeps its media and buttons in: Redis, or its own files and SQLite. */
async function frontendState(
  shared: Shared,
  prefix: string,
): Promise<{ media: MediaStore; buttons?: ButtonStoreLike }> {
  if (typeof shared === 'object')
    return { media: new FileMediaStore(mkdtempSync(join(tmpdir(), 'slack-frontend-'))), buttons: shared };
  const redis = await connection();
  const media =
    shared === 'all'
      ? new RedisMediaStore({ redis, prefix })
      : new FileMediaStore(mkdtempSync(join(tmpdir(), 'slack-frontend-')));
  if (shared === 'none') return { media };
  return { media, buttons: new RedisButtonStore<ButtonRecord>({ redis, prefix, platform: 'slack' }) };
}

async function startFrontends(shared: Shared) {
  const emu = new SlackEmulator();
  await emu.start();
  rig.afterTest(() => emu.stop());
  const generated = await png('red');
  // Regenerate makes other bytes: else B would store A's very image (content-addressed) by regenerating.
  const regenerated = await png('blue');
  let images = 0;
  const produce = (kind: TaskKind) => () =>
    kind === 'image_generation' && images++ > 0 ? regenerated : generated;
  // The workers: one engine and one set of task runners serve both frontends.
  const tasks = new Map(TASK_KINDS.map((kind) => [kind, new FakeTask(kind, produce(kind))]));
  const engine = new FakeEngine(scriptedModel);
  const store = new SqliteConversationStore(':memory:');
  rig.afterTest(() => store.close());
  const prefix = newBotPrefix();
  const start = async (): Promise<Frontend> => {
    const { media, buttons } = await frontendState(shared, prefix);
    const orchestrator = new Orchestrator({
      engine,
      tasks: new TaskRegistry([...tasks.values()]),
      store,
      media,
      checkImage: async (bytes) => ok({ png: bytes, width: 8, height: 8 }),
      sampling: { maxNewTokens: 32, temperature: 0, topP: 1 },
      taskTimeoutMs: 10_000,
      maxAttachmentBytes: 1_000_000,
      logger,
      randomSeed: () => 7,
    });
    const outcomes = new Outcomes();
    const adapter = new SlackAdapter({
      ...TEST_SECRETS,
      appToken: '',
      apiUrl: emu.apiUrl,
      port: 0,
      host: '127.0.0.1',
      command: '/llmbind',
      handler: orchestrator,
      store,
      media,
      logger,
      pacing: TEST_PACING,
      retry: { retries: 3, factor: 1, minTimeout: 0, maxTimeout: 10 },
      onOutcome: outcomes.push,
      ...(buttons ? { buttons } : {}),
    });
    rig.afterTest(() => adapter.stop());
    await adapter.start();
    const url = `http://127.0.0.1:${adapter.port}/slack/events`;
    return { adapter, slack: new SlackEventDelivery(emu, { kind: 'http', url }), outcomes };
  };
  const a = await start();
  const b = await start();

  // Frontend A answers a mention with an image and its buttons.
  const asked = a.slack.userPosts({ channel: CHANNEL, text: `${MENTION} draw a teapot` });
  const delivery = await a.slack.mention(asked);
  expect((await a.outcomes.of(delivery.eventId)).result).toBe('handled');
  const withButtons = emu.state
    .botMessages(CHANNEL, asked.ts)
    .find((m) => m.blocks?.some((block) => (block as { type: string }).type === 'actions'));
  if (!withButtons) throw new Error('frontend A posted no buttons');
  const uploads = () => emu.state.botMessages(CHANNEL, asked.ts).flatMap((m) => m.files ?? []);
  expect(uploads()).toHaveLength(1);
  return { a, b, tasks, generated, regenerated, withButtons, uploads };
}

describe('Slack buttons clicked on another frontend than the one that posted them', () => {
  it('with Redis stores, B regenerates and segments the image A made', async () => {
    const { b, tasks, generated, withButtons, uploads } = await startFrontends('all');

    await b.slack.clickButton(withButtons, BUTTON_ACTIONS.regenerate);
    const regen = await b.outcomes.waitFor((o) => o.source === 'action' && o.id.startsWith('regenerate'));
    expect(regen.result).toBe('handled');
    expect(tasks.get('image_generation')?.requests.map((r) => r.prompt)).toEqual(['a teapot', 'a teapot']);
    // The emulator recorded B's upload of the new image into the same thread.
    expect(uploads()).toHaveLength(2);

    // Segment needs the bytes A stored: B reads them from the shared media store.
    await b.slack.clickButton(withButtons, BUTTON_ACTIONS.segment);
    const seg = await b.outcomes.waitFor((o) => o.source === 'action' && o.id.startsWith('segment'));
    expect(seg.result).toBe('handled');
    expect(tasks.get('segmentation')?.requests[0]?.inputImage?.bytes).toEqual(generated);
  });

  it('control: with per-frontend SQLite and files, B does not know the buttons', async () => {
    const { b, tasks, withButtons, uploads } = await startFrontends('none');

    await b.slack.clickButton(withButtons, BUTTON_ACTIONS.regenerate);
    const regen = await b.outcomes.waitFor((o) => o.source === 'action' && o.id.startsWith('regenerate'));
    // B only tells the user the button expired: nothing regenerated, nothing uploaded.
    expect(regen.result).toBe('answered');
    expect(tasks.get('image_generation')?.requests).toHaveLength(1);
    expect(uploads()).toHaveLength(1);
  });

  it('control: with shared buttons but per-frontend media, B regenerates but cannot segment', async () => {
    const { b, tasks, generated, regenerated, withButtons, uploads } = await startFrontends('buttons');

    await b.slack.clickButton(withButtons, BUTTON_ACTIONS.regenerate);
    await b.outcomes.waitFor((o) => o.source === 'action' && o.id.startsWith('regenerate'));
    expect(uploads()).toHaveLength(2);
    await b.slack.clickButton(withButtons, BUTTON_ACTIONS.segment);
    const seg = await b.outcomes.waitFor((o) => o.source === 'action' && o.id.startsWith('segment'));
    expect(seg.result).toBe('handled');
    // The image under the button is in A's data dir only: B falls back to the conversation's latest
    // image it can read (its own regenerated one), so Segment acts on the wrong picture.
    const input = tasks.get('segmentation')?.requests[0]?.inputImage?.bytes;
    expect(input).toEqual(regenerated);
    expect(input).not.toEqual(generated);
  });

  it('a button store that cannot be read fails the click, and does not call the button expired', async () => {
    const buttons = new FailingButtons();
    const { b, tasks, withButtons, uploads } = await startFrontends(buttons);
    buttons.failReads = true;
    await b.slack.clickButton(withButtons, BUTTON_ACTIONS.regenerate);
    const regen = await b.outcomes.waitFor((o) => o.source === 'action' && o.id.startsWith('regenerate'));
    expect(regen.result).toBe('failed');
    expect(tasks.get('image_generation')?.requests).toHaveLength(1);
    expect(uploads()).toHaveLength(1);
  });
});
