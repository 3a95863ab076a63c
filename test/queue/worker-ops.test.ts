import { afterEach, describe, expect, it } from 'vitest';
import type { EngineContext } from '../../src/engine/engine.js';
import { WorkerOps } from '../../src/ops/worker-ops.js';
import type { WorkerHealth } from '../../src/queue/queue-worker.js';
import { RedisQueueBackend } from '../../src/queue/redis-backend.js';
import { TaskRegistry } from '../../src/tasks/task-registry.js';
import { done } from '../fakes/fake-engine.js';
import { FakeTask } from '../fakes/fake-task.js';
import { collect, KINDS, type Rig, rig, ScriptedEngine } from './queue-fixture.js';

const ask = (text: string): EngineContext => ({
  turns: [{ role: 'user', text, images: [] }],
  sampling: { maxNewTokens: 8, temperature: 0, topP: 1, seed: 7 },
});

/** Reads one sample's value from Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

let current: Rig | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await current?.close();
  current = undefined;
});

/** A worker backend on the rig's Redis, wired as `runtimeForRole` wires it for `--role=worker`. */
async function worker(
  r: Rig,
  ops: WorkerOps,
): Promise<{ backend: RedisQueueBackend; health: () => WorkerHealth }> {
  const backend = await RedisQueueBackend.connect(r.settings, r.logger);
  const runtime = {
    engine: new ScriptedEngine(() => [{ type: 'text', delta: 'hello' }, done('hello')]),
    tasks: new TaskRegistry([new FakeTask('image_generation'), new FakeTask('segmentation', () => 'fail')]),
  };
  await backend.startWorkers(runtime, () => 1, { observer: ops.jobs });
  const health = (): WorkerHealth => {
    const state = backend.health();
    if (!state) throw new Error('the workers did not start');
    return state;
  };
  return { backend, health };
}

describe('worker /metrics and /healthz (real redis-server)', () => {
  it('counts engine and task jobs by queue, kind and outcome; healthz ok, then draining, then gone', async () => {
    const r = await rig();
    current = r;
    const ops = new WorkerOps({ host: '127.0.0.1', port: 0, logger: r.logger });
    cleanups.push(() => ops.stop());
    const { backend, health } = await worker(r, ops);
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await backend.close(0);
    });
    const port = await ops.start(health);
    expect(port).toBeTypeOf('number');
    const base = `http://127.0.0.1:${port}`;

    const healthy = await fetch(`${base}/healthz`);
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toEqual({
      status: 'ok',
      checks: { role: 'worker', queues: 3, running: 0, connected: true },
    });

    const front = r.frontend.frontend(KINDS);
    const events = await collect(front.engine.respond(ask('hi')));
    expect(events.at(-1)?.type).toBe('done');
    const made = await front.tasks
      .get('image_generation')
      ?.run({ kind: 'image_generation', prompt: 'fox', seed: 3 }, {});
    expect(made?.ok).toBe(true);
    const failed = await front.tasks
      .get('segmentation')
      ?.run({ kind: 'segmentation', prompt: 'cat', seed: 4 }, {});
    expect(failed?.ok).toBe(false);

    const scrape = await fetch(`${base}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    const text = await scrape.text();
    expect(sample(text, 'llmbind_worker_jobs_total{queue="engine",kind="chat",outcome="ok"}')).toBe(1);
    expect(sample(text, 'llmbind_worker_jobs_total{queue="task",kind="image_generation",outcome="ok"}')).toBe(
      1,
    );
    expect(
      sample(text, 'llmbind_worker_jobs_total{queue="task",kind="segmentation",outcome="task_failed"}'),
    ).toBe(1);
    expect(
      sample(text, 'llmbind_worker_jobs_total{queue="task",kind="segmentation",outcome="ok"}'),
    ).toBeUndefined();
    for (const kind of ['chat', 'image_generation', 'segmentation']) {
      expect(sample(text, `llmbind_worker_job_run_seconds_count{kind="${kind}"}`)).toBe(1);
      expect(sample(text, `llmbind_worker_job_run_seconds_sum{kind="${kind}"}`)).toBeGreaterThan(0);
    }
    expect(sample(text, 'llmbind_worker_jobs_running{queue="engine",kind="chat"}')).toBe(0);
    expect(sample(text, 'llmbind_worker_jobs_running{queue="task",kind="image_generation"}')).toBe(0);
    // Process metrics come from the reused PromMetrics; the frontend's names are left as they are.
    expect(sample(text, 'llmbind_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(text).toContain('# TYPE llmbind_job_duration_seconds histogram');

    // Closing (SIGTERM): healthz answers draining (503) until the ops server stops.
    await backend.close(0);
    closed = true;
    const draining = await fetch(`${base}/healthz`);
    expect(draining.status).toBe(503);
    expect(((await draining.json()) as { status: string }).status).toBe('draining');

    await ops.stop();
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('reports down (503) when Redis is gone, and a taken port leaves the worker running', async () => {
    const r = await rig();
    current = r;
    const ops = new WorkerOps({ host: '127.0.0.1', port: 0, logger: r.logger });
    cleanups.push(() => ops.stop());
    const { backend, health } = await worker(r, ops);
    cleanups.push(() => backend.close(0));
    const port = await ops.start(health);
    const taken = new WorkerOps({ host: '127.0.0.1', port: port ?? 0, logger: r.logger });
    expect(await taken.start(health)).toBeUndefined();

    await r.redis.stop();
    // ioredis reports the lost server through its status; the probe reads it on each request.
    let report = await fetch(`http://127.0.0.1:${port}/healthz`);
    while (report.status === 200) {
      await new Promise((resolve) => setImmediate(resolve));
      report = await fetch(`http://127.0.0.1:${port}/healthz`);
    }
    expect(report.status).toBe(503);
    expect(await report.json()).toMatchObject({ status: 'down', checks: { connected: false } });
  });
});
