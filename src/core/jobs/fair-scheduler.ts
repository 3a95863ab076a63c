import { randomUUID } from 'node:crypto';
import { type ErrorCode, fail, LlmbindError, ok, type Result, toFailure } from '../errors.js';
import { DurationEstimator } from './duration-estimator.js';
import { FairQueue } from './fair-queue.js';
import { DEFAULT_SCHEDULER_OPTIONS, type FairSchedulerOptions } from './fair-scheduler-options.js';
import {
  DEFAULT_PRIORITIES,
  type JobDone,
  type JobEvent,
  type JobHandle,
  type JobInfo,
  type JobSpec,
} from './job.js';
import type { JobScheduler, SchedulerStats } from './job-scheduler.js';

interface Job {
  readonly id: string;
  readonly spec: JobSpec<unknown>;
  readonly resource: string;
  /** The kind's priority, before aging. */
  readonly basePriority: number;
  /** The level it is queued at now (aging lowers it). */
  priority: number;
  readonly seq: number;
  readonly owner: JobSpec<unknown>['owner'];
  readonly controller: AbortController;
  readonly submittedAt: number;
  readonly resolve: (result: Result<JobDone<unknown>>) => void;
  state: 'queued' | 'running';
  settled: boolean;
  startedAt?: number;
  lastPosition?: number;
  timer?: ReturnType<typeof setTimeout>;
  detach?: () => void;
}

interface Lane {
  readonly concurrency: number;
  readonly queue: FairQueue<Job>;
  readonly running: Set<Job>;
  /** Queued jobs with an onEvent listener: positions are only worked out when someone listens. */
  listening: number;
}

/**
 * The in-process {@link JobScheduler}: one fair queue per device resource, priorities by kind,
 * per-resource concurrency, cancellation, run timeouts, and queue position + ETA events.
 */
export class FairScheduler implements JobScheduler {
  private readonly lanes = new Map<string, Lane>();
  private readonly jobs = new Map<string, Job>();
  private readonly defaultResource: string;
  private readonly estimator: DurationEstimator;
  private readonly now: () => number;
  private readonly idleWaiters: Array<() => void> = [];
  private seq = 0;
  private closed = false;

  constructor(private readonly options: FairSchedulerOptions = {}) {
    const resources = options.resources ?? DEFAULT_SCHEDULER_OPTIONS.resources;
    for (const [name, concurrency] of Object.entries(resources)) {
      if (!Number.isInteger(concurrency) || concurrency < 1)
        throw new Error(`resource ${name}: concurrency must be a positive integer, got ${concurrency}`);
      this.lanes.set(name, { concurrency, queue: new FairQueue(), running: new Set(), listening: 0 });
    }
    const first = this.lanes.keys().next();
    if (first.done) throw new Error('the scheduler needs at least one resource');
    this.defaultResource = first.value;
    this.estimator = options.estimator ?? new DurationEstimator();
    this.now = options.now ?? Date.now;
  }

  submit<T>(spec: JobSpec<T>): JobHandle<T> {
    const resource = spec.resource ?? this.defaultResource;
    const lane = this.lanes.get(resource);
    if (!lane) throw new Error(`unknown scheduler resource: ${resource}`);
    let resolve!: (result: Result<JobDone<T>>) => void;
    const result = new Promise<Result<JobDone<T>>>((r) => {
      resolve = r;
    });
    const priority = spec.priority ?? this.options.priorities?.[spec.kind] ?? DEFAULT_PRIORITIES[spec.kind];
    const job: Job = {
      id: randomUUID(),
      spec,
      resource,
      basePriority: priority,
      priority,
      seq: this.seq++,
      owner: spec.owner,
      controller: new AbortController(),
      submittedAt: this.now(),
      // The run's value is T; the lane stores jobs of every T, so the cast lives here only.
      resolve: (r) => resolve(r as Result<JobDone<T>>),
      state: 'queued',
      settled: false,
    };
    const handle: JobHandle<T> = { id: job.id, result, cancel: () => this.cancel(job, 'cancelled') };
    if (this.closed) {
      resolve(fail('cancelled', 'the scheduler is shutting down', { reason: 'shutdown' }));
      return handle;
    }
    if (spec.signal?.aborted) {
      resolve(fail('cancelled', 'cancelled before it was queued'));
      return handle;
    }
    if (spec.signal) {
      const signal = spec.signal;
      const onAbort = (): void => this.cancel(job, 'cancelled');
      signal.addEventListener('abort', onAbort, { once: true });
      job.detach = () => signal.removeEventListener('abort', onAbort);
    }
    this.jobs.set(job.id, job);
    lane.queue.push(job);
    if (spec.onEvent) lane.listening += 1;
    this.pump(lane);
    return handle;
  }

  cancelWhere(filter: (job: JobInfo) => boolean, reason?: 'shutdown'): number {
    let n = 0;
    for (const job of [...this.jobs.values()]) {
      if (job.settled || !filter(this.info(job))) continue;
      this.cancel(job, 'cancelled', reason);
      n += 1;
    }
    return n;
  }

  stats(): SchedulerStats {
    const byResource: Record<string, { queued: number; running: number }> = {};
    let queued = 0;
    let running = 0;
    for (const [name, lane] of this.lanes) {
      byResource[name] = { queued: lane.queue.size, running: lane.running.size };
      queued += lane.queue.size;
      running += lane.running.size;
    }
    return { queued, running, byResource };
  }

  async close(options: { readonly cancelQueued?: boolean } = {}): Promise<void> {
    this.closed = true;
    if (options.cancelQueued)
      for (const job of [...this.jobs.values()])
        if (job.state === 'queued') this.cancel(job, 'cancelled', 'shutdown');
    if (this.jobs.size === 0) return;
    await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  /** Starts queued jobs while their lane has free slots, then tells the rest where they stand. */
  private pump(lane: Lane): void {
    this.age(lane);
    while (lane.running.size < lane.concurrency) {
      const job = lane.queue.pop();
      if (!job) break;
      this.start(lane, job);
    }
    this.publishPositions(lane);
  }

  /** Moves jobs that have waited long enough up a level (checked whenever the queue is served). */
  private age(lane: Lane): void {
    const agingMs = this.options.agingMs ?? DEFAULT_SCHEDULER_OPTIONS.agingMs;
    if (agingMs <= 0 || lane.queue.size === 0) return;
    const now = this.now();
    const levelOf = (job: Job): number =>
      Math.max(0, job.basePriority - Math.floor((now - job.submittedAt) / agingMs));
    for (const job of lane.queue.remove((j) => levelOf(j) < j.priority)) {
      job.priority = levelOf(job);
      lane.queue.push(job);
    }
  }

  private start(lane: Lane, job: Job): void {
    const startedAt = this.now();
    if (job.spec.onEvent) lane.listening -= 1;
    job.state = 'running';
    job.startedAt = startedAt;
    lane.running.add(job);
    const waitedMs = startedAt - job.submittedAt;
    this.emit(job, { type: 'started', waitedMs });
    const timeoutMs = job.spec.timeoutMs ?? this.options.defaultTimeoutMs ?? 600_000;
    job.timer = setTimeout(() => this.cancel(job, 'timeout'), timeoutMs);
    const signal = job.controller.signal;
    // A microtask, so a run never executes inside submit() and re-enters the scheduler.
    Promise.resolve()
      .then(() => job.spec.run(signal))
      .then(
        (value) => this.settle(job, ok({ value, waitedMs, runMs: this.now() - startedAt })),
        (error: unknown) => {
          const fallback: ErrorCode = job.spec.kind === 'chat' ? 'engine_failed' : 'task_failed';
          this.settle(job, { ok: false, error: toFailure(error, fallback) });
        },
      )
      .finally(() => {
        clearTimeout(job.timer);
        lane.running.delete(job);
        this.jobs.delete(job.id);
        this.pump(lane);
        this.checkIdle();
      });
  }

  /** Cancels a job: a queued one leaves the queue, a running one is aborted (its slot stays taken until it returns). */
  private cancel(job: Job, code: 'cancelled' | 'timeout', reason?: 'shutdown'): void {
    if (job.settled) return;
    const lane = this.lanes.get(job.resource);
    if (job.state === 'queued' && lane) {
      lane.queue.remove((e) => e === job);
      if (job.spec.onEvent) lane.listening -= 1;
      this.jobs.delete(job.id);
      this.settle(job, fail(code, `job ${code} while queued`, reason ? { reason } : undefined));
      this.publishPositions(lane);
      this.checkIdle();
      return;
    }
    const ms = job.spec.timeoutMs ?? this.options.defaultTimeoutMs;
    const details: Record<string, string | number> =
      code === 'timeout' && ms ? { timeoutMs: ms } : reason ? { reason } : {};
    job.controller.abort(new LlmbindError(code, `job ${code}`, details));
    this.settle(job, fail(code, `job ${code} while running`, details));
  }

  private settle(job: Job, result: Result<JobDone<unknown>>): void {
    if (job.settled) return;
    job.settled = true;
    job.detach?.();
    const outcome = result.ok ? 'ok' : result.error.code;
    const runMs = job.startedAt === undefined ? 0 : this.now() - job.startedAt;
    const waitedMs = (job.startedAt ?? this.now()) - job.submittedAt;
    if (result.ok) this.estimator.observe(job.spec.kind, runMs);
    this.emit(job, { type: 'finished', outcome, runMs });
    try {
      this.options.observer?.settled?.(this.info(job), outcome, { waitedMs, runMs });
    } catch {
      // Metrics must never take a job down with them.
    }
    job.resolve(result);
  }

  private publishPositions(lane: Lane): void {
    if (lane.queue.size === 0 || lane.listening === 0) return;
    const now = this.now();
    let ahead = 0;
    for (const job of lane.running)
      ahead += Math.max(0, this.estimator.estimate(job.spec.kind) - (now - (job.startedAt ?? now)));
    let position = 0;
    for (const job of lane.queue.order()) {
      position += 1;
      if (job.lastPosition !== position) {
        job.lastPosition = position;
        this.emit(job, { type: 'queued', position, etaMs: Math.round(ahead / lane.concurrency) });
      }
      ahead += this.estimator.estimate(job.spec.kind);
    }
  }

  private emit(job: Job, event: JobEvent): void {
    try {
      job.spec.onEvent?.(event);
    } catch {
      // A broken progress message must not break scheduling.
    }
  }

  private info(job: Job): JobInfo {
    const { spec } = job;
    return {
      id: job.id,
      owner: job.owner,
      kind: spec.kind,
      resource: job.resource,
      state: job.state,
      ...(spec.conversationId === undefined ? {} : { conversationId: spec.conversationId }),
    };
  }

  private checkIdle(): void {
    if (this.jobs.size > 0) return;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }
}
