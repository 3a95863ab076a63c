import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { EngineContext, EngineEvent } from '../../src/engine/engine.js';
import { OnnxEngine } from '../../src/engine/onnx/onnx-engine.js';
import { OnnxPool } from '../../src/engine/onnx/onnx-pool.js';

const BUNDLE = new URL('../fixtures/models/merged', import.meta.url).pathname;
let pool: OnnxPool;
let engine: OnnxEngine;

beforeAll(async () => {
  pool = await OnnxPool.create({ workers: 1 });
  engine = await OnnxEngine.create(BUNDLE, { pool, logger: silentLogger(), requestTimeoutMs: 30_000 });
});
afterAll(async () => {
  await pool.close();
});

function context(text: string, extra: Partial<EngineContext> = {}, images: Uint8Array[] = []): EngineContext {
  return {
    turns: [{ role: 'user', text, images: images.map((bytes) => ({ bytes, mime: 'image/png' })) }],
    sampling: { maxNewTokens: 30, temperature: 0, topP: 1, seed: 1 },
    ...extra,
  };
}

async function collect(ctx: EngineContext, signal?: AbortSignal): Promise<EngineEvent[]> {
  const events: EngineEvent[] = [];
  for await (const event of engine.respond(ctx, signal)) events.push(event);
  return events;
}

const png = (colour: string) =>
  sharp({ create: { width: 48, height: 40, channels: 3, background: colour } })
    .png()
    .toBuffer();

describe('OnnxEngine on the fixture bundle', () => {
  it('streams text deltas that add up to the visible reply and ends with done', async () => {
    const events = await collect(context('hello there'));
    const done = events.at(-1);
    expect(done?.type).toBe('done');
    if (done?.type !== 'done') return;
    expect(done.tokens).toBeGreaterThan(0);
    expect(done.firstTokenMs).toBeGreaterThanOrEqual(0);
    const text = events.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');
    expect(text.length).toBeGreaterThan(0);
    // Greedy decoding is deterministic.
    const again = await collect(context('hello there'));
    expect(again.at(-1)).toMatchObject({ type: 'done', raw: done.raw });
  });

  it('looks at attached images: a different image gives a different reply', async () => {
    const red = await collect(context('what is this?', {}, [await png('#ff0000')]));
    const blue = await collect(context('what is this?', {}, [await png('#0000ff')]));
    const raw = (events: EngineEvent[]) => events.flatMap((e) => (e.type === 'done' ? [e.raw] : []))[0];
    expect(raw(red)).not.toBe(raw(blue));
  });

  it('forces segmentation: a [SEG] call with a projected 256-d embedding', async () => {
    const events = await collect(context('find the circle', { forcedTask: 'segmentation' }));
    const calls = events.flatMap((e) => (e.type === 'task' ? [e.call] : []));
    expect(calls[0]?.kind).toBe('segmentation');
    expect(calls[0]?.segEmbedding).toHaveLength(256);
    expect(calls[0]?.segEmbedding?.some((v) => v !== 0)).toBe(true);
    const done = events.at(-1);
    expect(done?.type === 'done' && done.raw.includes('[SEG]')).toBe(true);
  });

  it('forces a span task: the tag is written and the span is run or reported, never dropped', async () => {
    const events = await collect(context('draw something', { forcedTask: 'image_generation' }));
    const about = events.filter(
      (e) => (e.type === 'task' ? e.call.kind : e.type === 'warning' ? e.kind : '') === 'image_generation',
    );
    expect(about.length).toBeGreaterThan(0);
    const done = events.at(-1);
    expect(done?.type === 'done' && done.raw.includes('<gen>')).toBe(true);
  });

  it('answers a message longer than the context window by keeping its end', async () => {
    const events = await collect(context(`${'blah '.repeat(300)}hello`));
    expect(events.at(-1)?.type).toBe('done');
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    const events: EngineEvent[] = [];
    const run = (async () => {
      for await (const event of engine.respond(
        context('hello', { sampling: { maxNewTokens: 200, temperature: 0, topP: 1, seed: 1 } }),
        controller.signal,
      )) {
        events.push(event);
        if (events.length === 2) controller.abort();
      }
    })();
    await expect(run).rejects.toBeDefined();
    expect(events.some((e) => e.type === 'done')).toBe(false);
    // The engine is still usable afterwards.
    expect((await collect(context('hello'))).at(-1)?.type).toBe('done');
  });
});
