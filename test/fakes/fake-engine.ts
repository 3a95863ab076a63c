import type { Engine, EngineContext, EngineEvent } from '../../src/engine/engine.js';

/** A typed fake engine that streams a scripted reply and records what it was asked. */
export class FakeEngine implements Engine {
  readonly contexts: EngineContext[] = [];
  closed = false;

  constructor(private readonly script: (context: EngineContext) => EngineEvent[] | Error) {}

  async *respond(context: EngineContext, signal?: AbortSignal): AsyncIterable<EngineEvent> {
    this.contexts.push(context);
    const events = this.script(context);
    if (events instanceof Error) throw events;
    for (const event of events) {
      signal?.throwIfAborted();
      yield event;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The `done` event a scripted reply ends with. */
export function done(raw: string): EngineEvent {
  return { type: 'done', raw, tokens: raw.length, finishReason: 'stop', firstTokenMs: 1 };
}
