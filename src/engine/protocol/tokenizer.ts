import { readFile } from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import { fail, ok, type Result } from '../../core/errors.js';
import type { TextTokenizer } from './text-tokenizer.js';

/**
 * {@link TextTokenizer} over a Hugging Face `tokenizer.json` (pure JS `@huggingface/tokenizers`).
 *
 * Untrusted-text rule (training must replicate it to tokenize prompts identically):
 * 1. Scan the text left to right; at each position take the LONGEST added-token spelling that starts
 *    there (none: move on one character).
 * 2. Text between such literals is encoded normally (one `encode` call per stretch).
 * 3. Each literal is encoded as its first character alone, followed by the rest of the literal
 *    encoded by this same rule (so `<gen>` → encode("<") + encode("gen>")).
 * 4. Safety net: a stretch whose normal encoding still yields an added-token id (normalized added
 *    tokens, a BPE merge that spells a tag) is re-encoded one code point at a time; a code point
 *    that is itself an added token is dropped, since it has no plain spelling.
 */
export class HfTokenizer implements TextTokenizer {
  readonly addedTokens: ReadonlyMap<string, number>;
  readonly #tokenizer: Tokenizer;
  readonly #addedIds: ReadonlySet<number>;
  /** Added-token spellings, longest first, so the scan in {@link encodeUntrusted} is leftmost-longest. */
  readonly #literals: readonly string[];

  private constructor(tokenizer: Tokenizer) {
    this.#tokenizer = tokenizer;
    const added = new Map<string, number>();
    for (const [id, token] of tokenizer.get_added_tokens_decoder()) added.set(token.content, id);
    this.addedTokens = added;
    this.#addedIds = new Set(added.values());
    this.#literals = [...added.keys()].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  }

  /** Builds a tokenizer from parsed `tokenizer.json` content; `bundle_invalid` when the library rejects it. */
  static fromJson(json: unknown): Result<HfTokenizer> {
    if (
      typeof json !== 'object' ||
      json === null ||
      typeof (json as { model?: unknown }).model !== 'object'
    ) {
      return fail('bundle_invalid', 'tokenizer.json has no "model" object');
    }
    try {
      const withAdded = { added_tokens: [], ...(json as object) };
      return ok(new HfTokenizer(new Tokenizer(withAdded, {})));
    } catch (error) {
      return fail(
        'bundle_invalid',
        `tokenizer.json rejected: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** Reads and parses a `tokenizer.json` file: `model_missing` when unreadable, `bundle_invalid` when malformed. */
  static async load(path: string): Promise<Result<HfTokenizer>> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return fail('model_missing', 'tokenizer file cannot be read', { path });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return fail('bundle_invalid', 'tokenizer file is not JSON', { path });
    }
    return HfTokenizer.fromJson(json);
  }

  encode(text: string): number[] {
    if (text.length === 0) return [];
    return this.#tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  encodeUntrusted(text: string): number[] {
    const ids: number[] = [];
    let plainStart = 0;
    let i = 0;
    while (i < text.length) {
      const literal = this.#literals.find((l) => text.startsWith(l, i));
      if (literal === undefined) {
        i += 1;
        continue;
      }
      this.#pushPlain(ids, text.slice(plainStart, i));
      const first = String.fromCodePoint(literal.codePointAt(0) ?? 0);
      this.#pushPlain(ids, first);
      ids.push(...this.encodeUntrusted(literal.slice(first.length)));
      i += literal.length;
      plainStart = i;
    }
    this.#pushPlain(ids, text.slice(plainStart));
    return ids;
  }

  decode(ids: readonly number[]): string {
    if (ids.length === 0) return '';
    return this.#tokenizer.decode([...ids], {
      skip_special_tokens: false,
      clean_up_tokenization_spaces: false,
    });
  }

  tokenToId(token: string): number | undefined {
    return this.#tokenizer.token_to_id(token);
  }

  /** True for ids of added tokens (specials, task tags, `<image>`). */
  isAddedTokenId(id: number): boolean {
    return this.#addedIds.has(id);
  }

  /** Encodes a stretch that contains no added-token spelling, enforcing the "no added id" guarantee. */
  #pushPlain(out: number[], text: string): void {
    if (text.length === 0) return;
    const ids = this.encode(text);
    if (!ids.some((id) => this.#addedIds.has(id))) {
      out.push(...ids);
      return;
    }
    for (const ch of text) {
      const chIds = this.encode(ch);
      if (!chIds.some((id) => this.#addedIds.has(id))) out.push(...chIds);
    }
  }
}
