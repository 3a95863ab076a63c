import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pino } from 'pino';
import sharp from 'sharp';
import { DiscordAdapter } from '../../../src/adapters/discord/discord-adapter.js';
import type { DiscordAdapterOptions, TurnOutcome } from '../../../src/adapters/discord/discord-options.js';
import { ok } from '../../../src/core/errors.js';
import type { FitMedia } from '../../../src/core/fit-media.js';
import { type Logger, silentLogger } from '../../../src/core/logger.js';
import { Orchestrator, type OrchestratorDeps } from '../../../src/core/orchestrator.js';
import { FileMediaStore } from '../../../src/core/store/file-media-store.js';
import { SqliteConversationStore } from '../../../src/core/store/sqlite-conversation-store.js';
import type { Engine, EngineContext, EngineEvent } from '../../../src/engine/engine.js';
import type { Task } from '../../../src/tasks/task.js';
import { TaskRegistry } from '../../../src/tasks/task-registry.js';
import { DiscordEmulator } from '../../emulators/discord/discord-emulator.js';
import { FakeEngine } from '../../fakes/fake-engine.js';

/** A small real PNG of one colour. */
export async function png(color: string, size = 16): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp({ create: { width: size, height: size, channels: 3, background: color } })
      .png()
      .toBuffer(),
  );
}

/** A PNG of random noise: large, and hard to compress. */
export async function noisyPng(size: number): Promise<Uint8Array> {
  const raw = Buffer.alloc(size * size * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919 + ((i * i) % 251)) % 256;
  return new Uint8Array(
    await sharp(raw, { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

/** FakeEngine whose text deltas arrive with a gap, as a model writing does. */
export class PacedEngine implements Engine {
  readonly inner: FakeEngine;
  constructor(
    script: (c: EngineContext) => EngineEvent[],
    private readonly gapMs = 40,
  ) {
    this.inner = new FakeEngine(script);
  }
  get contexts(): EngineContext[] {
    return this.inner.contexts;
  }
  async *respond(context: EngineContext, signal?: AbortSignal): AsyncIterable<EngineEvent> {
    for await (const event of this.inner.respond(context, signal)) {
      if (event.type === 'text') await delay(this.gapMs);
      yield event;
    }
  }
  async close(): Promise<void> {}
}

/** A log line as pino wrote it. */
export interface LogRecord {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** A real pino logger whose lines are kept for assertions. */
export function recordingLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => records.push(JSON.parse(line)) });
  return { logger, records };
}

/** An engine the harness can drive: it records what it was asked. */
export type RecordingEngine = Engine & { readonly contexts: EngineContext[] };

/** An emulator with one guild, a #general channel and a user, plus a bot wired to a real Orchestrator. */
export async function createHarness(options: {
  script?: (c: EngineContext) => EngineEvent[];
  /** Replaces the scripted engine (one that waits, or fails). */
  engine?: RecordingEngine;
  tasks?: Task[];
  fit?: FitMedia;
  guildUploadLimit?: number;
  adapter?: Partial<DiscordAdapterOptions>;
  /** Extra Orchestrator deps (access rules, settings store). */
  core?: Partial<OrchestratorDeps>;
}) {
  const emu = new DiscordEmulator();
  const guild = emu.state.addGuild('Test guild', {
    uploadLimit: options.guildUploadLimit ?? 10 * 1024 * 1024,
  });
  const channel = emu.state.addTextChannel(guild.id, 'general');
  const ada = emu.state.addUser('ada');
  await emu.start();
  const engine: RecordingEngine = options.engine ?? new PacedEngine(options.script ?? (() => []));
  const { logger, records: logs } = recordingLogger();
  const store = new SqliteConversationStore(':memory:');
  const media = new FileMediaStore(mkdtempSync(join(tmpdir(), 'discord-media-')));
  const orchestrator = new Orchestrator({
    engine,
    tasks: new TaskRegistry(options.tasks ?? []),
    store,
    media,
    checkImage: async (bytes) => ok({ png: bytes, width: 1, height: 1 }),
    sampling: { maxNewTokens: 32, temperature: 0, topP: 1 },
    taskTimeoutMs: 10_000,
    maxAttachmentBytes: 1_000_000,
    logger: silentLogger(),
    ...options.core,
  });
  const outcomes: TurnOutcome[] = [];
  const statePath = join(mkdtempSync(join(tmpdir(), 'discord-state-')), 'discord.sqlite');
  const makeAdapter = () =>
    new DiscordAdapter(
      {
        orchestrator,
        conversations: store,
        logger,
        ...(options.fit ? { fit: options.fit } : {}),
        onTurn: (o) => {
          outcomes.push(o);
          emu.notify();
        },
      },
      {
        token: 'bot-token',
        apiUrl: emu.apiUrl,
        commandGuilds: [],
        editIntervalMs: 25,
        statePath,
        ...options.adapter,
      },
    );
  let adapter = makeAdapter();
  await adapter.start();
  return {
    emu,
    guild,
    channel,
    ada,
    engine,
    store,
    /** What the adapter logged. */
    logs,
    get adapter() {
      return adapter;
    },
    /** Resolves when `n` turns in total have finished. */
    turns: (n: number) => emu.waitFor(() => outcomes.length >= n && outcomes.slice(0, n)),
    /** Stops the bot and starts a fresh one on the same stores: a process restart. */
    async restart() {
      await adapter.stop();
      adapter = makeAdapter();
      await adapter.start();
    },
    async stop() {
      await adapter.stop();
      await emu.stop();
      await store.close();
    },
  };
}

/** Shorthands for engine events. */
export const say = (delta: string): EngineEvent => ({ type: 'text', delta });
export const call = (kind: 'image_generation' | 'image_editing', prompt: string, index = 0): EngineEvent => ({
  type: 'task',
  call: { kind, prompt, index },
});
