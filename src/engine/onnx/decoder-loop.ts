import { performance } from 'node:perf_hooks';
import type * as ort from 'onnxruntime-node';
import { LlmbindError } from '../../core/errors.js';
import type { DecodeRequest, DecodeStats, StopSignal, TokenEvent } from './decode-request.js';
import { type DecoderLayout, detectLayout } from './decoder-layout.js';
import { banTokens, createRng, sampleToken } from './sampling.js';
import { floatTensor, numbersTensor, onesMask, readFloat32 } from './tensors.js';

/**
 * The autoregressive loop: prefill, then one KV-cached pass per token. Runs wherever its sessions live
 * (the pool's workers; tests call it in-process), so the KV cache never leaves the thread that owns it:
 * each pass's `present.*` tensors are fed back as the next pass's `past_key_values.*` untouched.
 */

/** The sessions a loop uses. */
export interface LoopSessions {
  readonly decoder: ort.InferenceSession;
  /** Required when the decoder takes `inputs_embeds`. */
  readonly embedTokens?: ort.InferenceSession;
}

/** Callbacks of one loop. */
export interface LoopHooks {
  /** Each generated token, in order (stop tokens are not emitted). */
  onToken(event: TokenEvent): void;
  /** Polled before every pass; a value ends the loop with a `cancelled` / `timeout` LlmbindError. */
  shouldStop?(): StopSignal | undefined;
  /** Raw last-position logits of each pass that samples a token (before constraints); for tests. */
  onLogits?(index: number, logits: Float32Array): void;
}

function badInput(message: string): never {
  throw new LlmbindError('bad_input', message);
}

function stopError(signal: StopSignal): LlmbindError {
  return signal === 'abort'
    ? new LlmbindError('cancelled', 'generation cancelled')
    : new LlmbindError('timeout', 'generation timed out');
}

/** Runs sessions and keeps the time spent inside `session.run`. */
class Runner {
  runMs = 0;
  passes = 0;

  async run(
    session: ort.InferenceSession,
    feeds: Record<string, ort.Tensor>,
  ): Promise<ort.InferenceSession.ReturnType> {
    const t0 = performance.now();
    try {
      return await session.run(feeds);
    } finally {
      this.runMs += performance.now() - t0;
    }
  }
}

/** Embeds token ids: float32 rows [S×H] and H. */
async function embedIds(
  session: ort.InferenceSession,
  ids: readonly number[],
  runner: Runner,
): Promise<{ rows: Float32Array; hidden: number }> {
  const meta = session.inputMetadata.find((m) => m.name === 'input_ids');
  const type = meta?.isTensor ? meta.type : 'int64';
  const out = await runner.run(session, { input_ids: numbersTensor(ids, [1, ids.length], type) });
  const tensor = out.inputs_embeds ?? out[session.outputNames[0] ?? ''];
  if (!tensor) throw new LlmbindError('bundle_invalid', 'embed_tokens: no inputs_embeds output');
  const hidden = tensor.dims[2] ?? 0;
  return { rows: readFloat32(tensor), hidden };
}

/** Prompt embeddings with each spliced image's N rows in place of its `<image>` token's row. */
function spliceImages(
  rows: Float32Array,
  hidden: number,
  request: DecodeRequest,
): { embeds: Float32Array; positions: number } {
  const images = [...(request.images ?? [])].sort((a, b) => a.index - b.index);
  const count = request.promptIds.length;
  let positions = count;
  for (const [k, image] of images.entries()) {
    if (!Number.isInteger(image.index) || image.index < 0 || image.index >= count) {
      badInput(`image ${k} replaces token ${image.index}, outside the prompt`);
    }
    if (k > 0 && images[k - 1]?.index === image.index) badInput(`two images replace token ${image.index}`);
    const n = image.features.length / hidden;
    if (!Number.isInteger(n) || n < 1) {
      badInput(`image ${k}: ${image.features.length} feature values are not rows of width ${hidden}`);
    }
    positions += n - 1;
  }
  const embeds = new Float32Array(positions * hidden);
  let row = 0;
  let from = 0;
  for (const image of images) {
    embeds.set(rows.subarray(from * hidden, image.index * hidden), row * hidden);
    row += image.index - from;
    embeds.set(image.features, row * hidden);
    row += image.features.length / hidden;
    from = image.index + 1;
  }
  embeds.set(rows.subarray(from * hidden), row * hidden);
  return { embeds, positions };
}

/** The inputs of one pass other than the tokens and the cache. */
function sequenceFeeds(
  layout: DecoderLayout,
  start: number,
  length: number,
  cached: boolean,
): Record<string, ort.Tensor> {
  const type = (name: string) => layout.inputTypes.get(name) ?? 'int64';
  const total = start + length;
  const feeds: Record<string, ort.Tensor> = {
    attention_mask: onesMask(total, type('attention_mask')),
  };
  if (layout.positionIds) {
    const positions = Array.from({ length }, (_, i) => start + i);
    feeds.position_ids = numbersTensor(positions, [1, length], type('position_ids'));
  }
  if (layout.useCacheBranch)
    feeds.use_cache_branch = numbersTensor([cached ? 1 : 0], [1], type('use_cache_branch'));
  return feeds;
}

/** Empty past tensors [1, kvh, 0, hd] for the first pass. */
function emptyCache(layout: DecoderLayout): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const { past } of layout.cache) {
    feeds[past] = floatTensor(
      new Float32Array(0),
      [1, layout.kvHeads, 0, layout.headDim],
      layout.inputTypes.get(past) ?? 'float32',
    );
  }
  return feeds;
}

/** Generates from `request` with the given sessions. Throws LlmbindError (`cancelled`, `timeout`, …). */
export async function runDecoderLoop(
  sessions: LoopSessions,
  request: DecodeRequest,
  hooks: LoopHooks,
): Promise<DecodeStats> {
  const t0 = performance.now();
  const layout = detectLayout(sessions.decoder, request.kv);
  const runner = new Runner();
  const { promptIds } = request;
  if (promptIds.length === 0) badInput('empty prompt');
  if (!Number.isInteger(request.maxNewTokens) || request.maxNewTokens < 1)
    badInput('maxNewTokens must be >= 1');
  const contextLength = request.contextLength ?? Number.POSITIVE_INFINITY;
  const check = () => {
    const signal = hooks.shouldStop?.();
    if (signal) throw stopError(signal);
  };
  const tokenType = layout.inputTypes.get(layout.tokens) ?? 'float32';
  const embed = async (ids: readonly number[]) => {
    if (!sessions.embedTokens)
      throw new LlmbindError('bundle_invalid', 'decoder takes inputs_embeds: embed_tokens is required');
    return embedIds(sessions.embedTokens, ids, runner);
  };

  // Prefill.
  check();
  let feeds: Record<string, ort.Tensor>;
  let positions: number;
  if (layout.tokens === 'inputs_embeds') {
    const { rows, hidden } = await embed(promptIds);
    const spliced = spliceImages(rows, hidden, request);
    positions = spliced.positions;
    feeds = { inputs_embeds: floatTensor(spliced.embeds, [1, positions, hidden], tokenType) };
  } else {
    if (request.images?.length)
      badInput('this decoder takes input_ids: images need an inputs_embeds decoder');
    positions = promptIds.length;
    feeds = { input_ids: numbersTensor(promptIds, [1, positions], tokenType) };
  }
  if (positions >= contextLength) {
    throw new LlmbindError(
      'input_too_large',
      `prompt of ${positions} positions leaves no room in a context of ${contextLength}`,
    );
  }
  const promptPositions = positions;
  Object.assign(feeds, sequenceFeeds(layout, 0, positions, false), emptyCache(layout));

  const rng = createRng(request.seed);
  const stopIds = new Set(request.stopTokenIds);
  const captureIds = new Set(request.captureHiddenFor ?? []);
  const required = new Set(request.constraint?.require ?? []);
  const banned = new Set(request.constraint?.ban ?? []);
  let constrained = required.size > 0 && banned.size > 0;
  let emitted = 0;
  let firstTokenMs = -1;
  let finishReason: 'stop' | 'length' | undefined;
  let stopTokenId: number | undefined;
  let held: number | undefined; // a capture token waiting for the pass that feeds it
  const emit = (event: TokenEvent) => {
    if (firstTokenMs < 0) firstTokenMs = performance.now() - t0;
    emitted += 1;
    hooks.onToken(event);
  };

  let out = await runner.run(sessions.decoder, feeds);
  runner.passes += 1;
  for (;;) {
    const logitsTensor = out.logits;
    if (!logitsTensor) throw new LlmbindError('bundle_invalid', 'decoder: no logits output');
    const seq = logitsTensor.dims[1] ?? 1;
    if (held !== undefined) {
      const hiddenTensor = out.last_hidden_state;
      const width = hiddenTensor?.dims[2] ?? 0;
      emit({
        tokenId: held,
        ...(hiddenTensor ? { hidden: readFloat32(hiddenTensor, (seq - 1) * width, width) } : {}),
      });
      held = undefined;
    }
    if (finishReason) break;
    const vocab = logitsTensor.dims[2] ?? 0;
    const logits = readFloat32(logitsTensor, (seq - 1) * vocab, vocab);
    hooks.onLogits?.(emitted, logits);
    if (constrained) banTokens(logits, banned);
    const forceAfter = request.constraint?.forceAfter;
    // Past the deadline a still-missing required token is written outright (its likeliest spelling).
    const token =
      constrained && forceAfter !== undefined && emitted >= forceAfter
        ? bestOf(logits, required)
        : sampleToken(logits, request, rng);
    if (stopIds.has(token)) {
      finishReason = 'stop';
      stopTokenId = token;
      break;
    }
    if (required.has(token)) constrained = false;
    // Prompt plus generated tokens stay within the context (the last token is sampled, not fed).
    if (emitted + 1 >= request.maxNewTokens || positions + 1 >= contextLength) finishReason = 'length';
    // A capture token is fed back even when it is the last one: that pass gives its hidden state.
    if (captureIds.has(token) && layout.hasHidden && positions < contextLength) held = token;
    else emit({ tokenId: token });
    if (finishReason && held === undefined) break;

    // Feed the token back: one new position, the cache from the previous pass.
    check();
    const step =
      layout.tokens === 'inputs_embeds'
        ? await embed([token]).then(({ rows, hidden }) => floatTensor(rows, [1, 1, hidden], tokenType))
        : numbersTensor([token], [1, 1], tokenType);
    feeds = { [layout.tokens]: step, ...sequenceFeeds(layout, positions, 1, true) };
    for (const { past, present } of layout.cache) {
      const tensor = out[present];
      if (!tensor) throw new LlmbindError('bundle_invalid', `decoder: no ${present} output`);
      feeds[past] = tensor;
    }
    positions += 1;
    out = await runner.run(sessions.decoder, feeds);
    runner.passes += 1;
  }

  return {
    tokens: emitted,
    finishReason: finishReason ?? 'length',
    ...(stopTokenId !== undefined ? { stopTokenId } : {}),
    promptPositions,
    firstTokenMs,
    runMs: runner.runMs,
    totalMs: performance.now() - t0,
    passes: runner.passes,
  };
}

/** The id among `ids` with the highest logit. */
function bestOf(logits: Float32Array, ids: ReadonlySet<number>): number {
  let best = -1;
  for (const id of ids) if (best < 0 || (logits[id] ?? -Infinity) > (logits[best] ?? -Infinity)) best = id;
  return best;
}
