import type { ParsedEvent, ParsedTaskCall } from './parsed-event.js';
import type { TaskKind } from './task-kind.js';
import type { TaskTag } from './task-tags.js';

/** Construction options: the tag spellings, and their ids for token-level parsing. */
export interface TaskStreamParserOptions {
  /** From `taskTagsOf(manifest.llm.taskTokens)`. */
  readonly tags: readonly TaskTag[];
  /** From `taskTagIds(tags, tokenizer)`; required for {@link TaskStreamParser.feedToken}. */
  readonly tagIds?: ReadonlyMap<number, TaskTag>;
}

/** A task call or warning waiting for its turn; `[SEG]` entries wait for the end of their sentence. */
interface Queued {
  readonly kind: TaskKind;
  readonly warning: boolean;
  prompt: string;
  ready: boolean;
  readonly segHiddenState?: Float32Array;
}

const SENTENCE_END = /[.!?。！？]/;
const WHITESPACE = /\s/;
const PUNCTUATION = /[,.;:!?]/;

const collapse = (text: string): string => text.replace(/\s+/g, ' ').trim();
/** The marker is removed from the sentence, which leaves "is ." behind: close the gap before punctuation. */
const cleanSentence = (text: string): string => collapse(text).replace(/ ([,.;:!?])/g, '$1');

/**
 * Streaming task-token parser for MODEL OUTPUT (user text is never parsed: it is tokenized so tags
 * stay plain text). One state machine, two entry points, one per instance:
 * - {@link feedToken}: tags are single added-token ids (in-process ONNX decoding); text that merely
 *   spells a tag with ordinary tokens is text, because spans are found on ids.
 * - {@link feedText}: arbitrary text chunks from a remote server; a tag may be split anywhere, so a
 *   possible tag prefix at a chunk end is held back and flushed as text once it cannot be a tag.
 *
 * Decisions on malformed output:
 * - Span content and all tags are removed from the visible text; `[SEG]` is removed too.
 * - A close tag of another kind (`<gen>…</edit>`) closes the open span; the OPEN tag decides the kind.
 * - An open tag inside an open span abandons the first span (reported as `unclosed_task_tag` with its
 *   partial prompt, never executed) and starts the new one: spans do not nest.
 * - A close tag with no open span is dropped.
 * - An empty span is still reported (prompt ''): the task rejects it with its own error, visibly.
 * - `[SEG]` (inside or outside a span) becomes a segmentation call whose prompt is the visible sentence
 *   around it; it is reported when that sentence ends (`.`/`!`/`?` then whitespace, a newline, or the
 *   end of the stream), and later calls wait behind it so reports stay in tag order.
 * - At the end of the stream an open span is reported as `unclosed_task_tag`, not dropped.
 */
export class TaskStreamParser {
  readonly #tags: readonly TaskTag[];
  readonly #tagIds: ReadonlyMap<number, TaskTag> | undefined;
  readonly #firstChars: ReadonlySet<string>;
  #mode: 'token' | 'text' | undefined;
  #finished = false;
  #raw = '';
  /** Text mode: a chunk end that may still become a tag. */
  #held = '';
  #span: { readonly kind: TaskKind; content: string } | undefined;
  #queue: Queued[] = [];
  #waitingSegs: Queued[] = [];
  #sentence = '';
  #afterTerminator = false;
  #nextIndex = 0;
  #visible = '';
  /** A `[SEG]` was just removed: a space left before the next punctuation mark goes too ("is [SEG]."). */
  #afterMarker = false;
  #out: ParsedEvent[] = [];

  constructor(options: TaskStreamParserOptions) {
    this.#tags = options.tags;
    this.#tagIds = options.tagIds;
    this.#firstChars = new Set(options.tags.map((t) => t.spelling.charAt(0)));
  }

  /** The raw output so far, tags included: what is stored as the assistant turn. */
  get raw(): string {
    return this.#raw;
  }

  /**
   * Feeds one generated token. `textDelta` is its decoded text (from a StreamDecoder; for a tag it may
   * carry text the decoder held back before it). For `[SEG]`, pass the hidden state of the step that
   * fed the `[SEG]` token back in (see docs/model-bundle.md), so feed it one step late.
   */
  feedToken(tokenId: number, textDelta: string, segHiddenState?: Float32Array): ParsedEvent[] {
    this.#enter('token');
    if (this.#tagIds === undefined) throw new TypeError('feedToken needs tagIds');
    const tag = this.#tagIds.get(tokenId);
    if (tag === undefined) {
      this.#raw += textDelta;
      this.#onText(textDelta);
      return this.#take();
    }
    const before = textDelta.endsWith(tag.spelling) ? textDelta.slice(0, -tag.spelling.length) : textDelta;
    this.#raw += before + tag.spelling;
    this.#onText(before);
    this.#onTag(tag, segHiddenState);
    return this.#take();
  }

  /** Feeds a chunk of text from a remote server; tags may be split across chunks at any character. */
  feedText(chunk: string): ParsedEvent[] {
    this.#enter('text');
    this.#raw += chunk;
    const buffer = this.#held + chunk;
    this.#held = '';
    this.#scan(buffer, false);
    return this.#take();
  }

  /** Ends the stream: flushes held text, ends the last sentence, reports an open span as unclosed. */
  finish(): ParsedEvent[] {
    if (this.#finished) throw new TypeError('parser already finished');
    if (this.#mode === 'text') this.#scan(this.#held, true);
    this.#held = '';
    if (this.#span !== undefined) this.#abandonSpan();
    this.#endSentence();
    this.#flushVisible(true);
    this.#finished = true;
    return this.#take();
  }

  #enter(mode: 'token' | 'text'): void {
    if (this.#finished) throw new TypeError('parser already finished');
    if (this.#mode !== undefined && this.#mode !== mode)
      throw new TypeError('one parser serves one feed mode');
    this.#mode = mode;
  }

  /** Splits text-mode input into plain text and tags; holds back a possible tag prefix unless `final`. */
  #scan(buffer: string, final: boolean): void {
    let runStart = 0;
    let i = 0;
    while (i < buffer.length) {
      if (!this.#firstChars.has(buffer.charAt(i))) {
        i += 1;
        continue;
      }
      let match: TaskTag | undefined;
      let maybeLonger = false;
      for (const tag of this.#tags) {
        if (buffer.startsWith(tag.spelling, i)) {
          if (match === undefined || tag.spelling.length > match.spelling.length) match = tag;
        } else if (
          !final &&
          buffer.length - i < tag.spelling.length &&
          tag.spelling.startsWith(buffer.slice(i))
        ) {
          maybeLonger = true;
        }
      }
      if (maybeLonger) {
        this.#onText(buffer.slice(runStart, i));
        this.#held = buffer.slice(i);
        return;
      }
      if (match === undefined) {
        i += 1;
        continue;
      }
      this.#onText(buffer.slice(runStart, i));
      this.#onTag(match, undefined);
      i += match.spelling.length;
      runStart = i;
    }
    this.#onText(buffer.slice(runStart));
  }

  #onText(text: string): void {
    if (text.length === 0) return;
    if (this.#span !== undefined) {
      this.#span.content += text;
      return;
    }
    for (const ch of text) {
      // The whitespace after a terminator ends the sentence; it belongs to the next one.
      if (this.#afterTerminator && WHITESPACE.test(ch)) this.#endSentence();
      if (!WHITESPACE.test(ch)) {
        if (this.#afterMarker && PUNCTUATION.test(ch)) this.#visible = this.#visible.trimEnd();
        this.#afterMarker = false;
      }
      this.#visible += ch;
      this.#sentence += ch;
      this.#afterTerminator = SENTENCE_END.test(ch);
      if (ch === '\n') this.#endSentence();
    }
  }

  #onTag(tag: TaskTag, segHiddenState: Float32Array | undefined): void {
    if (tag.role === 'marker') {
      this.#afterMarker = true;
      const entry: Queued = {
        kind: tag.kind,
        warning: false,
        prompt: '',
        ready: false,
        ...(segHiddenState && { segHiddenState }),
      };
      this.#queue.push(entry);
      this.#waitingSegs.push(entry);
      return;
    }
    if (tag.role === 'open') {
      if (this.#span !== undefined) this.#abandonSpan();
      this.#span = { kind: tag.kind, content: '' };
      return;
    }
    if (this.#span === undefined) return;
    this.#queue.push({
      kind: this.#span.kind,
      warning: false,
      prompt: collapse(this.#span.content),
      ready: true,
    });
    this.#span = undefined;
    this.#drain();
  }

  #abandonSpan(): void {
    if (this.#span === undefined) return;
    this.#queue.push({
      kind: this.#span.kind,
      warning: true,
      prompt: collapse(this.#span.content),
      ready: true,
    });
    this.#span = undefined;
    this.#drain();
  }

  #endSentence(): void {
    const prompt = cleanSentence(this.#sentence);
    for (const entry of this.#waitingSegs) {
      entry.prompt = prompt;
      entry.ready = true;
    }
    this.#waitingSegs = [];
    this.#sentence = '';
    this.#afterTerminator = false;
    this.#drain();
  }

  /** Emits queued calls in tag order, stopping at the first `[SEG]` whose sentence is still open. */
  #drain(): void {
    while (this.#queue[0]?.ready) {
      const entry = this.#queue.shift() as Queued;
      this.#flushVisible(true);
      if (entry.warning) {
        this.#out.push({
          type: 'warning',
          code: 'unclosed_task_tag',
          kind: entry.kind,
          prompt: entry.prompt,
        });
        continue;
      }
      const call: ParsedTaskCall = {
        kind: entry.kind,
        prompt: entry.prompt,
        index: this.#nextIndex++,
        ...(entry.segHiddenState && { segHiddenState: entry.segHiddenState }),
      };
      this.#out.push({ type: 'task', call });
    }
  }

  /** Emits visible text; trailing whitespace waits for the next character (see #afterMarker) unless `all`. */
  #flushVisible(all = false): void {
    const text = all ? this.#visible : this.#visible.trimEnd();
    if (text.length === 0) return;
    this.#out.push({ type: 'text', delta: text });
    this.#visible = this.#visible.slice(text.length);
  }

  #take(): ParsedEvent[] {
    this.#flushVisible();
    const out = this.#out;
    this.#out = [];
    return out;
  }
}
