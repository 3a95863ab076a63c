import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { ImageSplice } from '../../../src/engine/onnx/decode-request.js';
import { detectLayout } from '../../../src/engine/onnx/decoder-layout.js';
import { floatTensor, numbersTensor, readFloat32 } from '../../../src/engine/onnx/tensors.js';

/** Paths, references and a full-recompute oracle for the fixture bundles (test/fixtures/models). */

export const modelsDir = fileURLToPath(new URL('../../fixtures/models/', import.meta.url));
export const model = (bundle: 'plain' | 'merged' | 'f16', file: string) => `${modelsDir}${bundle}/${file}`;

export const PLAIN = model('plain', 'decoder_model.onnx');
export const F16 = model('f16', 'decoder_model.onnx');
export const MERGED = model('merged', 'decoder_model_merged.onnx');
export const EMBED = model('merged', 'embed_tokens.onnx');
export const VISION = model('merged', 'vision_encoder.onnx');
export const SEG_PROJECTOR = model('merged', 'seg_projector.onnx');

export const HIDDEN = 32;
export const VOCAB = 282;
export const SEG_ID = 17;
export const IMAGE_ID = 4;
export const EOS_ID = 2;

/** Written by generate.py from PyTorch: greedy continuation and last-position logits of `prompt`. */
export const references = JSON.parse(readFileSync(`${modelsDir}references.json`, 'utf8')) as {
  prompt: number[];
  greedy: number[];
  firstLogits: number[];
};

export const openSession = (path: string) =>
  ort.InferenceSession.create(path, { executionProviders: ['cpu'], intraOpNumThreads: 1 });

/** Deterministic pseudo-random features (N rows of width HIDDEN). */
export function fakeFeatures(rows: number, seed: number): Float32Array {
  const out = new Float32Array(rows * HIDDEN);
  let s = seed;
  for (let i = 0; i < out.length; i += 1) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = (s / 2147483648) * 4 - 2;
  }
  return out;
}

/**
 * Reference: the whole sequence in one pass with an empty cache (no KV reuse). Returns the
 * last position's logits and hidden state.
 */
export async function fullRecompute(
  decoder: ort.InferenceSession,
  ids: readonly number[],
  options: { embed?: ort.InferenceSession; images?: readonly ImageSplice[] } = {},
): Promise<{ logits: Float32Array; hidden: Float32Array }> {
  const layout = detectLayout(decoder);
  const type = (name: string) => layout.inputTypes.get(name) ?? 'int64';
  const feeds: Record<string, ort.Tensor> = {};
  let length = ids.length;
  if (layout.tokens === 'inputs_embeds') {
    const embed = options.embed;
    if (!embed) throw new Error('embed session required');
    const out = await embed.run({ input_ids: numbersTensor(ids, [1, ids.length], 'int64') });
    const rows = readFloat32(out.inputs_embeds as ort.Tensor);
    const parts: Float32Array[] = [];
    for (let i = 0; i < ids.length; i += 1) {
      const image = options.images?.find((im) => im.index === i);
      parts.push(image ? image.features : rows.subarray(i * HIDDEN, (i + 1) * HIDDEN));
    }
    length = parts.reduce((n, p) => n + p.length / HIDDEN, 0);
    const embeds = new Float32Array(length * HIDDEN);
    let at = 0;
    for (const p of parts) {
      embeds.set(p, at);
      at += p.length;
    }
    feeds.inputs_embeds = floatTensor(embeds, [1, length, HIDDEN], type('inputs_embeds'));
  } else {
    feeds.input_ids = numbersTensor(ids, [1, length], type('input_ids'));
  }
  feeds.attention_mask = numbersTensor(new Array(length).fill(1), [1, length], type('attention_mask'));
  if (layout.positionIds) {
    feeds.position_ids = numbersTensor(
      Array.from({ length }, (_, i) => i),
      [1, length],
      type('position_ids'),
    );
  }
  if (layout.useCacheBranch) feeds.use_cache_branch = numbersTensor([0], [1], 'bool');
  for (const { past } of layout.cache) {
    feeds[past] = floatTensor(new Float32Array(0), [1, layout.kvHeads, 0, layout.headDim], type(past));
  }
  const out = await decoder.run(feeds);
  const logits = out.logits as ort.Tensor;
  const hidden = out.last_hidden_state as ort.Tensor;
  return {
    logits: readFloat32(logits, (length - 1) * VOCAB, VOCAB),
    hidden: readFloat32(hidden, (length - 1) * HIDDEN, HIDDEN),
  };
}

/** Largest absolute elementwise difference. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < a.length; i += 1) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}
