import type { ServerResponse } from 'node:http';

/** Where the playground's reply events go: an SSE response in production, an array in tests. */
export interface EventWriter {
  /** Sends one named event with a JSON payload; ignored once the client is gone. */
  send(event: string, data: unknown): void;
}

/**
 * A `text/event-stream` response. The page reads it with `fetch` (a POST body can carry uploads, which
 * `EventSource` cannot), so the format is plain SSE: `event:` and one `data:` line of JSON per event.
 */
export class SseStream implements EventWriter {
  private closed = false;

  constructor(private readonly res: ServerResponse) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // Proxies must not hold events back until the reply is complete.
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    res.on('close', () => {
      this.closed = true;
    });
  }

  /** Whether the client is still listening. */
  get open(): boolean {
    return !this.closed && !this.res.writableEnded;
  }

  send(event: string, data: unknown): void {
    if (!this.open) return;
    // JSON.stringify never emits a raw newline, so one data line is always one event.
    this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends the stream. */
  end(): void {
    if (this.open) this.res.end();
    this.closed = true;
  }
}
