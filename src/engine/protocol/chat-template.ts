import { fail, ok, type Result } from '../../core/errors.js';
import type { ChatTemplate } from '../bundle/manifest.js';
import type { EngineImage, EngineTurn } from '../engine.js';
import { planTrim } from './context-trim.js';
import type { TextTokenizer } from './text-tokenizer.js';

/** What the renderer needs from the bundle manifest (`llm.*`). */
export interface ChatPromptOptions {
  readonly template: ChatTemplate;
  /** `llm.imageToken`. */
  readonly imageToken: string;
  /** `llm.contextLength`. */
  readonly contextLength: number;
  /** `llm.vision.tokensPerImage`; omit when the bundle has no vision encoder (images are then left out). */
  readonly tokensPerImage?: number;
}

/** One `<image>` token of the prompt and the image whose features replace it. */
export interface PromptImage {
  /** Index of the `<image>` token in `ids`. */
  readonly position: number;
  /** Which turn of the input the image belongs to, and which of its images. */
  readonly turnIndex: number;
  readonly imageIndex: number;
  readonly image: EngineImage;
}

/** A rendered prompt, ready for the decoder. */
export interface RenderedPrompt {
  readonly ids: readonly number[];
  /** In prompt order. */
  readonly images: readonly PromptImage[];
  /** Sequence length after each `<image>` token expands to `tokensPerImage` rows. */
  readonly expandedLength: number;
  /** Turns dropped from the start of the conversation to fit the context window. */
  readonly droppedTurns: number;
  /** Whether the latest turn's text lost its beginning to fit. */
  readonly truncatedLatest: boolean;
  /** Whether the referred image was carried out of a dropped turn into the first kept one. */
  readonly carriedImage: boolean;
}

interface ImageRef {
  readonly turnIndex: number;
  readonly imageIndex: number;
  readonly image: EngineImage;
}

interface EncodedTurn {
  readonly before: readonly number[];
  readonly images: readonly ImageRef[];
  text: readonly number[];
  readonly after: readonly number[];
}

/**
 * A user turn's text as the model reads it: trimmed and, for `userCase: lower` templates, lower-cased
 * (before literal tags are neutralised, so `<GEN>` stays plain text too).
 */
export function userText(text: string, template: Pick<ChatTemplate, 'userCase'>): string {
  const trimmed = text.trim();
  return template.userCase === 'lower' ? trimmed.toLowerCase() : trimmed;
}

/** Splits a `{text}` format string into the text before and after the placeholder. */
function splitFormat(format: string): [string, string] {
  const at = format.indexOf('{text}');
  return [format.slice(0, at), format.slice(at + '{text}'.length)];
}

/**
 * Renders `EngineTurn[]` into prompt token ids by the rule of docs/model-bundle.md ("How the engine
 * tokenizes a prompt"): the concatenation of separately encoded pieces, no special tokens added:
 * `system`; per turn the template text before `{text}`, one `image` string per attached image (user
 * turns only), the text (user text trimmed and encoded with `encodeUntrusted`; assistant text as
 * stored, except that a literal `<image>` in it stays plain text so every image token has an image),
 * the template text after `{text}`; then `generation`.
 *
 * Trimming to `contextLength − maxNewTokens` (images cost `tokensPerImage` each): oldest turns go
 * first; the system prompt and the latest user turn stay; the image the latest turn refers to (its
 * own, else the newest earlier image) stays, carried into the first kept turn if its turn is dropped;
 * a latest turn too long on its own keeps the END of its text.
 */
export class ChatPromptRenderer {
  readonly #tokenizer: TextTokenizer;
  readonly #options: ChatPromptOptions;
  readonly #imagePiece: readonly number[];
  readonly #imageOffset: number;
  readonly #system: readonly number[];
  readonly #generation: readonly number[];
  readonly #user: readonly [readonly number[], readonly number[]];
  readonly #assistant: readonly [readonly number[], readonly number[]];

  private constructor(tokenizer: TextTokenizer, options: ChatPromptOptions, imageId: number) {
    this.#tokenizer = tokenizer;
    this.#options = options;
    this.#imagePiece = tokenizer.encode(options.template.image);
    this.#imageOffset = this.#imagePiece.indexOf(imageId);
    this.#system = tokenizer.encode(options.template.system);
    this.#generation = tokenizer.encode(options.template.generation);
    const [ub, ua] = splitFormat(options.template.user);
    const [ab, aa] = splitFormat(options.template.assistant);
    this.#user = [tokenizer.encode(ub), tokenizer.encode(ua)];
    this.#assistant = [tokenizer.encode(ab), tokenizer.encode(aa)];
  }

  /** `bundle_invalid` when `<image>` is not one added token or the `image` string holds it not exactly once. */
  static create(tokenizer: TextTokenizer, options: ChatPromptOptions): Result<ChatPromptRenderer> {
    const imageId = tokenizer.addedTokens.get(options.imageToken);
    if (imageId === undefined) {
      return fail('bundle_invalid', 'image token is not an added token', { token: options.imageToken });
    }
    const renderer = new ChatPromptRenderer(tokenizer, options, imageId);
    if (renderer.#imagePiece.filter((id) => id === imageId).length !== 1) {
      return fail('bundle_invalid', 'chat template image string must hold the image token once');
    }
    return ok(renderer);
  }

  /** Renders and trims; `input_too_large` when even the minimum (system, latest turn, its images) cannot fit. */
  render(turns: readonly EngineTurn[], maxNewTokens: number): Result<RenderedPrompt> {
    const { contextLength, tokensPerImage } = this.#options;
    const budget = contextLength - maxNewTokens;
    if (budget <= 0)
      return fail('input_too_large', 'no room for the prompt', { contextLength, maxNewTokens });
    const imageCost = this.#imagePiece.length + (tokensPerImage ?? 1) - 1;
    const encoded = turns.map((turn, index) => this.#encodeTurn(turn, index));
    const cost = (t: EncodedTurn): number =>
      t.before.length + t.text.length + t.after.length + t.images.length * imageCost;

    let latest = turns.length;
    for (let i = turns.length - 1; i >= 0; i -= 1) {
      if (turns[i]?.role === 'user') {
        latest = i;
        break;
      }
    }
    const referred = this.#referredImage(encoded, latest);
    let fixedCost = this.#system.length + this.#generation.length;
    for (const t of encoded.slice(latest)) fixedCost += cost(t);
    const plan = planTrim({
      budget,
      fixedCost,
      turnCosts: encoded.slice(0, latest).map(cost),
      roles: turns.slice(0, latest).map((t) => t.role),
      latest,
      ...(referred && { referredImageTurn: referred.turnIndex }),
      carryCost: imageCost,
    });
    const latestTurn = encoded[latest];
    if (plan.overBy > 0) {
      if (latestTurn === undefined || plan.overBy > latestTurn.text.length) {
        return fail('input_too_large', 'the latest turn does not fit the context window', { budget });
      }
      latestTurn.text = latestTurn.text.slice(plan.overBy);
    }
    return ok(
      this.#assemble(encoded, plan.start, plan.carry ? referred : undefined, {
        droppedTurns: plan.start,
        truncatedLatest: plan.overBy > 0,
        carriedImage: plan.carry,
      }),
    );
  }

  #encodeTurn(turn: EngineTurn, turnIndex: number): EncodedTurn {
    if (turn.role === 'user') {
      const images =
        this.#options.tokensPerImage === undefined
          ? []
          : turn.images.map((image, imageIndex) => ({ turnIndex, imageIndex, image }));
      const text = this.#tokenizer.encodeUntrusted(userText(turn.text, this.#options.template));
      return { before: this.#user[0], images, text, after: this.#user[1] };
    }
    const text: number[] = [];
    const parts = turn.text.split(this.#options.imageToken);
    parts.forEach((part, i) => {
      if (i > 0) text.push(...this.#tokenizer.encodeUntrusted(this.#options.imageToken));
      text.push(...this.#tokenizer.encode(part));
    });
    return { before: this.#assistant[0], images: [], text, after: this.#assistant[1] };
  }

  /** The newest image before the latest turn, when the latest turn has none of its own. */
  #referredImage(encoded: readonly EncodedTurn[], latest: number): ImageRef | undefined {
    if ((encoded[latest]?.images.length ?? 0) > 0) return undefined;
    for (let i = latest - 1; i >= 0; i -= 1) {
      const images = encoded[i]?.images ?? [];
      const newest = images[images.length - 1];
      if (newest !== undefined) return newest;
    }
    return undefined;
  }

  #assemble(
    encoded: readonly EncodedTurn[],
    start: number,
    carried: ImageRef | undefined,
    info: Pick<RenderedPrompt, 'droppedTurns' | 'truncatedLatest' | 'carriedImage'>,
  ): RenderedPrompt {
    const ids: number[] = [...this.#system];
    const images: PromptImage[] = [];
    encoded.slice(start).forEach((turn, k) => {
      ids.push(...turn.before);
      const turnImages = k === 0 && carried !== undefined ? [carried, ...turn.images] : turn.images;
      for (const ref of turnImages) {
        images.push({ position: ids.length + this.#imageOffset, ...ref });
        ids.push(...this.#imagePiece);
      }
      ids.push(...turn.text, ...turn.after);
    });
    ids.push(...this.#generation);
    const expandedLength = ids.length + images.length * ((this.#options.tokensPerImage ?? 1) - 1);
    return { ids, images, expandedLength, ...info };
  }
}
