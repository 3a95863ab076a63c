import type * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { LlmbindError } from '../../../src/core/errors.js';
import type { DecodeRequest, TokenEvent } from '../../../src/engine/onnx/decode-request.js';
import { type LoopHooks, type LoopSessions, runDecoderLoop } from '../../../src/engine/onnx/decoder-loop.js';
import { argmax } from '../../../src/engine/onnx/sampling.js';
import {
  EMBED,
  F16,
  fakeFeatures,
  fullRecompute,
  HIDDEN,
  IMAGE_ID,
  MERGED,
  maxAbsDiff,
  openSession,
  PLAIN,
  references,
  SEG_ID,
} from './fixtures.js';

const greedy = (over: Partial<DecodeRequest> = {}): DecodeRequest => ({
  decoder: PLAIN,
  promptIds: references.prompt,
  maxNewTokens: 16,
  temperature: 0,
  topP: 1,
  seed: 0,
  stopTokenIds: [],
  ...over,
});

interface Collected {
  tokens: number[];
  events: TokenEvent[];
  logits: Float32Array[];
}

async function collect(sessions: LoopSessions, request: DecodeRequest, hooks: Partial<LoopHooks> = {}) {
  const got: Collected = { tokens: [], events: [], logits: [] };
  const stats = await runDecoderLoop(sessions, request, {
    onToken: (e) => {
      got.tokens.push(e.tokenId);
      got.events.push(e);
    },
    onLogits: (_, l) => got.logits.push(l),
    ...hooks,
  });
  return { ...got, stats };
}

/** A session whose `run` calls are counted. */
function counted(session: ort.InferenceSession): { session: ort.InferenceSession; runs: () => number } {
  let runs = 0;
  const wrapper = Object.create(session) as ort.InferenceSession;
  Object.defineProperty(wrapper, 'run', {
    value: (...args: Parameters<ort.InferenceSession['run']>) => {
      runs += 1;
      return session.run(...args);
    },
  });
  return { session: wrapper, runs: () => runs };
}

let plain: ort.InferenceSession;
let f16: ort.InferenceSession;
let merged: ort.InferenceSession;
let embed: ort.InferenceSession;

beforeAll(async () => {
  [plain, f16, merged, embed] = await Promise.all([
    openSession(PLAIN),
    openSession(F16),
    openSession(MERGED),
    openSession(EMBED),
  ]);
});

describe('KV-cache decoding matches full recompute', () => {
  it('plain (input_ids, position_ids): same tokens and logits within 1e-4, and matches PyTorch', async () => {
    const { tokens, logits, stats } = await collect({ decoder: plain }, greedy());
    expect(tokens).toEqual(references.greedy.slice(0, 16));
    expect(maxAbsDiff(logits[0] as Float32Array, references.firstLogits)).toBeLessThan(1e-4);
    for (let k = 0; k < tokens.length; k += 1) {
      const ref = await fullRecompute(plain, [...references.prompt, ...tokens.slice(0, k)]);
      expect(maxAbsDiff(logits[k] as Float32Array, ref.logits)).toBeLessThan(1e-4);
      expect(argmax(ref.logits)).toBe(tokens[k]);
    }
    expect(stats).toMatchObject({ tokens: 16, finishReason: 'length', passes: 16, promptPositions: 12 });
    expect(stats.runMs).toBeGreaterThan(0);
    expect(stats.runMs).toBeLessThanOrEqual(stats.totalMs);
  });

  it('merged (inputs_embeds via embed_tokens, use_cache_branch): same tokens and logits', async () => {
    const { tokens, logits } = await collect(
      { decoder: merged, embedTokens: embed },
      greedy({ decoder: MERGED }),
    );
    // The merged fixture shares the plain one's weights: same continuation.
    expect(tokens).toEqual(references.greedy.slice(0, 16));
    for (let k = 0; k < tokens.length; k += 1) {
      const ref = await fullRecompute(merged, [...references.prompt, ...tokens.slice(0, k)], { embed });
      expect(maxAbsDiff(logits[k] as Float32Array, ref.logits)).toBeLessThan(1e-4);
    }
  });

  it('f16 (float16 cache and logits, int32 ids): casts both ways, same tokens, logits within f16 rounding', async () => {
    const { tokens, logits } = await collect({ decoder: f16 }, greedy({ decoder: F16 }));
    expect(tokens).toEqual(references.greedy.slice(0, 16));
    for (let k = 0; k < tokens.length; k += 1) {
      const ref = await fullRecompute(f16, [...references.prompt, ...tokens.slice(0, k)]);
      // Recompute keeps K/V in float32 inside the graph; the cache round-trips them through float16.
      expect(maxAbsDiff(logits[k] as Float32Array, ref.logits)).toBeLessThan(0.05);
    }
    expect(maxAbsDiff(logits[0] as Float32Array, references.firstLogits)).toBeLessThan(0.02);
  });
});

describe('image features', () => {
  const prompt = [1, IMAGE_ID, ...references.prompt.slice(1)];

  it('are spliced N rows in place of <image>, positions advancing by N', async () => {
    const images = [{ index: 1, features: fakeFeatures(4, 7) }];
    const request = greedy({ decoder: MERGED, promptIds: prompt, images, maxNewTokens: 8 });
    const { tokens, logits, stats } = await collect({ decoder: merged, embedTokens: embed }, request);
    expect(stats.promptPositions).toBe(prompt.length + 3);
    for (let k = 0; k < tokens.length; k += 1) {
      const ref = await fullRecompute(merged, [...prompt, ...tokens.slice(0, k)], { embed, images });
      expect(maxAbsDiff(logits[k] as Float32Array, ref.logits)).toBeLessThan(1e-4);
    }
    const without = await collect({ decoder: merged, embedTokens: embed }, { ...request, images: [] });
    expect(maxAbsDiff(without.logits[0] as Float32Array, logits[0] as Float32Array)).toBeGreaterThan(0.1);
    expect(without.tokens).not.toEqual(tokens);
  });

  it('handles several images of different sizes', async () => {
    const twoImages = [1, IMAGE_ID, 50, IMAGE_ID, ...references.prompt.slice(1)];
    const images = [
      { index: 3, features: fakeFeatures(2, 3) },
      { index: 1, features: fakeFeatures(5, 9) },
    ];
    const request = greedy({ decoder: MERGED, promptIds: twoImages, images, maxNewTokens: 4 });
    const { tokens, logits, stats } = await collect({ decoder: merged, embedTokens: embed }, request);
    expect(stats.promptPositions).toBe(twoImages.length + 4 + 1);
    const ref = await fullRecompute(merged, [...twoImages, ...tokens.slice(0, 3)], { embed, images });
    expect(maxAbsDiff(logits[3] as Float32Array, ref.logits)).toBeLessThan(1e-4);
  });

  it('are refused by an input_ids decoder and checked against the hidden width', async () => {
    const images = [{ index: 1, features: fakeFeatures(4, 7) }];
    await expect(collect({ decoder: plain }, greedy({ promptIds: prompt, images }))).rejects.toMatchObject({
      code: 'bad_input',
    });
    const ragged = [{ index: 1, features: new Float32Array(HIDDEN + 3) }];
    await expect(
      collect(
        { decoder: merged, embedTokens: embed },
        greedy({ decoder: MERGED, promptIds: prompt, images: ragged }),
      ),
    ).rejects.toMatchObject({ code: 'bad_input' });
  });
});

describe('sampling', () => {
  const sampled = (seed: number) => greedy({ temperature: 1.2, topP: 0.95, seed, maxNewTokens: 24 });

  it('is reproducible with a seed and varies across seeds', async () => {
    const a = await collect({ decoder: plain }, sampled(42));
    const b = await collect({ decoder: plain }, sampled(42));
    const c = await collect({ decoder: plain }, sampled(43));
    expect(a.tokens).toEqual(b.tokens);
    expect(c.tokens).not.toEqual(a.tokens);
    expect(a.tokens).not.toEqual(references.greedy);
  });

  it('greedy output is varied (the fixture is not degenerate)', async () => {
    const { tokens } = await collect({ decoder: plain }, greedy({ maxNewTokens: 24 }));
    expect(new Set(tokens).size).toBeGreaterThanOrEqual(8);
  });
});

describe('constraint, stop tokens, limits', () => {
  it('bans tokens until a required token is generated, then lifts the ban', async () => {
    const banned = [...new Set(references.greedy.slice(0, 6))];
    const { tokens } = await collect(
      { decoder: plain },
      greedy({ constraint: { require: [SEG_ID], ban: [...banned, 2] }, maxNewTokens: 24 }),
    );
    const at = tokens.indexOf(SEG_ID);
    const before = at < 0 ? tokens : tokens.slice(0, at);
    for (const t of before) expect(banned).not.toContain(t);
    expect(tokens).not.toEqual(references.greedy.slice(0, 24));
  });

  it('forces a task token by banning everything else until it appears', async () => {
    const everythingElse = Array.from({ length: 282 }, (_, i) => i).filter((i) => i !== 5);
    const { tokens } = await collect(
      { decoder: plain },
      greedy({ constraint: { require: [5], ban: everythingElse }, maxNewTokens: 6 }),
    );
    expect(tokens[0]).toBe(5);
    // After <gen> the ban is lifted: decoding continues freely (not only token 5).
    expect(new Set(tokens).size).toBeGreaterThan(1);
  });

  it('stops on a stop token without emitting it', async () => {
    const stop = references.greedy[2] as number; // first occurrence is at index 2
    const { tokens, stats } = await collect({ decoder: plain }, greedy({ stopTokenIds: [stop] }));
    expect(tokens).toEqual(references.greedy.slice(0, 2));
    expect(stats).toMatchObject({ finishReason: 'stop', stopTokenId: stop, tokens: 2 });
  });

  it('keeps prompt + generated tokens within the context length', async () => {
    const { tokens, stats } = await collect({ decoder: plain }, greedy({ contextLength: 15 }));
    expect(tokens).toHaveLength(3);
    expect(stats.finishReason).toBe('length');
    await expect(collect({ decoder: plain }, greedy({ contextLength: 12 }))).rejects.toMatchObject({
      code: 'input_too_large',
    });
  });
});

describe('[SEG] hidden state', () => {
  const forceSeg = {
    require: [SEG_ID],
    ban: Array.from({ length: 282 }, (_, i) => i).filter((i) => i !== SEG_ID),
  };

  it('is captured from the pass that feeds [SEG] back (LISA semantics)', async () => {
    const request = greedy({
      decoder: MERGED,
      constraint: forceSeg,
      captureHiddenFor: [SEG_ID],
      maxNewTokens: 4,
    });
    const { events } = await collect({ decoder: merged, embedTokens: embed }, request);
    expect(events[0]?.tokenId).toBe(SEG_ID);
    const ref = await fullRecompute(merged, [...references.prompt, SEG_ID], { embed });
    expect(events[0]?.hidden).toHaveLength(HIDDEN);
    expect(maxAbsDiff(events[0]?.hidden as Float32Array, ref.hidden)).toBeLessThan(1e-4);
    for (const e of events.slice(1)) if (e.tokenId !== SEG_ID) expect(e.hidden).toBeUndefined();
  });

  it('takes one extra pass when [SEG] is the last token', async () => {
    const request = greedy({ constraint: forceSeg, captureHiddenFor: [SEG_ID], maxNewTokens: 1 });
    const { events, stats } = await collect({ decoder: plain }, request);
    expect(events).toHaveLength(1);
    expect(stats.passes).toBe(2);
    const ref = await fullRecompute(plain, [...references.prompt, SEG_ID]);
    expect(maxAbsDiff(events[0]?.hidden as Float32Array, ref.hidden)).toBeLessThan(1e-4);
  });

  it('works through the float16 graph', async () => {
    const request = greedy({
      decoder: F16,
      constraint: forceSeg,
      captureHiddenFor: [SEG_ID],
      maxNewTokens: 2,
    });
    const { events } = await collect({ decoder: f16 }, request);
    const ref = await fullRecompute(plain, [...references.prompt, SEG_ID]);
    expect(maxAbsDiff(events[0]?.hidden as Float32Array, ref.hidden)).toBeLessThan(0.01);
  });
});

describe('cancellation', () => {
  it('stops before the next pass once told to', async () => {
    const { session, runs } = counted(plain);
    let stopAfter = Number.POSITIVE_INFINITY;
    let runsAtStop = 0;
    const tokens: number[] = [];
    const error = await runDecoderLoop({ decoder: session }, greedy({ maxNewTokens: 100 }), {
      onToken: (e) => {
        tokens.push(e.tokenId);
        if (tokens.length === 3) {
          stopAfter = 3;
          runsAtStop = runs();
        }
      },
      shouldStop: () => (tokens.length >= stopAfter ? 'abort' : undefined),
    }).catch((e: unknown) => e);
    expect(LlmbindError.isInstance(error) && error.code).toBe('cancelled');
    expect(tokens).toHaveLength(3);
    expect(runs() - runsAtStop).toBe(0);
  });

  it('reports timeouts with their own code', async () => {
    const error = await runDecoderLoop({ decoder: plain }, greedy(), {
      onToken: () => {},
      shouldStop: () => 'timeout',
    }).catch((e: unknown) => e);
    expect(LlmbindError.isInstance(error) && error.code).toBe('timeout');
  });
});
