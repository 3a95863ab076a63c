/** One server-sent event (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export interface SseEvent {
  /** `message` when the server sent no `event:` field. */
  readonly event: string;
  /** The `data:` lines joined with `\n`. */
  readonly data: string;
  readonly id?: string;
}

/**
 * Incremental SSE parser: feed decoded text in chunks of any size (a line, a field or a CRLF pair may
 * be split anywhere); complete events come back in order. Comments (`: keep-alive`) and `retry:` are
 * ignored: reconnection is the caller's business, and our callers never resume a stream.
 */
export class SseParser {
  #buffer = '';
  /** A chunk ended with `\r`: a `\n` at the start of the next chunk belongs to the same line end. */
  #pendingCr = false;
  #event = '';
  #data: string[] = [];
  #id: string | undefined;
  #hasData = false;

  /** Feeds decoded text; returns the events it completed. */
  feed(chunk: string): SseEvent[] {
    let text = chunk;
    if (this.#pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.#pendingCr = false;
    this.#buffer += text;
    const out: SseEvent[] = [];
    for (;;) {
      const end = this.#buffer.search(/[\r\n]/);
      if (end < 0) break;
      const line = this.#buffer.slice(0, end);
      let next = end + 1;
      if (this.#buffer.charAt(end) === '\r') {
        if (end + 1 === this.#buffer.length) this.#pendingCr = true;
        else if (this.#buffer.charAt(end + 1) === '\n') next = end + 2;
      }
      this.#buffer = this.#buffer.slice(next);
      const event = this.#line(line);
      if (event) out.push(event);
    }
    return out;
  }

  /**
   * Ends the stream. Per the spec, an event whose blank line never came is discarded: a dropped
   * connection must not turn half an event into a complete one. Returns whether one was discarded.
   */
  finish(): { readonly truncated: boolean } {
    const truncated = this.#buffer.length > 0 || this.#hasData;
    this.#buffer = '';
    this.#event = '';
    this.#data = [];
    this.#hasData = false;
    return { truncated };
  }

  #line(line: string): SseEvent | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.#data.push(value);
      this.#hasData = true;
    } else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
    return undefined;
  }

  #dispatch(): SseEvent | undefined {
    const event = this.#hasData
      ? {
          event: this.#event || 'message',
          data: this.#data.join('\n'),
          ...(this.#id ? { id: this.#id } : {}),
        }
      : undefined;
    this.#event = '';
    this.#data = [];
    this.#hasData = false;
    return event;
  }
}

/** Decodes a byte stream as UTF-8 (multi-byte characters split across chunks stay whole) into SSE events. */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  const parser = new SseParser();
  for await (const bytes of body) yield* parser.feed(decoder.decode(bytes, { stream: true }));
  yield* parser.feed(decoder.decode());
  parser.finish();
}
