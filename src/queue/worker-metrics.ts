import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { JobKind } from '../core/jobs/job.js';
import { DURATION_BUCKETS } from '../ops/prom-metrics.js';
import type { WorkerJobObserver, WorkerJobOutcome } from './queue-worker.js';

/** The BullMQ queue family a job kind is consumed from: the engine queue, or one queue per task kind. */
export function queueOf(kind: JobKind): 'engine' | 'task' {
  return kind === 'chat' ? 'engine' : 'task';
}

/**
 * Prometheus metrics of the jobs a worker process runs, on a registry it is given (a worker's
 * `PromMetrics` registry, so that /metrics also shows process metrics). Names carry `worker_` so they
 * never clash with the frontend's scheduler metrics when both halves run in one process.
 */
export class WorkerMetrics implements WorkerJobObserver {
  private readonly jobs: Counter<'queue' | 'kind' | 'outcome'>;
  private readonly runSeconds: Histogram<'kind'>;
  private readonly running: Gauge<'queue' | 'kind'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.jobs = new Counter({
      name: 'llmbind_worker_jobs_total',
      help: 'Jobs this worker ran, by queue (engine, task), kind and outcome (ok or error code)',
      labelNames: ['queue', 'kind', 'outcome'] as const,
      registers,
    });
    this.runSeconds = new Histogram({
      name: 'llmbind_worker_job_run_seconds',
      help: 'Run time of the jobs this worker ran, by kind',
      labelNames: ['kind'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.running = new Gauge({
      name: 'llmbind_worker_jobs_running',
      help: 'Jobs running on this worker now, by queue and kind',
      labelNames: ['queue', 'kind'] as const,
      registers,
    });
  }

  started(kind: JobKind): void {
    this.running.inc({ queue: queueOf(kind), kind });
  }

  settled(kind: JobKind, outcome: WorkerJobOutcome, runMs: number): void {
    const queue = queueOf(kind);
    this.running.dec({ queue, kind });
    this.jobs.inc({ queue, kind, outcome });
    this.runSeconds.observe({ kind }, runMs / 1000);
  }
}
