import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ErrorCode } from '../core/errors.js';
import type { JobKind } from '../core/jobs/job.js';
import type { SchedulerObserver, SchedulerStats } from '../core/jobs/job-scheduler.js';
import type { Platform } from '../core/message.js';
import type { BotMetrics } from './metrics.js';

/** Options of {@link PromMetrics}. */
export interface PromMetricsOptions {
  /** Queue depth is read at scrape time from here (no counter to drift). */
  readonly queue?: () => SchedulerStats;
  /** Adds Node's process metrics (CPU, memory, event-loop lag, GC). */
  readonly processMetrics?: boolean;
}

/** Seconds; spans a segmentation pass to a long video on CPU. */
export const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];

/**
 * Snowflakes and other long numbers in a route would make one time series per channel: they
 * become `:id` (Discord's own bucket logic does the same).
 */
export function normaliseRoute(route: string): string {
  return route
    .replace(/\?.*$/, '')
    .replace(/\d{5,}/g, ':id')
    .slice(0, 120);
}

/** {@link BotMetrics} on a prom-client registry of its own (never the global one). */
export class PromMetrics implements BotMetrics {
  readonly registry = new Registry();
  private readonly jobDuration: Histogram<'kind' | 'outcome'>;
  private readonly jobWait: Histogram<'kind'>;
  private readonly compute: Counter<'kind'>;
  private readonly rateLimits: Counter<'platform' | 'route'>;
  private readonly errors: Counter<'code'>;

  constructor(options: PromMetricsOptions = {}) {
    const registers = [this.registry];
    const queue = options.queue;
    new Gauge({
      name: 'llmbind_queue_depth',
      help: 'Jobs per scheduler resource and state (queued, running)',
      labelNames: ['resource', 'state'] as const,
      registers,
      collect() {
        if (!queue) return;
        for (const [resource, counts] of Object.entries(queue().byResource)) {
          this.set({ resource, state: 'queued' }, counts.queued);
          this.set({ resource, state: 'running' }, counts.running);
        }
      },
    });
    this.jobDuration = new Histogram({
      name: 'llmbind_job_duration_seconds',
      help: 'Run time of scheduler jobs by kind and outcome',
      labelNames: ['kind', 'outcome'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.jobWait = new Histogram({
      name: 'llmbind_job_wait_seconds',
      help: 'Time jobs waited in the queue before starting',
      labelNames: ['kind'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.compute = new Counter({
      name: 'llmbind_compute_seconds_total',
      help: 'Compute-seconds billed by kind (as the engine and task runners reported them)',
      labelNames: ['kind'] as const,
      registers,
    });
    this.rateLimits = new Counter({
      name: 'llmbind_rate_limited_total',
      help: '429 responses from platform APIs by platform and route',
      labelNames: ['platform', 'route'] as const,
      registers,
    });
    this.errors = new Counter({
      name: 'llmbind_errors_total',
      help: 'Failures by stable error code',
      labelNames: ['code'] as const,
      registers,
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'llmbind_' });
  }

  jobSettled(kind: JobKind, outcome: 'ok' | ErrorCode, times: { waitedMs: number; runMs: number }): void {
    this.jobDuration.observe({ kind, outcome }, times.runMs / 1000);
    this.jobWait.observe({ kind }, times.waitedMs / 1000);
    if (outcome !== 'ok') this.errors.inc({ code: outcome });
  }

  computeSeconds(kind: JobKind, seconds: number): void {
    if (seconds > 0) this.compute.inc({ kind }, seconds);
  }

  rateLimited(platform: Platform, route: string): void {
    this.rateLimits.inc({ platform, route: normaliseRoute(route) });
  }

  error(code: ErrorCode): void {
    this.errors.inc({ code });
  }

  /** The scheduler observer that feeds job metrics (pass it to FairScheduler's options). */
  schedulerObserver(): SchedulerObserver {
    return { settled: (job, outcome, times) => this.jobSettled(job.kind, outcome, times) };
  }

  /** The exposition text and its content type, for /metrics. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
