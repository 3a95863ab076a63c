import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlmbindError } from '../../../src/core/errors.js';
import type { DecodeRequest, TokenEvent } from '../../../src/engine/onnx/decode-request.js';
import { cudaProviderInstalled } from '../../../src/engine/onnx/execution-provider.js';
import { OnnxPool } from '../../../src/engine/onnx/onnx-pool.js';
import { hostTensor } from '../../../src/engine/onnx/tensors.js';
import {
  EMBED,
  F16,
  fakeFeatures,
  HIDDEN,
  IMAGE_ID,
  MERGED,
  PLAIN,
  references,
  SEG_ID,
  SEG_PROJECTOR,
  VISION,
} from './fixtures.js';

const request = (over: Partial<DecodeRequest> = {}): DecodeRequest => ({
  decoder: PLAIN,
  promptIds: references.prompt,
  maxNewTokens: 16,
  temperature: 0,
  topP: 1,
  seed: 0,
  stopTokenIds: [],
  ...over,
});

/** A long generation: the fixture's rotary embedding has no length limit. */
const long = (over: Partial<DecodeRequest> = {}) => request({ maxNewTokens: 3000, ...over });

class RecordingLogger {
  readonly warnings: { obj: object; msg: string }[] = [];
  warn(obj: object, msg: string): void {
    this.warnings.push({ obj, msg });
  }
}

let pool: OnnxPool;

beforeAll(async () => {
  pool = await OnnxPool.create({ workers: 2, intraOpThreads: 1 });
});

afterAll(async () => {
  await pool.close();
});

describe('OnnxPool.inspect and run', () => {
  it('reports names, declared dtypes and shapes', async () => {
    const info = await pool.inspect(F16);
    expect(info.provider).toBe('cpu');
    expect(info.inputs.find((i) => i.name === 'input_ids')).toEqual({
      name: 'input_ids',
      type: 'int32',
      shape: ['batch', 'sequence'],
    });
    expect(info.inputs.find((i) => i.name === 'past_key_values.1.value')?.type).toBe('float16');
    expect(info.outputs.map((o) => o.name)).toEqual([
      'logits',
      'present.0.key',
      'present.0.value',
      'present.1.key',
      'present.1.value',
      'last_hidden_state',
    ]);
  });

  it('runs a model with feeds cast to the declared dtypes, outputs back as typed arrays', async () => {
    const ids = new Float64Array([1, 2, 3]); // cast to int64 in the worker
    const out = await pool.run(EMBED, { input_ids: hostTensor(ids, [1, 3]) });
    expect(out.inputs_embeds?.type).toBe('float32');
    expect(out.inputs_embeds?.dims).toEqual([1, 3, HIDDEN]);
    expect(out.inputs_embeds?.data).toBeInstanceOf(Float32Array);

    const pixels = new Float32Array(2 * 3 * 32 * 32).fill(0.25);
    const vision = await pool.run(VISION, { pixel_values: hostTensor(pixels, [2, 3, 32, 32]) });
    expect(pixels.byteLength).toBe(0); // moved to the worker
    expect(vision.image_features?.dims).toEqual([2, 4, HIDDEN]);

    const seg = await pool.run(SEG_PROJECTOR, {
      hidden_states: hostTensor(new Float32Array(HIDDEN), [1, HIDDEN]),
    });
    expect(seg.seg_embeddings?.dims).toEqual([1, 256]);
  });

  it('turns worker failures into LlmbindErrors with their codes', async () => {
    await expect(pool.run(EMBED, { nope: hostTensor(new Float32Array(1), [1]) })).rejects.toMatchObject({
      code: 'bad_input',
    });
    await expect(pool.inspect('/nonexistent/model.onnx')).rejects.toMatchObject({ code: 'model_missing' });
  });
});

describe('OnnxPool.generate', () => {
  it('decodes in a worker, streaming tokens; same result as the reference', async () => {
    const tokens: number[] = [];
    const stats = await pool.generate(request(), { onToken: (e) => tokens.push(e.tokenId) });
    expect(tokens).toEqual(references.greedy.slice(0, 16));
    expect(stats).toMatchObject({ tokens: 16, finishReason: 'length' });
    expect(stats.firstTokenMs).toBeGreaterThan(0);
    expect(stats.runMs).toBeLessThanOrEqual(stats.totalMs);
  });

  it('splices images and streams the [SEG] hidden state across the thread boundary', async () => {
    const events: TokenEvent[] = [];
    const ban = Array.from({ length: 282 }, (_, i) => i).filter((i) => i !== SEG_ID);
    await pool.generate(
      request({
        decoder: MERGED,
        embedTokens: EMBED,
        promptIds: [1, IMAGE_ID, ...references.prompt.slice(1)],
        images: [{ index: 1, features: fakeFeatures(4, 1) }],
        constraint: { require: [SEG_ID], ban },
        captureHiddenFor: [SEG_ID],
        maxNewTokens: 3,
      }),
      { onToken: (e) => events.push(e) },
    );
    expect(events[0]?.tokenId).toBe(SEG_ID);
    expect(events[0]?.hidden).toBeInstanceOf(Float32Array);
    expect(events[0]?.hidden).toHaveLength(HIDDEN);
  });

  it('reports request errors with their codes', async () => {
    await expect(pool.generate(request({ promptIds: [] }))).rejects.toMatchObject({ code: 'bad_input' });
    await expect(pool.generate(request({ decoder: MERGED }))).rejects.toMatchObject({
      code: 'bundle_invalid',
    });
  });

  it('cancels within a step: no token after the abort, and the worker is free at once', async () => {
    const single = await OnnxPool.create({ workers: 1 });
    try {
      await single.generate(request({ maxNewTokens: 2 })); // load the session
      const full = performance.now();
      await single.generate(long({ maxNewTokens: 600 }));
      const fullMs = performance.now() - full;

      const controller = new AbortController();
      let afterAbort = 0;
      let seen = 0;
      const pending = single.generate(long(), {
        signal: controller.signal,
        onToken: () => {
          if (controller.signal.aborted) afterAbort += 1;
          seen += 1;
          if (seen === 5) controller.abort();
        },
      });
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
      expect(seen).toBe(5);
      // The worker stops before its next pass; a new request on the only worker runs right away.
      const t0 = performance.now();
      await single.generate(request({ maxNewTokens: 4 }));
      expect(performance.now() - t0).toBeLessThan(fullMs);
      await new Promise((r) => setTimeout(r, 20));
      expect(afterAbort).toBe(0);
    } finally {
      await single.close();
    }
  });

  it('rejects an already aborted signal without running', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(pool.generate(request(), { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('times out per request with a timeout error and frees the worker', async () => {
    const error = await pool.generate(long(), { timeoutMs: 30 }).catch((e: unknown) => e);
    expect(LlmbindError.isInstance(error) && error.code).toBe('timeout');
    const tokens: number[] = [];
    await pool.generate(request({ maxNewTokens: 3 }), { onToken: (e) => tokens.push(e.tokenId) });
    expect(tokens).toEqual(references.greedy.slice(0, 3));
  });

  it('keeps the event loop responsive while two requests decode concurrently', async () => {
    // One attempt: two 400-token generations on both workers (one also creating its session), with the
    // event-loop delay histogram, a 5 ms interval probe and the main thread's event-loop utilisation.
    const attempt = async (decoders: readonly [string, string]) => {
      const histogram = monitorEventLoopDelay({ resolution: 5 });
      let maxGap = 0;
      let last = performance.now();
      const probe = setInterval(() => {
        const now = performance.now();
        maxGap = Math.max(maxGap, now - last);
        last = now;
      }, 5);
      histogram.enable();
      const elu = performance.eventLoopUtilization();
      const counts = [0, 0];
      const t0 = performance.now();
      await Promise.all(
        decoders.map((decoder, i) =>
          pool.generate(long({ decoder, maxNewTokens: 400 }), {
            onToken: () => (counts[i] = (counts[i] ?? 0) + 1),
          }),
        ),
      );
      const elapsedMs = performance.now() - t0;
      const utilization = performance.eventLoopUtilization(elu).utilization;
      histogram.disable();
      clearInterval(probe);
      expect(counts).toEqual([400, 400]);
      expect(elapsedMs).toBeGreaterThan(50); // long enough for the probes to mean something
      return { maxLagMs: Math.max(histogram.max / 1e6, maxGap - 5), utilization };
    };
    // Decoding in-process keeps the main loop busy all along (utilisation 1.0, measured); in the pool it only
    // relays messages. A shared 2-core CI box can still deschedule the main thread for tens of ms, so the
    // bound must hold in one of three attempts, not in every one.
    const attempts = [];
    for (const decoders of [
      [PLAIN, F16],
      [F16, PLAIN],
      [PLAIN, F16],
    ] as const) {
      const result = await attempt(decoders);
      attempts.push(result);
      if (result.maxLagMs < 50 && result.utilization < 0.9) break;
    }
    expect(
      attempts.some((a) => a.maxLagMs < 50 && a.utilization < 0.9),
      JSON.stringify(attempts),
    ).toBe(true);
  });

  it('rejects after close; close cancels what is running', async () => {
    const logger = new RecordingLogger();
    const closing = await OnnxPool.create({ workers: 1, logger });
    const running = closing.generate(long()).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    await closing.close();
    expect(await running).toMatchObject({ code: 'cancelled' });
    // The worker confirmed it released its sessions (else close waits 5 s and warns release_timeout).
    expect(performance.now() - t0).toBeLessThan(4_000);
    expect(logger.warnings).toEqual([]);
    await expect(closing.generate(request())).rejects.toMatchObject({ code: 'internal' });
  });
});

describe('execution provider', () => {
  it('CUDA requested without CUDA libraries: one warning, then the CPU', async () => {
    const logger = new RecordingLogger();
    const cuda = await OnnxPool.create({ workers: 1, executionProvider: 'cuda', logger });
    try {
      const tokens: number[] = [];
      await cuda.generate(request({ maxNewTokens: 5 }), { onToken: (e) => tokens.push(e.tokenId) });
      expect(tokens).toEqual(references.greedy.slice(0, 5));
      const info = await cuda.inspect(EMBED);
      if (cudaProviderInstalled() && info.provider === 'cuda') {
        expect(logger.warnings).toHaveLength(0);
      } else {
        expect(info.provider).toBe('cpu');
        expect(logger.warnings).toHaveLength(1); // the second model went straight to the CPU
        expect(logger.warnings[0]?.obj).toMatchObject({ code: 'cuda_unavailable', requested: 'cuda' });
      }
    } finally {
      await cuda.close();
    }
  });
});
