import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { WebPlayground } from '../../../src/adapters/playground/web/web-playground.js';
import type {
  PlaygroundTurnHandler,
  WebPlaygroundOptions,
} from '../../../src/adapters/playground/web/web-playground-options.js';
import { ok } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { Orchestrator } from '../../../src/core/orchestrator.js';
import { FileMediaStore } from '../../../src/core/store/file-media-store.js';
import { SqliteConversationStore } from '../../../src/core/store/sqlite-conversation-store.js';
import type { Engine } from '../../../src/engine/engine.js';
import type { Task } from '../../../src/tasks/task.js';
import { TaskRegistry } from '../../../src/tasks/task-registry.js';

/** One server-sent event as the page receives it. */
export interface PageEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/** Parses a whole `text/event-stream` body. */
export function parseEvents(body: string): PageEvent[] {
  return body
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines.find((l) => l.startsWith('data: '))?.slice(6) ?? '{}';
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

/** A small solid PNG. */
export async function png(color: string, size = 16): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp({ create: { width: size, height: size, channels: 3, background: color } })
      .png()
      .toBuffer(),
  );
}

/** A running playground over a real Orchestrator (or a given handler) and real stores. */
export interface PlaygroundRig {
  readonly playground: WebPlayground;
  readonly base: string;
  readonly store: SqliteConversationStore;
  /** POSTs a turn and returns the status and its events once the stream ends. */
  turn(
    conversation: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; events: PageEvent[] }>;
  stop(): Promise<void>;
}

/** Starts a playground on a free port. */
export async function startRig(
  setup: { engine: Engine; tasks: Task[] } | { handler: PlaygroundTurnHandler },
  extra: Partial<WebPlaygroundOptions> = {},
): Promise<PlaygroundRig> {
  const store = new SqliteConversationStore(':memory:');
  const media = new FileMediaStore(mkdtempSync(join(tmpdir(), 'playground-media-')));
  const handler =
    'handler' in setup
      ? setup.handler
      : new Orchestrator({
          engine: setup.engine,
          tasks: new TaskRegistry(setup.tasks),
          store,
          media,
          checkImage: async (bytes) => ok({ png: bytes, width: 0, height: 0 }),
          sampling: { maxNewTokens: 32, temperature: 0, topP: 1 },
          taskTimeoutMs: 60_000,
          maxAttachmentBytes: 1e6,
          logger: silentLogger(),
          randomSeed: () => 7,
        });
  const playground = new WebPlayground({
    handler,
    store,
    media,
    logger: silentLogger(),
    port: 0,
    host: '127.0.0.1',
    ...extra,
  });
  await playground.start();
  const base = playground.url.replace(/\/$/, '');
  return {
    playground,
    base,
    store,
    async turn(conversation, body, headers = {}) {
      const res = await fetch(`${base}/api/conversations/${conversation}/turns`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, events: res.status === 200 ? parseEvents(text) : [] };
    },
    async stop() {
      await playground.stop();
      await store.close();
    },
  };
}
