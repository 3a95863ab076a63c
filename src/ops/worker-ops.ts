import type { Logger } from '../core/logger.js';
import type { WorkerHealth } from '../queue/queue-worker.js';
import { WorkerMetrics } from '../queue/worker-metrics.js';
import { type HealthReport, OpsServer } from './ops-server.js';
import { PromMetrics } from './prom-metrics.js';

/** Options of {@link WorkerOps} (config: `ops.host`, `ops.port`). */
export interface WorkerOpsOptions {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly logger: Logger;
}

/** The /healthz report of a worker process from the state of its BullMQ Workers. */
export function workerHealthReport(health: WorkerHealth): HealthReport {
  const { status, queues, running, connected } = health;
  return { status, checks: { role: 'worker', queues, running, connected } };
}

/**
 * /metrics and /healthz of `llmbind serve --role=worker`: the frontend's {@link OpsServer} over a
 * {@link PromMetrics} registry (process metrics) with the worker's job metrics added to it.
 */
export class WorkerOps {
  readonly prom = new PromMetrics({ processMetrics: true });
  /** Pass as the workers' job observer. */
  readonly jobs = new WorkerMetrics(this.prom.registry);
  private server: OpsServer | undefined;

  constructor(private readonly options: WorkerOpsOptions) {}

  /**
   * Serves both endpoints, health read from `health` at each request. Resolves with the bound port, or
   * undefined when it could not listen: metrics are for operators, so that is logged and the worker
   * still runs jobs.
   */
  async start(health: () => WorkerHealth): Promise<number | undefined> {
    const { host, port, logger } = this.options;
    const server = new OpsServer({
      host,
      port,
      logger,
      scrape: () => this.prom.scrape(),
      health: () => workerHealthReport(health()),
    });
    try {
      const bound = await server.start();
      this.server = server;
      return bound;
    } catch (error) {
      logger.error({ err: String(error), port }, 'ops server (/metrics, /healthz) did not start');
      return undefined;
    }
  }

  /** Stops serving (idempotent). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop();
  }
}
