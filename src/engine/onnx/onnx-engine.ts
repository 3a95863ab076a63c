import { LlmbindError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { AsyncQueue } from '../async-queue.js';
import { type LoadedBundle, loadBundle } from '../bundle/load-bundle.js';
import type { Engine, EngineContext, EngineEvent, TaskCall } from '../engine.js';
import { ChatPromptRenderer } from '../protocol/chat-template.js';
import type { ParsedEvent } from '../protocol/parsed-event.js';
import { StreamDecoder } from '../protocol/stream-decoder.js';
import { TaskStreamParser } from '../protocol/task-parser.js';
import { type TaskTag, taskTagIds, taskTagsOf } from '../protocol/task-tags.js';
import { HfTokenizer } from '../protocol/tokenizer.js';
import type { DecodeRequest, ImageSplice, TokenConstraint, TokenEvent } from './decode-request.js';
import type { OnnxPool } from './onnx-pool.js';
import { castHost } from './tensors.js';
import { pixelValues } from './vision.js';

/** What the in-process engine needs besides the bundle. */
export interface OnnxEngineOptions {
  readonly pool: OnnxPool;
  readonly logger: Logger;
  /** A reply that takes longer is cancelled with a `timeout` error. */
  readonly requestTimeoutMs: number;
}

/** Tokens a forced-task reply may write before the task's tag is written for it. */
const FORCE_TASK_AFTER = 48;

function unwrap<T>(
  result: { ok: true; value: T } | { ok: false; error: { code: string; message: string } },
  file: string,
): T {
  if (result.ok) return result.value;
  throw new LlmbindError('bundle_invalid', `${file}: ${result.error.message}`, { file });
}

/**
 * The in-process Engine: an LLMBind-style model bundle on onnxruntime-node. The decoder loop runs in
 * the worker pool (the KV cache never crosses threads); this class renders the prompt, encodes images,
 * turns streamed token ids into text and task calls, and applies the seg projector to `[SEG]` states.
 */
export class OnnxEngine implements Engine {
  private constructor(
    private readonly bundle: LoadedBundle,
    private readonly tokenizer: HfTokenizer,
    private readonly renderer: ChatPromptRenderer,
    private readonly tags: readonly TaskTag[],
    private readonly tagIds: ReadonlyMap<number, TaskTag>,
    private readonly stopIds: readonly number[],
    private readonly options: OnnxEngineOptions,
  ) {}

  /** Loads and validates the bundle (sessions open in the pool's workers). */
  static async create(bundleDir: string, options: OnnxEngineOptions): Promise<OnnxEngine> {
    const bundle = await loadBundle(bundleDir, async (path) => {
      const info = await options.pool.inspect(path);
      return { inputNames: info.inputs.map((i) => i.name), outputNames: info.outputs.map((o) => o.name) };
    });
    const { llm } = bundle.manifest;
    const tokenizerFile = `${bundleDir}/${llm.tokenizer}`;
    const tokenizer = unwrap(HfTokenizer.fromJson(bundle.tokenizerJson), tokenizerFile);
    const tags = unwrap(taskTagsOf(llm.taskTokens), `${bundleDir}/manifest.json`);
    const tagIds = unwrap(taskTagIds(tags, tokenizer), tokenizerFile);
    const renderer = unwrap(
      ChatPromptRenderer.create(tokenizer, {
        template: llm.chatTemplate,
        imageToken: llm.imageToken,
        contextLength: llm.contextLength,
        ...(llm.vision ? { tokensPerImage: llm.vision.tokensPerImage } : {}),
      }),
      `${bundleDir}/manifest.json`,
    );
    const stopIds = [llm.eosToken, ...llm.stopTokens].map((t) => {
      const id = tokenizer.tokenToId(t);
      if (id === undefined)
        throw new LlmbindError('bundle_invalid', `${tokenizerFile}: no id for stop token '${t}'`);
      return id;
    });
    options.logger.info({ bundle: bundle.manifest.name, dir: bundleDir }, 'model bundle loaded');
    return new OnnxEngine(bundle, tokenizer, renderer, tags, tagIds, stopIds, options);
  }

  /** The validated bundle (task runners read their sections from it). */
  get loaded(): LoadedBundle {
    return this.bundle;
  }

  /** Tokens user `text` takes in this model (encoded as the chat template does: tags as plain text). */
  countTokens(text: string): number {
    return this.tokenizer.encodeUntrusted(text).length;
  }

  async *respond(context: EngineContext, signal?: AbortSignal): AsyncIterable<EngineEvent> {
    const started = performance.now();
    const cap = this.bundle.manifest.llm.maxNewTokens;
    const sampling = cap
      ? { ...context.sampling, maxNewTokens: Math.min(cap, context.sampling.maxNewTokens) }
      : context.sampling;
    const rendered = this.renderer.render(context.turns, sampling.maxNewTokens);
    if (!rendered.ok) throw new LlmbindError(rendered.error.code, rendered.error.message);
    const images = await this.encodeImages(rendered.value.images, signal);
    const request: DecodeRequest = {
      decoder: this.bundle.files.decoder,
      ...(this.bundle.files.embedTokens ? { embedTokens: this.bundle.files.embedTokens } : {}),
      promptIds: rendered.value.ids,
      ...(images.length > 0 ? { images } : {}),
      maxNewTokens: sampling.maxNewTokens,
      temperature: sampling.temperature,
      topP: sampling.topP,
      seed: sampling.seed,
      stopTokenIds: this.stopIds,
      captureHiddenFor: this.idsWhere((t) => t.role === 'marker'),
      contextLength: this.bundle.manifest.llm.contextLength,
      kv: {
        numKeyValueHeads: this.bundle.manifest.llm.numKeyValueHeads,
        headDim: this.bundle.manifest.llm.headDim,
      },
      ...(context.forcedTask
        ? { constraint: this.forceTask(context.forcedTask, sampling.maxNewTokens) }
        : {}),
    };

    const tokens = new AsyncQueue<TokenEvent>();
    const generation = this.options.pool
      .generate(request, {
        ...(signal ? { signal } : {}),
        timeoutMs: this.options.requestTimeoutMs,
        onToken: (event) => tokens.push(event),
      })
      .then(
        (stats) => {
          tokens.end();
          return stats;
        },
        (error: unknown) => {
          tokens.end(error);
          throw error;
        },
      );
    generation.catch(() => {}); // surfaced through the queue

    const parser = new TaskStreamParser({ tags: this.tags, tagIds: this.tagIds });
    const decoder = new StreamDecoder(this.tokenizer);
    let firstTokenMs = -1;
    for await (const event of tokens) {
      if (firstTokenMs < 0) firstTokenMs = performance.now() - started;
      yield* this.emit(parser.feedToken(event.tokenId, decoder.push(event.tokenId), event.hidden), signal);
    }
    const stats = await generation;
    const tail = decoder.flush();
    if (tail) yield* this.emit(parser.feedToken(-1, tail), signal);
    yield* this.emit(parser.finish(), signal);
    yield {
      type: 'done',
      raw: parser.raw,
      tokens: stats.tokens,
      finishReason: stats.finishReason,
      firstTokenMs,
    };
  }

  async close(): Promise<void> {}

  private idsWhere(predicate: (tag: TaskTag) => boolean): number[] {
    return [...this.tagIds].filter(([, tag]) => predicate(tag)).map(([id]) => id);
  }

  /** Forces a task: until its tag is written, stopping and every other task's tag are banned. */
  private forceTask(kind: EngineContext['forcedTask'], maxNewTokens: number): TokenConstraint {
    const starts = (tag: TaskTag) => tag.role === 'open' || tag.role === 'marker';
    return {
      require: this.idsWhere((t) => t.kind === kind && starts(t)),
      ban: [...this.stopIds, ...this.idsWhere((t) => t.kind !== kind && starts(t))],
      // Leave room for the span itself: a model that has not opened it by then gets it written.
      forceAfter: Math.min(FORCE_TASK_AFTER, Math.floor(maxNewTokens / 2)),
    };
  }

  private async encodeImages(
    images: readonly { position: number; image: { bytes: Uint8Array } }[],
    signal: AbortSignal | undefined,
  ): Promise<ImageSplice[]> {
    const vision = this.bundle.manifest.llm.vision;
    const encoder = this.bundle.files.visionEncoder;
    if (!vision || !encoder || images.length === 0) return [];
    const splices: ImageSplice[] = [];
    for (const { position, image } of images) {
      signal?.throwIfAborted();
      const pixels = await pixelValues(image.bytes, vision);
      const out = await this.options.pool.run(encoder, {
        pixel_values: { type: 'float32', data: pixels, dims: [1, 3, vision.size, vision.size] },
      });
      const features = out.image_features;
      if (!features) throw new LlmbindError('bundle_invalid', `${encoder}: no image_features output`);
      splices.push({ index: position, features: castHost(features, 'float32').data as Float32Array });
    }
    return splices;
  }

  private async *emit(
    events: readonly ParsedEvent[],
    signal: AbortSignal | undefined,
  ): AsyncIterable<EngineEvent> {
    for (const event of events) {
      if (event.type !== 'task') {
        yield event;
        continue;
      }
      const { segHiddenState, ...rest } = event.call;
      const segEmbedding = segHiddenState ? await this.project(segHiddenState, signal) : undefined;
      const call: TaskCall = segEmbedding ? { ...rest, segEmbedding } : rest;
      yield { type: 'task', call };
    }
  }

  /** `[SEG]` hidden state → prompt embedding for the mask decoder (LISA's projector). */
  private async project(
    hidden: Float32Array,
    signal: AbortSignal | undefined,
  ): Promise<Float32Array | undefined> {
    const projector = this.bundle.files.segProjector;
    // Without a projector the mask decoder gets the referring text instead (remote-LLM style).
    if (!projector) return undefined;
    signal?.throwIfAborted();
    const out = await this.options.pool.run(projector, {
      hidden_states: { type: 'float32', data: hidden, dims: [1, hidden.length] },
    });
    const embedding = out.seg_embeddings;
    if (!embedding) throw new LlmbindError('bundle_invalid', `${projector}: no seg_embeddings output`);
    return castHost(embedding, 'float32').data as Float32Array;
  }
}
