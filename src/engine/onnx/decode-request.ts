/**
 * What a decoder loop is asked to do and what it reports: plain data, so a request can cross a worker
 * boundary unchanged (structured clone) and the same loop runs in-process and in the pool.
 */

/** One image spliced into the prompt in place of an `<image>` token. */
export interface ImageSplice {
  /** Index in `promptIds` of the `<image>` token this image replaces. */
  readonly index: number;
  /** N×H feature rows (the vision encoder's `image_features` for this image), row-major. */
  readonly features: Float32Array;
}

/** Until a token of `require` has been generated, the tokens of `ban` cannot be sampled. */
export interface TokenConstraint {
  readonly require: readonly number[];
  readonly ban: readonly number[];
  /** After this many emitted tokens without a required one, the likeliest required token is written. */
  readonly forceAfter?: number;
}

/** One generation request. Paths are absolute model files (sessions are cached by path). */
export interface DecodeRequest {
  /** The decoder (`decoder_model.onnx` or `decoder_model_merged.onnx`). */
  readonly decoder: string;
  /** `embed_tokens.onnx`; required when the decoder takes `inputs_embeds`. */
  readonly embedTokens?: string;
  /** The tokenized prompt (special tokens already in place). */
  readonly promptIds: readonly number[];
  /** Images by `<image>` token position; needs an `inputs_embeds` decoder. */
  readonly images?: readonly ImageSplice[];
  /** New tokens at most (stop tokens are not counted: they are not emitted). */
  readonly maxNewTokens: number;
  /** 0 = greedy. */
  readonly temperature: number;
  readonly topP: number;
  readonly seed: number;
  /** Generation ends, with finishReason 'stop', when one of these is sampled (it is not emitted). */
  readonly stopTokenIds: readonly number[];
  readonly constraint?: TokenConstraint;
  /** Tokens (the `[SEG]` ids) whose hidden state is captured: see docs/model-bundle.md. */
  readonly captureHiddenFor?: readonly number[];
  /** Prompt plus generated positions at most; reaching it ends with 'length'. */
  readonly contextLength?: number;
  /** KV geometry when the decoder's metadata leaves it symbolic (from the manifest). */
  readonly kv?: { readonly numKeyValueHeads: number; readonly headDim: number };
}

/** One generated token, streamed as soon as it is known. */
export interface TokenEvent {
  readonly tokenId: number;
  /**
   * For tokens in `captureHiddenFor`: `last_hidden_state` [H] at the position whose input is this token
   * (taken from the pass that feeds it back, so the event comes one step later than the others would).
   */
  readonly hidden?: Float32Array;
}

/** Final report of a generation. */
export interface DecodeStats {
  /** Tokens emitted. */
  readonly tokens: number;
  readonly finishReason: 'stop' | 'length';
  /** The stop token that ended generation, when finishReason is 'stop'. */
  readonly stopTokenId?: number;
  /** Prompt positions after image expansion. */
  readonly promptPositions: number;
  /** Milliseconds from the start of the loop (or the pool call) to the first emitted token; −1 if none. */
  readonly firstTokenMs: number;
  /** Milliseconds spent inside `session.run` (decoder and embed_tokens): the bound for the loop. */
  readonly runMs: number;
  /** Milliseconds of the whole loop. */
  readonly totalMs: number;
  /** Decoder passes (prefill included). */
  readonly passes: number;
}

/** Why a loop was told to stop early. */
export type StopSignal = 'abort' | 'timeout';
