import {
  type ErrorCode,
  type Failure,
  fail,
  LlmbindError,
  ok,
  type Result,
  toFailure,
} from '../../core/errors.js';
import {
  deadline,
  describeError,
  fetchWithRetry,
  httpError,
  safeUrl,
  scrub,
} from '../../engine/remote/http-call.js';
import { readSse } from '../../engine/remote/sse-parser.js';
import { sniffType } from '../../media/sniff.js';
import type { MediaResult, Task, TaskOutput, TaskRequest, TaskRunOptions } from '../task.js';
import { DEFAULT_HTTP_TASK_OPTIONS, type HttpTaskOptions } from './http-task-options.js';
import {
  jsonBody,
  multipartBody,
  ProgressSchema,
  ResultSchema,
  SERVER_ERROR_CODES,
  ServerErrorSchema,
} from './http-task-wire.js';

type Resolved = HttpTaskOptions & Required<Pick<HttpTaskOptions, keyof typeof DEFAULT_HTTP_TASK_OPTIONS>>;

const ACCEPT = 'text/event-stream, application/json;q=0.9, image/*;q=0.8, video/*;q=0.8, audio/*;q=0.8';

/**
 * A task model behind an operator's HTTP server: the request is POSTed as JSON or multipart, the media
 * comes back as raw bytes, as JSON, or as an SSE stream with progress events and a final result.
 * Segmentation through this backend takes the referring text as its prompt, so it works with a remote
 * LLM (which has no `[SEG]` hidden state to give).
 */
export class HttpTask implements Task {
  readonly kind: TaskRequest['kind'];
  readonly #o: Resolved;
  readonly #fetch: typeof fetch;
  readonly #secrets: readonly string[];

  constructor(options: HttpTaskOptions) {
    if (!URL.canParse(options.url))
      throw new LlmbindError('config_invalid', `task server URL for ${options.kind} is not a URL`, {
        kind: options.kind,
      });
    this.kind = options.kind;
    this.#o = { ...DEFAULT_HTTP_TASK_OPTIONS, ...options };
    this.#fetch = options.fetch ?? fetch;
    this.#secrets = options.apiKey ? [options.apiKey] : [];
  }

  async run(request: TaskRequest, options: TaskRunOptions): Promise<Result<TaskOutput>> {
    const o = this.#o;
    const started = performance.now();
    const call = deadline(options.signal, o.timeoutMs, `the ${this.kind} server`);
    try {
      const response = await fetchWithRetry(
        o.url,
        () => {
          const body =
            o.format === 'multipart'
              ? multipartBody(request, o.size)
              : JSON.stringify(jsonBody(request, o.size));
          return {
            method: 'POST',
            headers: {
              accept: ACCEPT,
              ...(o.format === 'json' ? { 'content-type': 'application/json' } : {}),
              ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}),
            },
            body,
          };
        },
        {
          fetch: this.#fetch,
          retry: o.retry,
          signal: call.signal,
          ...(o.random ? { random: o.random } : {}),
          onRetry: (info) =>
            o.logger.warn({ ...info, kind: this.kind, url: safeUrl(o.url) }, 'task server busy; retrying'),
        },
      );
      if (!response.ok) return { ok: false, error: await this.#errorOf(response) };
      const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const wall = (): number => (performance.now() - started) / 1000;
      if (type === 'text/event-stream') return await this.#readStream(response, request, options, wall);
      const bytes = await this.#readAll(response);
      if (type === 'application/json') return this.#fromJson(bytes, request, wall());
      if (/^(image|video|audio)\//.test(type)) {
        const seedHeader = Number(response.headers.get('x-seed'));
        return this.#output(
          [{ mime: type, bytes, filename: filenameOf(response, this.kind, type), altText: request.prompt }],
          Number.isInteger(seedHeader) && response.headers.has('x-seed') ? seedHeader : request.seed,
          wall(),
        );
      }
      return fail('task_failed', `the ${this.kind} server answered with ${type || 'no content type'}`);
    } catch (error) {
      const settled = call.settle(error);
      if (LlmbindError.isInstance(settled) || (settled instanceof Error && settled.name === 'AbortError'))
        return { ok: false, error: toFailure(settled) };
      return fail('task_failed', `the ${this.kind} server: ${scrub(describeError(settled), this.#secrets)}`, {
        url: safeUrl(o.url),
      });
    } finally {
      call.controller.abort();
    }
  }

  async dispose(): Promise<void> {}

  /** A non-2xx answer: the server's own code when it names a known one, else one from the status. */
  async #errorOf(response: Response): Promise<Failure> {
    const clone = response.clone();
    const error = await httpError(
      response,
      `the ${this.kind} server`,
      this.#o.url,
      this.#secrets,
      'task_failed',
    );
    const named = await clone
      .json()
      .then((json: unknown) => ServerErrorSchema.safeParse((json as { error?: unknown } | null)?.error))
      .catch(() => undefined);
    const code = named?.success ? knownCode(named.data.code) : undefined;
    return { code: code ?? error.code, message: error.message, details: error.details };
  }

  async #readAll(response: Response): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const part of this.#limited(response)) parts.push(part);
    return Buffer.concat(parts);
  }

  /** The body, refused with `output_too_large` past the configured size. */
  async *#limited(response: Response): AsyncGenerator<Uint8Array> {
    if (!response.body) return;
    let total = 0;
    for await (const part of response.body) {
      total += part.byteLength;
      if (total > this.#o.maxResponseBytes)
        throw new LlmbindError('output_too_large', `the ${this.kind} server sent more than the limit`, {
          limit: this.#o.maxResponseBytes,
        });
      yield part;
    }
  }

  async #readStream(
    response: Response,
    request: TaskRequest,
    options: TaskRunOptions,
    wall: () => number,
  ): Promise<Result<TaskOutput>> {
    for await (const event of readSse(this.#limited(response))) {
      if (event.event === 'progress') {
        const progress = ProgressSchema.safeParse(safeJson(event.data));
        // A malformed progress event costs a progress update, not the job.
        if (progress.success)
          options.onProgress?.({
            step: progress.data.step,
            totalSteps: progress.data.totalSteps,
            ...(progress.data.preview ? { preview: Buffer.from(progress.data.preview, 'base64') } : {}),
          });
      } else if (event.event === 'result') {
        return this.#fromJson(new TextEncoder().encode(event.data), request, wall());
      } else if (event.event === 'error') {
        const parsed = ServerErrorSchema.safeParse(safeJson(event.data));
        const code = parsed.success ? knownCode(parsed.data.code) : undefined;
        const message = parsed.success ? (parsed.data.message ?? '') : '';
        return fail(
          code ?? 'task_failed',
          `the ${this.kind} server failed: ${scrub(message, this.#secrets).slice(0, 300)}`,
        );
      }
    }
    return fail('task_failed', `the ${this.kind} server closed its stream before the result`);
  }

  #fromJson(bytes: Uint8Array, request: TaskRequest, seconds: number): Result<TaskOutput> {
    const parsed = ResultSchema.safeParse(safeJson(Buffer.from(bytes).toString('utf8')));
    if (!parsed.success)
      return fail('task_failed', `the ${this.kind} server sent a result of an unknown shape`);
    const media = parsed.data.media.map((m, i) => ({
      mime: m.mime,
      bytes: new Uint8Array(Buffer.from(m.data, 'base64')),
      filename: m.filename ?? defaultName(this.kind, m.mime, i),
      altText: m.altText ?? request.prompt,
    }));
    return this.#output(media, parsed.data.seed ?? request.seed, parsed.data.computeSeconds ?? seconds);
  }

  /** Checks every file is what it says (a server bug must not post a text file as a PNG). */
  #output(media: readonly MediaResult[], seed: number, computeSeconds: number): Result<TaskOutput> {
    for (const item of media) {
      if (item.bytes.length === 0) return fail('task_failed', `the ${this.kind} server sent an empty file`);
      const sniffed = sniffType(item.bytes);
      const family = item.mime.split('/')[0];
      if (sniffed === undefined || !mimeFamilyMatches(sniffed, family))
        return fail('task_failed', `the ${this.kind} server sent bytes that are not ${item.mime}`, {
          mime: item.mime,
        });
    }
    return ok({ media, seed, computeSeconds });
  }
}

function knownCode(code: string | undefined): ErrorCode | undefined {
  return (SERVER_ERROR_CODES as readonly string[]).includes(code ?? '') ? (code as ErrorCode) : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `ogg` may carry audio or video; `mp4`/`webm` carry either too (an m4a is an mp4). */
function mimeFamilyMatches(sniffed: string, family: string | undefined): boolean {
  if (['mp4', 'webm', 'ogg'].includes(sniffed)) return family === 'video' || family === 'audio';
  if (['mp3', 'wav'].includes(sniffed)) return family === 'audio';
  return family === 'image';
}

function defaultName(kind: string, mime: string, index: number): string {
  const ext = (mime.split('/')[1] ?? 'bin')
    .replace('jpeg', 'jpg')
    .replace('mpeg', 'mp3')
    .replace(/[^\w]/g, '');
  return `${kind}${index > 0 ? `-${index + 1}` : ''}.${ext}`;
}

/** The server's `Content-Disposition` filename when it is a plain name, else one from the kind and type. */
function filenameOf(response: Response, kind: string, mime: string): string {
  const match = /filename="?([\w.-]{1,200})"?/.exec(response.headers.get('content-disposition') ?? '');
  return match?.[1] ?? defaultName(kind, mime, 0);
}
