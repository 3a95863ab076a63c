import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CliSink, type CliStreams } from '../adapters/cli/cli-sink.js';
import { noticeText } from '../adapters/cli/texts.js';
import type { ConversationStore } from '../core/conversation-store.js';
import { fail, ok, type Result } from '../core/errors.js';
import type { MediaStore } from '../core/media-store.js';
import type { Orchestrator } from '../core/orchestrator.js';
import { FileMediaStore } from '../core/store/file-media-store.js';
import { JsonFileConversationStore } from '../core/store/json-file-conversation-store.js';
import { SqliteConversationStore } from '../core/store/sqlite-conversation-store.js';
import { fileAttachment } from './file-attachment.js';

/** `llmbind ask` arguments. */
export interface AskArgs {
  readonly message: string;
  readonly images: readonly string[];
  readonly thread?: string;
  readonly out: string;
  readonly models?: string;
  readonly seed?: number;
  readonly json: boolean;
}

export const ASK_USAGE =
  'usage: llmbind ask "<message>" [--image PATH]... [--thread FILE] [--out DIR] [--models DIR] [--seed N] [--json]';

/** Parses `llmbind ask …` (argv after the command name). */
export function parseAskArgs(argv: readonly string[]): Result<AskArgs> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return fail('bad_input', `${(error as Error).message}\n${ASK_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || !positionals[0]?.trim())
    return fail('bad_input', `one message is required\n${ASK_USAGE}`);
  let seed: number | undefined;
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 31)
      return fail('bad_input', '--seed must be an integer in [0, 2^31)');
  }
  return ok({
    message: positionals[0],
    images: values.image ?? [],
    out: values.out ?? 'out',
    json: values.json ?? false,
    ...(values.thread ? { thread: values.thread } : {}),
    ...(values.models ? { models: values.models } : {}),
    ...(seed === undefined ? {} : { seed }),
  });
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      image: { type: 'string', multiple: true },
      thread: { type: 'string' },
      out: { type: 'string' },
      models: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
}

/** Builds the orchestrator for the stores the CLI chose. */
export type OrchestratorFactory = (stores: { store: ConversationStore; media: MediaStore }) => Orchestrator;

/**
 * Runs one `ask`: a single turn, or one more turn of the `--thread` file. Prints the streamed reply (or
 * exactly one JSON object with `--json`) and writes produced media to `--out`. Returns the exit code.
 */
export async function runAsk(
  args: AskArgs,
  build: OrchestratorFactory,
  streams: CliStreams,
): Promise<number> {
  const threadPath = args.thread ? resolve(args.thread) : undefined;
  const store: ConversationStore = threadPath
    ? new JsonFileConversationStore(threadPath)
    : new SqliteConversationStore(':memory:');
  const media = new FileMediaStore(
    threadPath ? `${threadPath}.media` : mkdtempSync(join(tmpdir(), 'llmbind-')),
  );
  const sink = new CliSink(resolve(args.out), streams, args.json);
  try {
    const attachments = [];
    for (const path of args.images) {
      try {
        attachments.push(await fileAttachment(path));
      } catch {
        streams.err.write(`llmbind: cannot read image ${path}\n`);
        return 2;
      }
    }
    const orchestrator = build({ store, media });
    const report = await orchestrator.handle(
      {
        platform: 'cli',
        conversationId: threadPath ? `cli:${threadPath}` : 'cli:once',
        messageId: `cli-${Date.now()}`,
        author: { id: 'cli', name: 'you' },
        text: args.message,
        attachments,
        ...(args.seed === undefined ? {} : { seed: args.seed }),
      },
      sink,
    );
    if (args.json) {
      const notices = new Map(sink.notices.filter((n) => n.kind).map((n) => [n.kind, n]));
      const json = {
        reply: report.reply,
        ...(report.error ? { error: noticeText({ code: report.error }) } : {}),
        tasks: report.tasks.map((t) => ({
          kind: t.kind,
          prompt: t.prompt,
          files: t.media.map((m) => sink.files.get(m.sha256)).filter((p): p is string => p !== undefined),
          ...(t.error ? { error: noticeText(notices.get(t.kind) ?? { code: t.error, kind: t.kind }) } : {}),
        })),
      };
      streams.out.write(`${JSON.stringify(json)}\n`);
    }
    return report.error ? 1 : 0;
  } finally {
    await store.close();
  }
}
