import type { Redis } from 'ioredis';

/**
 * One entry of a job's event stream. Every run of a job (a worker that picks it up, or another one
 * after a crash) starts with `start` and its own `run` id; `event` carries one engine event or task
 * progress; `end` carries the outcome. Readers follow the latest run only.
 */
export type StreamMessage =
  | { readonly kind: 'start'; readonly run: string }
  | { readonly kind: 'event'; readonly run: string; readonly data: unknown }
  | { readonly kind: 'end'; readonly run: string; readonly data: unknown };

/** Writes the entries of one run of one job; the stream expires `ttlSeconds` after its last entry. */
export class JobStreamWriter {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    readonly run: string,
    private readonly ttlSeconds: number,
  ) {}

  /** Opens the run (readers drop what an earlier run of the same job streamed). */
  start(): Promise<void> {
    return this.add('start');
  }

  /** One engine event or progress report. */
  event(data: unknown): Promise<void> {
    return this.add('event', data);
  }

  /** The outcome; nothing follows it. */
  end(data: unknown): Promise<void> {
    return this.add('end', data);
  }

  private async add(kind: StreamMessage['kind'], data?: unknown): Promise<void> {
    const fields = [
      'kind',
      kind,
      'run',
      this.run,
      ...(data === undefined ? [] : ['data', JSON.stringify(data)]),
    ];
    await this.redis
      .multi()
      .xadd(this.key, '*', ...fields)
      .expire(this.key, this.ttlSeconds)
      .exec();
  }
}

type RawEntry = [id: string, fields: string[]];

/**
 * XREAD replies differ between RESP2 (`[[key, entries]]`) and RESP3 maps (`[key, entries]` or a Map):
 * returns the entries of the single stream read.
 */
function entriesOf(reply: unknown): RawEntry[] {
  if (reply === null || reply === undefined) return [];
  if (reply instanceof Map) return ([...reply.values()][0] as RawEntry[] | undefined) ?? [];
  if (!Array.isArray(reply) || reply.length === 0) return [];
  if (typeof reply[0] === 'string') return (reply[1] as RawEntry[] | undefined) ?? [];
  return ((reply[0] as [string, RawEntry[]])[1] as RawEntry[] | undefined) ?? [];
}

function parse(fields: string[]): StreamMessage {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
  const kind = map.get('kind');
  const run = map.get('run') ?? '';
  const raw = map.get('data');
  if (kind === 'start') return { kind, run };
  if (kind === 'event' || kind === 'end')
    return { kind, run, data: raw === undefined ? undefined : JSON.parse(raw) };
  throw new Error(`unknown job stream entry kind ${String(kind)}`);
}

/**
 * Reads a job's stream from its first entry (so nothing written before the reader arrived is lost), on
 * a connection of its own because XREAD BLOCK holds it. `blockMs` bounds each wait; after each empty
 * wait `idle()` may throw (the job failed without writing an outcome). Ends after the first `end`.
 */
export async function* readJobStream(
  redis: Redis,
  key: string,
  options: { readonly blockMs: number; readonly idle: () => Promise<void> },
): AsyncGenerator<StreamMessage> {
  let last = '0';
  for (;;) {
    const reply = await redis.call(
      'XREAD',
      'COUNT',
      '100',
      'BLOCK',
      String(options.blockMs),
      'STREAMS',
      key,
      last,
    );
    const entries = entriesOf(reply);
    if (entries.length === 0) {
      await options.idle();
      continue;
    }
    for (const [id, fields] of entries) {
      last = id;
      const message = parse(fields);
      yield message;
      if (message.kind === 'end') return;
    }
  }
}
