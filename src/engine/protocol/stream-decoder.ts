import type { TextTokenizer } from './text-tokenizer.js';

/** Ids held back before emitting anyway, so a model emitting invalid UTF-8 cannot stall the stream. */
const MAX_PENDING_IDS = 16;

/**
 * Turns a stream of generated token ids into text deltas whose concatenation equals
 * `decode(allIds)`, except that it never emits half a character: byte-level BPE splits multi-byte
 * UTF-8 characters across tokens, and decoding such a prefix yields U+FFFD.
 *
 * It decodes a small window (the ids since the previous emission plus the ids of that emission, as
 * text-generation-inference does) so decoders that strip a leading space or join pieces see context,
 * and the work per token stays constant instead of re-decoding the whole reply.
 */
export class StreamDecoder {
  readonly #tokenizer: TextTokenizer;
  #ids: number[] = [];
  /** Start of the context window (ids already emitted, kept for context). */
  #prefixOffset = 0;
  /** End of the ids already emitted. */
  #readOffset = 0;

  constructor(tokenizer: TextTokenizer) {
    this.#tokenizer = tokenizer;
  }

  /** Adds one id; returns the newly complete text ('' while a character is incomplete). */
  push(id: number): string {
    this.#ids.push(id);
    const prefixText = this.#tokenizer.decode(this.#ids.slice(this.#prefixOffset, this.#readOffset));
    const newText = this.#tokenizer.decode(this.#ids.slice(this.#prefixOffset));
    const pending = this.#ids.length - this.#readOffset;
    const complete = !newText.endsWith('\uFFFD') || pending >= MAX_PENDING_IDS;
    if (newText.length <= prefixText.length || !complete) return '';
    this.#prefixOffset = this.#readOffset;
    this.#readOffset = this.#ids.length;
    this.#compact();
    return newText.slice(prefixText.length);
  }

  /** Ends the stream: returns what is still held back (an incomplete character decodes as U+FFFD). */
  flush(): string {
    const prefixText = this.#tokenizer.decode(this.#ids.slice(this.#prefixOffset, this.#readOffset));
    const newText = this.#tokenizer.decode(this.#ids.slice(this.#prefixOffset));
    this.#prefixOffset = this.#readOffset = this.#ids.length;
    this.#compact();
    return newText.length > prefixText.length ? newText.slice(prefixText.length) : '';
  }

  /** Drops ids before the window so memory stays bounded over long replies. */
  #compact(): void {
    if (this.#prefixOffset === 0) return;
    this.#ids = this.#ids.slice(this.#prefixOffset);
    this.#readOffset -= this.#prefixOffset;
    this.#prefixOffset = 0;
  }
}
