/**
 * The tokenizer contract the protocol layer (chat template, stream decoder, task parser) relies on.
 * The implementation over `tokenizer.json` is {@link HfTokenizer} in `tokenizer.ts`; tests may use it
 * with the fixture tokenizer or a typed fake.
 */
export interface TextTokenizer {
  /**
   * Encodes TRUSTED text (template strings, the model's own earlier output): added tokens such as
   * `<gen>` or `</s>` written literally become their single ids. No special tokens are added.
   */
  encode(text: string): number[];
  /**
   * Encodes UNTRUSTED text (what users type): the result never contains an added-token id, so a
   * literal `<gen>`, `[SEG]`, `</s>` or `<image>` stays plain text and cannot start a task or end a turn.
   */
  encodeUntrusted(text: string): number[];
  /** Decodes ids to text exactly (added tokens kept as their spelling, no space clean-up). */
  decode(ids: readonly number[]): string;
  /** The id of a vocabulary or added token, or undefined when the tokenizer has no such token. */
  tokenToId(token: string): number | undefined;
  /** Added tokens (specials, task tags, `<image>`) by spelling. */
  readonly addedTokens: ReadonlyMap<string, number>;
}
