import type * as ort from 'onnxruntime-node';
import { LlmbindError } from '../../core/errors.js';

/**
 * What a decoder graph takes and gives, read from its input/output names and metadata
 * (docs/model-bundle.md): plain (`position_ids`) or merged (`use_cache_branch`) Optimum layouts,
 * token ids or embeddings in, float32 or float16 KV cache.
 */
export interface DecoderLayout {
  /** `input_ids` (ids in) or `inputs_embeds` (embed_tokens + image splicing). */
  readonly tokens: 'input_ids' | 'inputs_embeds';
  readonly useCacheBranch: boolean;
  readonly positionIds: boolean;
  readonly numLayers: number;
  /** Past input name → present output name, in layer order (key then value). */
  readonly cache: readonly { readonly past: string; readonly present: string }[];
  readonly kvHeads: number;
  readonly headDim: number;
  /** Declared element type of every input. */
  readonly inputTypes: ReadonlyMap<string, string>;
  /** Whether `last_hidden_state` is an output. */
  readonly hasHidden: boolean;
}

/** Session metadata as onnxruntime-node 1.30 exposes it (`inputMetadata` / `outputMetadata`). */
export type SessionShape = Pick<ort.InferenceSession, 'inputNames' | 'outputNames' | 'inputMetadata'>;

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;

function invalid(message: string): never {
  throw new LlmbindError('bundle_invalid', `decoder: ${message}`);
}

/** Reads the layout; `kv` fills in KV geometry the metadata leaves symbolic. */
export function detectLayout(
  session: SessionShape,
  kv?: { readonly numKeyValueHeads: number; readonly headDim: number },
): DecoderLayout {
  const inputs = new Set(session.inputNames);
  const outputs = new Set(session.outputNames);
  const inputTypes = new Map<string, string>();
  const shapes = new Map<string, readonly (number | string)[]>();
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) invalid(`input ${meta.name} is not a tensor`);
    inputTypes.set(meta.name, meta.type);
    shapes.set(meta.name, meta.shape);
  }
  const tokens = inputs.has('inputs_embeds')
    ? 'inputs_embeds'
    : inputs.has('input_ids')
      ? 'input_ids'
      : undefined;
  if (!tokens) invalid('takes neither input_ids nor inputs_embeds');
  if (!inputs.has('attention_mask')) invalid('has no attention_mask input');
  if (!outputs.has('logits')) invalid('has no logits output');

  const layers = new Map<number, Set<string>>();
  for (const name of session.inputNames) {
    const m = PAST.exec(name);
    if (!m) continue;
    const i = Number(m[1]);
    const kinds = layers.get(i) ?? new Set<string>();
    kinds.add(m[2] ?? '');
    layers.set(i, kinds);
  }
  const numLayers = layers.size;
  const cache: { past: string; present: string }[] = [];
  for (let i = 0; i < numLayers; i += 1) {
    for (const kind of ['key', 'value']) {
      if (!layers.get(i)?.has(kind)) invalid(`past_key_values.${i}.${kind} is missing`);
      const present = `present.${i}.${kind}`;
      if (!outputs.has(present)) invalid(`output ${present} is missing`);
      cache.push({ past: `past_key_values.${i}.${kind}`, present });
    }
  }
  if (numLayers === 0) invalid('has no past_key_values inputs (a KV-cache export is required)');

  const shape = shapes.get('past_key_values.0.key') ?? [];
  const kvHeads = typeof shape[1] === 'number' ? shape[1] : kv?.numKeyValueHeads;
  const headDim = typeof shape[3] === 'number' ? shape[3] : kv?.headDim;
  if (kvHeads === undefined || headDim === undefined) {
    invalid('KV cache dimensions are symbolic; pass numKeyValueHeads and headDim');
  }
  return {
    tokens,
    useCacheBranch: inputs.has('use_cache_branch'),
    positionIds: inputs.has('position_ids'),
    numLayers,
    cache,
    kvHeads,
    headDim,
    inputTypes,
    hasHidden: outputs.has('last_hidden_state'),
  };
}
