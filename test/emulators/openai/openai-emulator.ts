import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the emulator does with one request. */
export type Scripted =
  | {
      /** An HTTP error before any stream (429, 500, 503…). */
      readonly status: number;
      readonly retryAfter?: string;
      readonly body?: string;
    }
  | {
      /** Each string is sent as the content delta of one SSE event, in order. */
      readonly chunks: readonly string[];
      readonly finishReason?: 'stop' | 'length';
      /** Bytes per socket write: SSE events (and UTF-8 characters) split across TCP chunks. */
      readonly writeSize?: number;
      /** After this many chunks, wait for {@link OpenAiEmulator.release} (slow stream, no sleeps). */
      readonly pauseAfter?: number;
      /** After the chunks: `drop` kills the socket, `error` sends an in-stream error event. */
      readonly end?: 'done' | 'drop' | 'error' | 'no-done';
      readonly completionTokens?: number;
    };

/** One request the emulator received. */
export interface Received {
  readonly body: {
    model: string;
    messages: {
      role: string;
      content: string | { type: string; text?: string; image_url?: { url: string } }[];
    }[];
    [key: string]: unknown;
  };
  readonly authorization: string | undefined;
  /** Decoded bytes of every `data:` image URL in the request, in message order. */
  readonly images: Buffer[];
}

/**
 * A loopback OpenAI-compatible chat completions server (`POST /v1/chat/completions`, streaming only)
 * with scripted answers: streams, HTTP errors with Retry-After, paused (slow) streams, dropped
 * connections and in-stream errors. Requests without a scripted answer get a short default reply.
 */
export class OpenAiEmulator {
  readonly received: Received[] = [];
  /** Streams the client closed before the emulator finished writing them. */
  clientClosed = 0;
  readonly #script: (Scripted | ((r: Received) => Scripted))[] = [];
  readonly #server: Server;
  #release: (() => void) | undefined;
  #paused: { promise: Promise<void>; resolve: () => void } = withResolvers();
  #closed: { promise: Promise<void>; resolve: () => void } = withResolvers();

  private constructor(readonly apiKey: string | undefined) {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch(() => res.destroy());
    });
  }

  /** Starts on 127.0.0.1 with a random port; with `apiKey`, other bearer tokens get a 401. */
  static async start(options: { apiKey?: string } = {}): Promise<OpenAiEmulator> {
    const emulator = new OpenAiEmulator(options.apiKey);
    await new Promise<void>((resolve) => emulator.#server.listen(0, '127.0.0.1', resolve));
    return emulator;
  }

  /** `http://127.0.0.1:PORT/v1`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/v1`;
  }

  /** Queues answers for the next requests. */
  script(...answers: (Scripted | ((r: Received) => Scripted))[]): void {
    this.#script.push(...answers);
  }

  /** Resolves when a stream reaches its `pauseAfter` point. */
  paused(): Promise<void> {
    return this.#paused.promise;
  }

  /** Resumes a paused stream. */
  release(): void {
    this.#release?.();
  }

  /** Resolves when a client closes a stream the emulator had not finished. */
  clientClosedStream(): Promise<void> {
    return this.#closed.promise;
  }

  async close(): Promise<void> {
    this.release();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    const authorization = req.headers.authorization;
    if (this.apiKey !== undefined && authorization !== `Bearer ${this.apiKey}`) {
      // Like some proxies, echo what was sent: the client must scrub it from its errors.
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: `invalid key: ${authorization ?? ''}` } }));
      return;
    }
    const body = JSON.parse(raw) as Received['body'];
    const received: Received = { body, authorization, images: imagesOf(body) };
    this.received.push(received);
    const next = this.#script.shift() ?? { chunks: ['Hello from the emulator.'] };
    const answer = typeof next === 'function' ? next(received) : next;
    if ('status' in answer) {
      res
        .writeHead(answer.status, {
          'content-type': 'application/json',
          ...(answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}),
        })
        .end(answer.body ?? JSON.stringify({ error: { message: `scripted ${answer.status}` } }));
      return;
    }
    await this.#stream(res, answer);
  }

  async #stream(res: ServerResponse, answer: Extract<Scripted, { chunks: unknown }>): Promise<void> {
    let finished = false;
    res.on('close', () => {
      if (!finished) {
        this.clientClosed += 1;
        this.#closed.resolve();
      }
    });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const size = answer.writeSize ?? Number.POSITIVE_INFINITY;
    const send = (text: string): void => {
      const bytes = Buffer.from(text);
      for (let i = 0; i < bytes.length; i += size) res.write(bytes.subarray(i, i + size));
    };
    const event = (payload: unknown): void => send(`data: ${JSON.stringify(payload)}\n\n`);
    const chunk = (delta: object, finish: string | null): object => ({
      id: 'chatcmpl-emu',
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    send(': keep-alive\n\n');
    event(chunk({ role: 'assistant', content: '' }, null));
    for (const [i, content] of answer.chunks.entries()) {
      if (answer.pauseAfter === i) {
        const resumed = new Promise<void>((resolve) => {
          this.#release = resolve;
        });
        this.#paused.resolve();
        this.#paused = withResolvers();
        await resumed;
        if (res.destroyed) return;
      }
      event(chunk({ content }, null));
    }
    const end = answer.end ?? 'done';
    if (end === 'drop') {
      finished = true;
      // Let the chunks reach the client first, then cut the connection without ending the response.
      await new Promise<void>((resolve) => res.write('', () => resolve()));
      res.socket?.destroy();
      return;
    }
    if (end === 'error') {
      event({ error: { message: 'scripted failure in the middle of the stream', type: 'server_error' } });
    } else {
      event(chunk({}, answer.finishReason ?? 'stop'));
      event({
        id: 'chatcmpl-emu',
        object: 'chat.completion.chunk',
        choices: [],
        usage: { completion_tokens: answer.completionTokens ?? answer.chunks.length },
      });
    }
    if (end !== 'no-done') send('data: [DONE]\n\n');
    finished = true;
    res.end();
  }
}

function withResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

function imagesOf(body: Received['body']): Buffer[] {
  const out: Buffer[] = [];
  for (const message of body.messages ?? []) {
    if (typeof message.content === 'string') continue;
    for (const part of message.content) {
      const url = part.image_url?.url;
      const match = url ? /^data:image\/[\w.+-]+;base64,(.+)$/.exec(url) : null;
      if (match?.[1]) out.push(Buffer.from(match[1], 'base64'));
    }
  }
  return out;
}
