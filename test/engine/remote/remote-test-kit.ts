import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { EngineContext, EngineEvent, EngineTurn } from '../../../src/engine/engine.js';
import type { RemoteLogger } from '../../../src/engine/remote/http-call.js';

/** A real pino logger (with the project's redaction off: the code itself must not log secrets) into a string. */
export function capturedLogger(): { logger: RemoteLogger & pino.Logger; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), text: () => lines.join('') };
}

/** A user turn. */
export const user = (text: string, images: EngineTurn['images'] = []): EngineTurn => ({
  role: 'user',
  text,
  images,
});

/** A context with greedy sampling. */
export function contextOf(turns: EngineTurn[], extra: Partial<EngineContext> = {}): EngineContext {
  return { turns, sampling: { maxNewTokens: 64, temperature: 0, topP: 1, seed: 7 }, ...extra };
}

/** Collects a reply; a thrown error comes back with the events before it. */
export async function collect(
  stream: AsyncIterable<EngineEvent>,
): Promise<{ events: EngineEvent[]; error?: unknown }> {
  const events: EngineEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

/** No wait between retries, so tests do not sleep. */
export const NO_WAIT = { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 1 } as const;
