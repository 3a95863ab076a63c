import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { SlackAdapter } from '../../../src/adapters/slack/slack-adapter.js';
import type { SlackAdapterOptions, SlackOutcome } from '../../../src/adapters/slack/slack-adapter-options.js';
import { ok } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { IncomingMessage } from '../../../src/core/message.js';
import { Orchestrator, type OrchestratorDeps } from '../../../src/core/orchestrator.js';
import { FileMediaStore } from '../../../src/core/store/file-media-store.js';
import { SqliteConversationStore } from '../../../src/core/store/sqlite-conversation-store.js';
import type { Engine, EngineContext, EngineEvent } from '../../../src/engine/engine.js';
import { TASK_KINDS, type TaskKind } from '../../../src/engine/protocol/task-kind.js';
import type { Task } from '../../../src/tasks/task.js';
import { TaskRegistry } from '../../../src/tasks/task-registry.js';
import { SlackEventDelivery } from '../../emulators/slack/event-delivery.js';
import { SlackEmulator, TEST_SECRETS } from '../../emulators/slack/slack-emulator.js';
import { done, FakeEngine } from '../../fakes/fake-engine.js';
import { FakeTask } from '../../fakes/fake-task.js';

/** A small real PNG of one colour. */
export async function png(color: string, size = 8): Promise<Uint8Array> {
  const buf = await sharp({ create: { width: size, height: size, channels: 3, background: color } })
    .png()
    .toBuffer();
  return new Uint8Array(buf);
}

const text = (delta: string): EngineEvent => ({ type: 'text', delta });
const task = (kind: TaskKind, prompt: string): EngineEvent => ({
  type: 'task',
  call: { kind, prompt, index: 0 },
});

/**
 * The scripted model: "draw X" streams a sentence and generates X; "blue" edits; a forced task runs that
 * task on the prompt; anything else is echoed. Each reply says how many turns it saw.
 */
export function scriptedModel(context: EngineContext): EngineEvent[] {
  const last = context.turns.at(-1)?.text ?? '';
  if (context.forcedTask)
    return [text('On it.'), task(context.forcedTask, last), done(`On it.<t>${last}</t>`)];
  const draw = /draw (.*)/.exec(last);
  if (draw?.[1]) {
    const words = ['Here ', 'is ', `${draw[1]}, `, 'freshly ', 'drawn.'];
    return [
      ...words.map(text),
      task('image_generation', draw[1]),
      done(`${words.join('')}<gen>${draw[1]}</gen>`),
    ];
  }
  if (last.includes('blue'))
    return [text('Recoloured.'), task('image_editing', last), done('Recoloured.<edit/>')];
  const reply = `You said: ${last} (${context.turns.length} turns)`;
  return [text(reply), done(reply)];
}

/** Records adapter outcomes and lets a test await one without sleeping. */
export class Outcomes {
  readonly all: SlackOutcome[] = [];
  private waiters: Array<{ match: (o: SlackOutcome) => boolean; resolve: (o: SlackOutcome) => void }> = [];

  readonly push = (outcome: SlackOutcome): void => {
    this.all.push(outcome);
    for (const w of [...this.waiters]) {
      if (!w.match(outcome)) continue;
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve(outcome);
    }
  };

  /** The first outcome (past or future) that matches. */
  async waitFor(match: (o: SlackOutcome) => boolean): Promise<SlackOutcome> {
    const seen = this.all.find(match);
    if (seen) return seen;
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** The next outcome for an id. */
  async of(id: string | undefined): Promise<SlackOutcome> {
    return this.waitFor((o) => o.id === id);
  }
}

/** Everything a Slack adapter test drives. */
export interface SlackRig {
  readonly emu: SlackEmulator;
  readonly slack: SlackEventDelivery;
  readonly adapter: SlackAdapter;
  readonly engine: FakeEngine;
  readonly tasks: Map<TaskKind, FakeTask>;
  readonly store: SqliteConversationStore;
  readonly outcomes: Outcomes;
  /** Every message the adapter handed to the core, in order. */
  readonly messages: IncomingMessage[];
  readonly generated: Uint8Array;
  stop(): Promise<void>;
}

/** Test pacing: no waits, but chat.update keeps a small spacing so streaming edits coalesce. */
export const TEST_PACING = {
  postMessageMs: 0,
  updateMs: 20,
  uploadMs: 0,
  repliesMs: 0,
  viewsOpenMs: 0,
  usersInfoMs: 0,
  responseUrlMs: 0,
} as const;

/** Starts an emulator, a real Orchestrator on the fake engine and tasks, and the adapter on real Bolt. */
export async function startRig(
  mode: 'http' | 'socket' = 'http',
  overrides: Partial<SlackAdapterOptions> = {},
  model: {
    /** The FakeEngine's script. */
    readonly script?: (c: EngineContext) => EngineEvent[];
    /** Another engine instead of the FakeEngine (given the emulator, to wait on it). */
    readonly engine?: (emu: SlackEmulator) => Engine;
    /** Task runners replacing the FakeTasks of their kinds. */
    readonly tasks?: readonly Task[];
    /** Extra Orchestrator deps (access rules, settings store). */
    readonly core?: Partial<OrchestratorDeps>;
  } = {},
): Promise<SlackRig> {
  const emu = new SlackEmulator();
  await emu.start();
  const generated = await png('red');
  const tasks = new Map(TASK_KINDS.map((kind) => [kind, new FakeTask(kind, () => generated)]));
  const engine = new FakeEngine(model.script ?? scriptedModel);
  const store = new SqliteConversationStore(':memory:');
  const media = new FileMediaStore(mkdtempSync(join(tmpdir(), 'slack-media-')));
  const orchestrator = new Orchestrator({
    engine: model.engine?.(emu) ?? engine,
    tasks: new TaskRegistry([
      ...[...tasks.values()].filter((t) => !model.tasks?.some((o) => o.kind === t.kind)),
      ...(model.tasks ?? []),
    ]),
    store,
    media,
    checkImage: async (bytes) => ok({ png: bytes, width: 8, height: 8 }),
    sampling: { maxNewTokens: 32, temperature: 0, topP: 1 },
    taskTimeoutMs: 10_000,
    maxAttachmentBytes: 1_000_000,
    logger: silentLogger(),
    randomSeed: () => 7,
    ...model.core,
  });
  const outcomes = new Outcomes();
  const messages: IncomingMessage[] = [];
  const adapter = new SlackAdapter({
    ...TEST_SECRETS,
    appToken: mode === 'socket' ? TEST_SECRETS.appToken : '',
    apiUrl: emu.apiUrl,
    port: 0,
    host: '127.0.0.1',
    command: '/llmbind',
    handler: {
      handle: (message, sink, signal) => {
        messages.push(message);
        return orchestrator.handle(message, sink, signal);
      },
      cancel: (id) => orchestrator.cancel(id),
      configure: (actor, change) => orchestrator.configure(actor, change),
    },
    store,
    media,
    logger: silentLogger(),
    pacing: TEST_PACING,
    retry: { retries: 3, factor: 1, minTimeout: 0, maxTimeout: 10 },
    onOutcome: outcomes.push,
    ...overrides,
  });
  try {
    await adapter.start();
  } catch (error) {
    await adapter.stop();
    await emu.stop();
    await store.close();
    throw error;
  }
  const slack = new SlackEventDelivery(
    emu,
    mode === 'socket'
      ? { kind: 'socket' }
      : { kind: 'http', url: `http://127.0.0.1:${adapter.port}/slack/events` },
  );
  return {
    emu,
    slack,
    adapter,
    engine,
    tasks,
    store,
    outcomes,
    messages,
    generated,
    stop: async () => {
      await adapter.stop();
      await emu.stop();
      await store.close();
    },
  };
}
