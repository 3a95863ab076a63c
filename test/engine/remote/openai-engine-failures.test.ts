import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmbindError } from '../../../src/core/errors.js';
import type { EngineEvent } from '../../../src/engine/engine.js';
import { OpenAiEngine } from '../../../src/engine/remote/openai-engine.js';
import type { OpenAiEngineOptions } from '../../../src/engine/remote/openai-engine-options.js';
import { OpenAiEmulator } from '../../emulators/openai/openai-emulator.js';
import { capturedLogger, collect, contextOf, NO_WAIT, user } from './remote-test-kit.js';

let emu: OpenAiEmulator;
beforeEach(async () => {
  emu = await OpenAiEmulator.start();
});
afterEach(async () => {
  await emu.close();
});

const engineFor = (extra: Partial<OpenAiEngineOptions> = {}) =>
  new OpenAiEngine({
    baseUrl: emu.baseUrl,
    model: 'llmbind-7b',
    logger: capturedLogger().logger,
    retry: NO_WAIT,
    ...extra,
  });

const codeOf = (error: unknown) => (LlmbindError.isInstance(error) ? error.code : String(error));

describe('OpenAiEngine failures and retries', () => {
  it('retries 429 and 5xx, then streams; each retry is logged with its status', async () => {
    const { logger, text } = capturedLogger();
    emu.script({ status: 429, retryAfter: '0' }, { status: 503 }, { chunks: ['fine'] });
    const { events, error } = await collect(engineFor({ logger }).respond(contextOf([user('hi')])));
    expect(error).toBeUndefined();
    expect(emu.received).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ raw: 'fine' });
    const retries = text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status?: number });
    expect(retries.map((r) => r.status)).toEqual([429, 503]);
  });

  it('waits as long as Retry-After says, even when its own backoff would be shorter', async () => {
    emu.script({ status: 429, retryAfter: '1' }, { chunks: ['ok'] });
    const started = Date.now();
    await collect(
      engineFor({ retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 5000 } }).respond(
        contextOf([user('x')]),
      ),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(emu.received).toHaveLength(2);
  });

  it('gives up after maxRetries with a code for the last status', async () => {
    emu.script({ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
    const failed = await collect(engineFor().respond(contextOf([user('x')])));
    expect(codeOf(failed.error)).toBe('engine_failed');
    expect(emu.received).toHaveLength(4);
    emu.script({ status: 429 }, { status: 429 });
    const limited = await collect(
      engineFor({ retry: { ...NO_WAIT, maxRetries: 1 } }).respond(contextOf([user('x')])),
    );
    expect(codeOf(limited.error)).toBe('rate_limited');
  });

  it('does not retry a 400; an over-long prompt becomes input_too_large', async () => {
    emu.script({
      status: 400,
      body: '{"error":{"message":"This model\'s maximum context length is 4096 tokens"}}',
    });
    const { error } = await collect(engineFor().respond(contextOf([user('x')])));
    expect(codeOf(error)).toBe('input_too_large');
    expect(emu.received).toHaveLength(1);
  });

  it('reports a dropped connection after the text it already streamed', async () => {
    emu.script({ chunks: ['Partial ', 'answer'], end: 'drop' });
    const { events, error } = await collect(engineFor().respond(contextOf([user('x')])));
    expect(events.map((e) => (e.type === 'text' ? e.delta : e.type)).join('')).toBe('Partial answer');
    expect(codeOf(error)).toBe('engine_failed');
    expect(emu.received).toHaveLength(1);
  });

  it('reports an error event in the middle of the stream', async () => {
    emu.script({ chunks: ['Hi'], end: 'error' });
    const { error } = await collect(engineFor().respond(contextOf([user('x')])));
    expect(codeOf(error)).toBe('engine_failed');
    expect((error as Error).message).toContain('scripted failure');
  });

  it('retries an unreachable server, then fails with engine_failed', async () => {
    const closed = await OpenAiEmulator.start();
    const url = closed.baseUrl;
    await closed.close();
    const { error } = await collect(
      new OpenAiEngine({ baseUrl: url, model: 'm', logger: capturedLogger().logger, retry: NO_WAIT }).respond(
        contextOf([user('x')]),
      ),
    );
    expect(codeOf(error)).toBe('engine_failed');
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });
});

describe('OpenAiEngine cancellation and timeouts', () => {
  it('aborting mid-stream ends the reply with an AbortError and closes the connection', async () => {
    emu.script({ chunks: ['one ', 'two ', 'three'], pauseAfter: 1 });
    const controller = new AbortController();
    const seen: EngineEvent[] = [];
    const closed = emu.clientClosedStream();
    let thrown: unknown;
    try {
      for await (const event of engineFor().respond(contextOf([user('x')]), controller.signal)) {
        seen.push(event);
        if (event.type === 'text') controller.abort();
      }
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).name).toBe('AbortError');
    // Trailing whitespace waits for the next character (the parser may drop it before punctuation).
    expect(seen).toEqual([{ type: 'text', delta: 'one' }]);
    await closed;
    expect(emu.clientClosed).toBe(1);
  });

  it('a consumer that stops reading closes the stream too', async () => {
    emu.script({ chunks: ['one ', 'two'], pauseAfter: 1 });
    const closed = emu.clientClosedStream();
    for await (const event of engineFor().respond(contextOf([user('x')]))) if (event.type === 'text') break;
    await closed;
    expect(emu.clientClosed).toBe(1);
  });

  it('a stream that goes silent is stopped with timeout; a slow but live one is not', async () => {
    emu.script({ chunks: ['a', 'b'], pauseAfter: 1 });
    const silent = await collect(engineFor({ idleTimeoutMs: 100 }).respond(contextOf([user('x')])));
    expect(codeOf(silent.error)).toBe('timeout');

    emu.script({ chunks: ['slow ', 'but ', 'alive'], pauseAfter: 2 });
    const slow = collect(engineFor({ idleTimeoutMs: 5_000 }).respond(contextOf([user('x')])));
    await emu.paused();
    emu.release();
    const { events, error } = await slow;
    expect(error).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ raw: 'slow but alive' });
  });

  it('the whole-reply timeout applies even while the server keeps the stream open', async () => {
    emu.script({ chunks: ['a', 'b'], pauseAfter: 1 });
    const { error } = await collect(
      engineFor({ requestTimeoutMs: 150, idleTimeoutMs: 10_000 }).respond(contextOf([user('x')])),
    );
    expect(codeOf(error)).toBe('timeout');
  });
});

describe('the API key', () => {
  it('never appears in logs, error messages or details, even when the server echoes it', async () => {
    const secret = 'sk-live-SECRET-0123456789';
    const { logger, text } = capturedLogger();
    const guarded = await OpenAiEmulator.start({ apiKey: 'sk-the-right-one' });
    try {
      guarded.script({ status: 503 });
      const engine = new OpenAiEngine({
        baseUrl: guarded.baseUrl,
        model: 'm',
        apiKey: secret,
        logger,
        retry: NO_WAIT,
      });
      // 401 is not retried; the body echoes "invalid key: Bearer sk-live-…".
      const { error } = await collect(engine.respond(contextOf([user('x')])));
      expect(codeOf(error)).toBe('engine_failed');
      expect((error as Error).message).toContain('401');
      expect((error as Error).message).toContain('[redacted]');
      const everything = [
        text(),
        (error as Error).message,
        (error as Error).stack ?? '',
        JSON.stringify((error as LlmbindError).details),
        JSON.stringify(error),
      ].join('\n');
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain('SECRET');
    } finally {
      await guarded.close();
    }
  });

  it('is not logged on retries, and the right key is sent as a bearer token', async () => {
    const secret = 'sk-live-SECRET-retry';
    const { logger, text } = capturedLogger();
    const guarded = await OpenAiEmulator.start({ apiKey: secret });
    try {
      guarded.script({ status: 500 }, { status: 429, retryAfter: '0' }, { chunks: ['ok'] });
      const engine = new OpenAiEngine({
        baseUrl: guarded.baseUrl,
        model: 'm',
        apiKey: secret,
        logger,
        retry: NO_WAIT,
      });
      const { error } = await collect(engine.respond(contextOf([user('x')])));
      expect(error).toBeUndefined();
      expect(text()).toContain('retrying');
      expect(text()).not.toContain(secret);
      expect(guarded.received.map((r) => r.authorization)).toEqual(Array(3).fill(`Bearer ${secret}`));
    } finally {
      await guarded.close();
    }
  });
});
