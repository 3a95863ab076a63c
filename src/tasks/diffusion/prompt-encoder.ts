import { z } from 'zod';
import { LlmbindError } from '../../core/errors.js';
import type { HostTensor } from '../../engine/onnx/tensors.js';
import { HfTokenizer } from '../../engine/protocol/tokenizer.js';
import type { RunMeter } from '../shared/run-meter.js';
import type { ModelSignature } from '../shared/section.js';

/**
 * How prompts are tokenized for the text encoder. CLIP (SD 1.5): 77 tokens,
 * `<|startoftext|>` … `<|endoftext|>`, padded with `<|endoftext|>`; CLAP (AudioLDM): RoBERTa's
 * `<s>` … `</s>` padded with `<pad>`. Special tokens are added here, not by the tokenizer's
 * post-processor, so every tokenizer.json behaves the same.
 */
export const PromptTokenizerSchema = z.strictObject({
  maxLength: z.number().int().min(2).default(77),
  bosToken: z.string().optional(),
  eosToken: z.string().optional(),
  /** Defaults to the eos token (CLIP's convention). */
  padToken: z.string().optional(),
});

/** Parsed tokenizer settings. */
export type PromptTokenizerSettings = z.infer<typeof PromptTokenizerSchema>;

/** Text-encoder outputs for one prompt. */
export interface PromptEmbedding {
  /** `last_hidden_state` [1,S,D], for cross-attention UNets. */
  readonly hidden: HostTensor;
  /** `text_embeds` / `pooler_output` [1,D] when the encoder has one (class-label UNets). */
  readonly pooled: HostTensor | undefined;
}

function tokenId(tokenizer: HfTokenizer, token: string | undefined, key: string): number | undefined {
  if (token === undefined) return undefined;
  const id = tokenizer.tokenToId(token);
  if (id === undefined)
    throw new LlmbindError('bundle_invalid', `${key}: '${token}' is not in the task tokenizer`, { key });
  return id;
}

/**
 * Tokenizer + text encoder (`input_ids` [B,S], optional `attention_mask` [B,S] →
 * `last_hidden_state`, and `text_embeds` or `pooler_output`).
 */
export class PromptEncoder {
  readonly #tokenizer: HfTokenizer;
  readonly #encoder: ModelSignature;
  readonly #maxLength: number;
  readonly #bos: number | undefined;
  readonly #eos: number | undefined;
  readonly #pad: number;
  readonly #pooledName: string | undefined;

  private constructor(
    tokenizer: HfTokenizer,
    encoder: ModelSignature,
    settings: PromptTokenizerSettings,
    key: string,
  ) {
    this.#tokenizer = tokenizer;
    this.#encoder = encoder;
    this.#maxLength = settings.maxLength;
    this.#bos = tokenId(tokenizer, settings.bosToken, `${key}.bosToken`);
    this.#eos = tokenId(tokenizer, settings.eosToken, `${key}.eosToken`);
    const pad = tokenId(tokenizer, settings.padToken ?? settings.eosToken, `${key}.padToken`);
    if (pad === undefined)
      throw new LlmbindError('bundle_invalid', `${key}.padToken: needed when there is no eosToken`, { key });
    this.#pad = pad;
    encoder.requireInput('input_ids');
    encoder.requireOutput('last_hidden_state');
    this.#pooledName = encoder.output('text_embeds')?.name ?? encoder.output('pooler_output')?.name;
  }

  /** Loads the tokenizer and checks the encoder's signature; `key` prefixes error messages. */
  static async create(
    tokenizerPath: string,
    encoder: ModelSignature,
    settings: PromptTokenizerSettings,
    key: string,
  ): Promise<PromptEncoder> {
    const loaded = await HfTokenizer.load(tokenizerPath);
    if (!loaded.ok) throw new LlmbindError(loaded.error.code, `${key}: ${loaded.error.message}`, { key });
    return new PromptEncoder(loaded.value, encoder, settings, key);
  }

  /** Whether the encoder has a pooled output. */
  get hasPooled(): boolean {
    return this.#pooledName !== undefined;
  }

  /** Token ids padded to `maxLength` (truncated prompts keep their closing eos) and the attention mask. */
  tokenize(text: string): { ids: number[]; mask: number[] } {
    const specials = (this.#bos === undefined ? 0 : 1) + (this.#eos === undefined ? 0 : 1);
    const body = this.#tokenizer.encode(text).slice(0, this.#maxLength - specials);
    const ids = [
      ...(this.#bos === undefined ? [] : [this.#bos]),
      ...body,
      ...(this.#eos === undefined ? [] : [this.#eos]),
    ];
    const mask = ids.map(() => 1);
    while (ids.length < this.#maxLength) {
      ids.push(this.#pad);
      mask.push(0);
    }
    return { ids, mask };
  }

  /** Runs the text encoder on one prompt. */
  async encode(meter: RunMeter, text: string): Promise<PromptEmbedding> {
    const { ids, mask } = this.tokenize(text);
    const dims = [1, ids.length];
    const feeds: Record<string, HostTensor> = {
      input_ids: { type: 'int64', data: BigInt64Array.from(ids, BigInt), dims },
    };
    if (this.#encoder.input('attention_mask'))
      feeds.attention_mask = { type: 'int64', data: BigInt64Array.from(mask, BigInt), dims };
    const out = await meter.run(this.#encoder.path, feeds);
    const hidden = out.last_hidden_state;
    if (!hidden) throw new LlmbindError('task_failed', 'text encoder returned no last_hidden_state');
    return { hidden, pooled: this.#pooledName ? out[this.#pooledName] : undefined };
  }
}
