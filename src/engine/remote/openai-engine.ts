import { LlmbindError } from '../../core/errors.js';
import type { Engine, EngineContext, EngineEvent, EngineTurn, TaskCall } from '../engine.js';
import type { ParsedEvent, ParsedTaskCall } from '../protocol/parsed-event.js';
import { TaskStreamParser } from '../protocol/task-parser.js';
import { DEFAULT_TASK_TOKENS, type TaskTag, taskTagsOf } from '../protocol/task-tags.js';
import { deadline, describeError, fetchWithRetry, httpError, safeUrl, scrub } from './http-call.js';
import { DEFAULT_OPENAI_ENGINE_OPTIONS, type OpenAiEngineOptions } from './openai-engine-options.js';
import { buildChatRequest, type Chunk, ChunkSchema, dataUrl } from './openai-wire.js';
import { readSse } from './sse-parser.js';

/** The options with every default applied. */
type Resolved = OpenAiEngineOptions &
  Required<Pick<OpenAiEngineOptions, keyof typeof DEFAULT_OPENAI_ENGINE_OPTIONS>>;

/** Longest piece of the user's words put before a `[SEG]` sentence. */
const MAX_REFERRING_CHARS = 400;

/**
 * The Engine on an OpenAI-compatible chat completions server (vLLM, llama.cpp server, Ollama).
 * Task tokens are plain text to such servers: the streamed text goes through the same task-token
 * parser as in-process decoding, in its text mode. Retries happen only before the first byte of the
 * reply: once text has reached the user, a dropped stream is reported, not silently restarted.
 */
export class OpenAiEngine implements Engine {
  readonly #o: Resolved;
  readonly #tags: readonly TaskTag[];
  readonly #reserved: readonly string[];
  readonly #url: string;
  readonly #fetch: typeof fetch;
  readonly #inFlight = new Set<AbortController>();

  constructor(options: OpenAiEngineOptions) {
    this.#o = { ...DEFAULT_OPENAI_ENGINE_OPTIONS, ...options };
    const tags = taskTagsOf(options.taskTokens ?? DEFAULT_TASK_TOKENS);
    if (!tags.ok) throw new LlmbindError('config_invalid', tags.error.message, tags.error.details ?? {});
    this.#tags = tags.value;
    this.#reserved = [...this.#tags.map((t) => t.spelling), ...this.#o.reservedLiterals];
    this.#url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    if (!URL.canParse(this.#url))
      throw new LlmbindError('config_invalid', 'LLM server URL is not a URL', { key: 'LLMBIND_LLM_URL' });
    this.#fetch = options.fetch ?? fetch;
  }

  async *respond(context: EngineContext, signal?: AbortSignal): AsyncIterable<EngineEvent> {
    const started = performance.now();
    const o = this.#o;
    const prefill =
      context.forcedTask && o.prefillForcedTask
        ? this.#tags.find((t) => t.kind === context.forcedTask && t.role !== 'close')?.spelling
        : undefined;
    const body = JSON.stringify(
      await buildChatRequest({
        model: o.model,
        turns: context.turns,
        sampling: context.sampling,
        reserved: this.#reserved,
        maxImages: o.maxImages,
        imageUrl: o.imageUrl ?? dataUrl,
        stop: o.stop,
        ...(o.systemPrompt ? { systemPrompt: o.systemPrompt } : {}),
        ...(prefill ? { prefill } : {}),
      }),
    );
    const call = deadline(signal, o.requestTimeoutMs, 'the LLM server');
    this.#inFlight.add(call.controller);
    const secrets = o.apiKey ? [o.apiKey] : [];
    const parser = new TaskStreamParser({ tags: this.#tags });
    const userWords = lastUserText(context.turns);
    let idle: NodeJS.Timeout | undefined;
    try {
      const response = await fetchWithRetry(
        this.#url,
        () => ({
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'text/event-stream',
            ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}),
          },
          body,
        }),
        {
          fetch: this.#fetch,
          retry: o.retry,
          signal: call.signal,
          ...(o.random ? { random: o.random } : {}),
          onRetry: (info) =>
            o.logger.warn({ ...info, url: safeUrl(this.#url) }, 'LLM server busy or unreachable; retrying'),
        },
      );
      if (!response.ok)
        throw await httpError(response, 'the LLM server', this.#url, secrets, 'engine_failed');
      if (!response.body) throw new LlmbindError('engine_failed', 'the LLM server sent no body');

      const armIdle = (): void => {
        clearTimeout(idle);
        idle = setTimeout(() => {
          call.controller.abort(
            new LlmbindError('timeout', `the LLM server sent nothing for ${o.idleTimeoutMs} ms`, {
              idleTimeoutMs: o.idleTimeoutMs,
            }),
          );
        }, o.idleTimeoutMs);
      };
      armIdle();
      let firstTokenMs = -1;
      let chunks = 0;
      let usageTokens: number | undefined;
      let finish: string | undefined;
      let sawDone = false;
      const convert = (events: readonly ParsedEvent[]): EngineEvent[] =>
        events.map((e) => (e.type === 'task' ? { type: 'task', call: this.#toCall(e.call, userWords) } : e));
      if (prefill) yield* convert(parser.feedText(prefill));

      for await (const event of readSse(response.body)) {
        armIdle();
        if (event.data === '[DONE]') {
          sawDone = true;
          break;
        }
        const chunk = parseChunk(event.data);
        if (chunk.error)
          throw new LlmbindError(
            'engine_failed',
            `the LLM server failed mid-reply: ${scrub(chunk.error.message ?? '', secrets).slice(0, 300)}`,
          );
        if (chunk.usage) usageTokens = chunk.usage.completion_tokens;
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const content = choice.delta?.content;
        if (content) {
          if (firstTokenMs < 0) firstTokenMs = performance.now() - started;
          chunks += 1;
          yield* convert(parser.feedText(content));
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
      if (!sawDone && finish === undefined)
        throw new LlmbindError('engine_failed', 'the LLM server closed the stream before the reply ended', {
          received: parser.raw.length,
        });
      yield* convert(parser.finish());
      yield {
        type: 'done',
        raw: parser.raw,
        tokens: usageTokens ?? chunks,
        finishReason: finish === 'length' ? 'length' : 'stop',
        firstTokenMs,
      };
    } catch (error) {
      const settled = call.settle(error);
      if (settled instanceof Error && (settled.name === 'AbortError' || LlmbindError.isInstance(settled)))
        throw settled;
      throw new LlmbindError('engine_failed', `the LLM server: ${scrub(describeError(settled), secrets)}`, {
        url: safeUrl(this.#url),
      });
    } finally {
      clearTimeout(idle);
      // Closes the connection whatever ended the reply (done, error, or the consumer stopped reading).
      call.controller.abort();
      this.#inFlight.delete(call.controller);
    }
  }

  /** Aborts replies still streaming. */
  async close(): Promise<void> {
    for (const controller of this.#inFlight) controller.abort();
    this.#inFlight.clear();
  }

  /** A parsed call as a TaskCall; never a segEmbedding, as no hidden state crosses this API. */
  #toCall(call: ParsedTaskCall, userWords: string): TaskCall {
    if (call.kind !== 'segmentation' || this.#o.segmentationPrompt === 'sentence' || !userWords)
      return { kind: call.kind, prompt: call.prompt, index: call.index };
    // No hidden state over this API: the mask model gets the referring text instead.
    const prompt = call.prompt ? `${userWords}\n${call.prompt}` : userWords;
    return { kind: call.kind, prompt, index: call.index };
  }
}

/** The latest user turn's words, whitespace collapsed and shortened from the front. */
function lastUserText(turns: readonly EngineTurn[]): string {
  const text = [...turns].reverse().find((t) => t.role === 'user')?.text ?? '';
  const collapsed = text.replace(/\s+/g, ' ').trim();
  return collapsed.length > MAX_REFERRING_CHARS ? collapsed.slice(-MAX_REFERRING_CHARS) : collapsed;
}

function parseChunk(data: string): Chunk {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new LlmbindError('engine_failed', 'the LLM server sent an unreadable stream event', {
      length: data.length,
    });
  }
  const parsed = ChunkSchema.safeParse(json);
  if (!parsed.success)
    throw new LlmbindError('engine_failed', 'the LLM server sent a stream event of an unknown shape');
  return parsed.data;
}
