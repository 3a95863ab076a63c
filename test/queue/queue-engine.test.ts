import { Queue } from 'bullmq';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LlmbindError } from '../../src/core/errors.js';
import type { EngineContext, EngineEvent } from '../../src/engine/engine.js';
import { done } from '../fakes/fake-engine.js';
import { collect, deferred, KINDS, type Rig, rig, ScriptedEngine } from './queue-fixture.js';

const ask = (text: string): EngineContext => ({
  turns: [{ role: 'user', text, images: [{ bytes: new Uint8Array([1, 2, 3]), mime: 'image/png' }] }],
  sampling: { maxNewTokens: 8, temperature: 0, topP: 1, seed: 7 },
});

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function start(): Promise<Rig> {
  current = await rig();
  return current;
}

describe('QueueEngine over BullMQ (frontend and worker in one process, real redis-server)', () => {
  it('streams text, task calls (with the [SEG] embedding), warnings and done in order', async () => {
    const r = await start();
    const seg = new Float32Array([0.5, -1.25, 3e-8]);
    const script: EngineEvent[] = [
      { type: 'text', delta: 'Here ' },
      { type: 'task', call: { kind: 'segmentation', prompt: 'the cat', segEmbedding: seg, index: 0 } },
      { type: 'warning', code: 'unclosed_task_tag', kind: 'image_generation', prompt: 'a dog' },
      { type: 'text', delta: 'you go.' },
      done('Here [SEG] you go.'),
    ];
    const engine = new ScriptedEngine(() => script);
    await r.worker(engine);
    const events = await collect(r.frontend.frontend(KINDS).engine.respond(ask('hi')));
    expect(events).toEqual(script);
    const task = events[1];
    expect(task?.type === 'task' && task.call.segEmbedding).toBeInstanceOf(Float32Array);
    expect(engine.started).toEqual(['hi']);
  });

  it('passes the images and sampling of the context to the worker', async () => {
    const r = await start();
    const seen: EngineContext[] = [];
    const engine = new ScriptedEngine(() => [done('ok')]);
    const respond = engine.respond.bind(engine);
    engine.respond = (context, signal) => {
      seen.push(context);
      return respond(context, signal);
    };
    await r.worker(engine);
    await collect(r.frontend.frontend(KINDS).engine.respond(ask('look')));
    expect(seen[0]?.sampling.seed).toBe(7);
    expect([...(seen[0]?.turns[0]?.images[0]?.bytes ?? [])]).toEqual([1, 2, 3]);
  });

  it('a failed engine reaches the frontend with its error code; an unexpected one as engine_failed', async () => {
    const r = await start();
    const engine = new ScriptedEngine((text) =>
      text === 'busy' ? new LlmbindError('rate_limited', 'server says 429') : new Error('boom'),
    );
    await r.worker(engine);
    const { engine: queued } = r.frontend.frontend(KINDS);
    await expect(collect(queued.respond(ask('busy')))).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(collect(queued.respond(ask('crash')))).rejects.toMatchObject({ code: 'engine_failed' });
  });

  it('cancelling a waiting job removes it from the queue: no worker ever runs it', async () => {
    const r = await start();
    const gate = deferred();
    const engine = new ScriptedEngine((text) =>
      text === 'first' ? [{ hold: gate.promise }, done('first')] : [done(text)],
    );
    await r.worker(engine, [], 1);
    const { engine: queued } = r.frontend.frontend(KINDS);
    const first = collect(queued.respond(ask('first')));
    await engine.arrived('first');
    const controller = new AbortController();
    const second = collect(queued.respond(ask('second'), controller.signal));
    const probe = new Queue('llmbind-engine', {
      connection: { url: r.redis.url },
      prefix: r.settings.prefix,
    });
    try {
      await vi.waitFor(async () => expect(await probe.getWaitingCount()).toBe(1), {
        timeout: 5_000,
        interval: 20,
      });
      controller.abort();
      await expect(second).rejects.toThrow();
      await vi.waitFor(async () => expect(await probe.getWaitingCount()).toBe(0), {
        timeout: 5_000,
        interval: 20,
      });
    } finally {
      await probe.close();
    }
    gate.resolve();
    await first;
    // FIFO: had the second job stayed queued, it would run before the third.
    await collect(queued.respond(ask('third')));
    expect(engine.started).toEqual(['first', 'third']);
  });

  it('cancelling a running job aborts the engine on the worker that holds it', async () => {
    const r = await start();
    const never = deferred();
    const engine = new ScriptedEngine(() => [
      { type: 'text', delta: 'Once' },
      { hold: never.promise },
      done('x'),
    ]);
    await r.worker(engine);
    const controller = new AbortController();
    const got: EngineEvent[] = [];
    const reply = (async () => {
      for await (const event of r.frontend.frontend(KINDS).engine.respond(ask('story'), controller.signal)) {
        got.push(event);
        if (event.type === 'text') controller.abort(new LlmbindError('cancelled', 'user pressed Cancel'));
      }
    })();
    await expect(reply).rejects.toMatchObject({ code: 'cancelled' });
    await engine.abortedOn('story');
    expect(engine.aborted).toEqual(['story']);
    expect(got).toEqual([{ type: 'text', delta: 'Once' }]);
  });

  it('a job whose worker stops renewing its lock runs again on another worker; one answer reaches the frontend', async () => {
    const r = await start();
    const stuck = deferred();
    const first = new ScriptedEngine(() => [
      { type: 'text', delta: 'Once upon' },
      { hold: stuck.promise },
      { type: 'text', delta: ' a stale time.' },
      done('stale'),
    ]);
    const workerA = await r.worker(first);
    const reply = collect(r.frontend.frontend(KINDS).engine.respond(ask('story')));
    await first.arrived('story');
    // Forced close: A's lock is no longer renewed, as when its process dies; its engine still runs.
    await workerA.close(0);
    const second = new ScriptedEngine(() => [
      { type: 'text', delta: 'Once' },
      { type: 'text', delta: ' upon a time.' },
      done('Once upon a time.'),
    ]);
    await r.worker(second);
    const events = await reply;
    stuck.resolve();
    expect(second.started).toEqual(['story']);
    // "Once upon" came from the first worker; the second one's repeat of it was swallowed.
    expect(events.flatMap((e) => (e.type === 'text' ? [e.delta] : []))).toEqual(['Once upon', ' a time.']);
    expect(events.filter((e) => e.type === 'done')).toEqual([done('Once upon a time.')]);
  });
});
