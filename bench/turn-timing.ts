/** Per-turn timing for bench/concurrency.ts: where each turn's wall time went (engine, tasks, queue). */
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { FairScheduler } from '../src/core/jobs/fair-scheduler.js';
import type { JobHandle, JobSpec } from '../src/core/jobs/job.js';
import type { Engine, EngineContext, EngineEvent } from '../src/engine/engine.js';
import type { Task } from '../src/tasks/task.js';

export type Interval = [number, number];
/** Where one turn's time went (performance.now() intervals). */
export interface TurnTiming {
  readonly device: Interval[];
  readonly queued: Interval[];
  readonly slot: Interval[];
}
export const turnOf = new AsyncLocalStorage<TurnTiming>();
export const timings = new Map<string, TurnTiming>();
export const timed = (into: keyof TurnTiming, t0: number) =>
  turnOf.getStore()?.[into].push([t0, performance.now()]);

/** Times each step of the inner engine's stream: the wait until its next event is ready. */
export const timedEngine = (inner: Engine): Engine => ({
  async *respond(context: EngineContext, signal?: AbortSignal): AsyncIterable<EngineEvent> {
    const events = inner.respond(context, signal)[Symbol.asyncIterator]();
    for (;;) {
      const t0 = performance.now();
      const next = await events.next();
      timed('device', t0);
      if (next.done) return;
      yield next.value;
    }
  },
  close: () => inner.close(),
});

/** Times a task runner's runs. */
export const timedTask = (inner: Task): Task => ({
  kind: inner.kind,
  run: async (request, options) => {
    const t0 = performance.now();
    return inner.run(request, options).finally(() => timed('device', t0));
  },
  dispose: () => inner.dispose(),
});

/** The fair scheduler, each job's run bound to its turn (a queued job is started from another's context). */
export class TimedScheduler extends FairScheduler {
  override submit<T>(spec: JobSpec<T>): JobHandle<T> {
    const queuedAt = performance.now();
    const run = AsyncResource.bind(async (signal: AbortSignal): Promise<T> => {
      const start = performance.now();
      turnOf.getStore()?.queued.push([queuedAt, start]);
      return spec.run(signal).finally(() => timed('slot', start));
    });
    return super.submit({ ...spec, run });
  }
}

/** Total length of intervals, overlaps counted once. */
export function covered(intervals: readonly Interval[] = []): number {
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [a, b] of [...intervals].sort((x, y) => x[0] - y[0])) {
    if (b > end) total += b - Math.max(a, end);
    end = Math.max(end, b);
  }
  return total;
}
