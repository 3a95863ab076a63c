import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { LlmbindError } from '../core/errors.js';
import type { JobKind } from '../core/jobs/job.js';
import type { Logger } from '../core/logger.js';
import { readManifest } from '../engine/bundle/load-bundle.js';
import type { TaskKind } from '../engine/protocol/task-kind.js';
import { resolveEngineBackend } from '../engine/remote/remote-engine-config.js';
import { fitToLimit } from '../media/fit-to-limit.js';
import {
  bundleDir,
  checkImageInput,
  createRuntime,
  DEMO_PACK_DIR,
  ffmpegFor,
  type Runtime,
} from '../runtime.js';
import { httpKinds, planInProcessTasks } from '../tasks/http/http-task-config.js';
import type { QueueWorkersHooks, WorkerHealth } from './queue-worker.js';
import { RedisQueueBackend, type RedisQueueSettings } from './redis-backend.js';

/** What `llmbind serve` runs: today's single process, or one half of a scale-out. */
export type ServeRole = 'all' | 'frontend' | 'worker';

/** Parses `--role=…` (or `--role …`); `all` when absent. */
export function parseRole(args: readonly string[]): ServeRole | undefined {
  const at = args.findIndex((a) => a === '--role' || a.startsWith('--role='));
  if (at === -1) return 'all';
  const arg = args[at] as string;
  const value = arg.includes('=') ? arg.slice('--role='.length) : args[at + 1];
  return value === 'all' || value === 'frontend' || value === 'worker' ? value : undefined;
}

/** The Redis settings of config; a frontend or worker role without Redis is a config error. */
export function redisSettings(config: Config, role: ServeRole): RedisQueueSettings | undefined {
  const q = config.queue;
  if (role !== 'all' && q.backend !== 'redis')
    throw new LlmbindError(
      'config_invalid',
      `--role=${role} needs the Redis queue: set LLMBIND_QUEUE_BACKEND=redis and LLMBIND_REDIS_URL`,
    );
  return q.backend === 'redis' ? q : undefined;
}

/**
 * The task kinds the workers serve, from the same config and bundle they read: a frontend reads the
 * manifest only (no model is loaded), and plans tasks exactly as `createRuntime` does on a worker.
 */
export async function plannedTaskKinds(config: Config): Promise<TaskKind[]> {
  const llm = resolveEngineBackend(config.engine.backend, config.engine.remote);
  const wanted =
    llm === 'onnx' || config.models.dir !== '' || existsSync(join(DEMO_PACK_DIR, 'manifest.json'));
  const manifest = wanted ? await readManifest(bundleDir(config)) : undefined;
  const http = httpKinds(config.tasks.http);
  const plan = planInProcessTasks(manifest?.tasks ?? {}, {
    llm,
    hasSegProjector: Boolean(manifest?.llm.segProjector),
    http,
  });
  return [...(Object.keys(plan.sections) as TaskKind[]), ...http];
}

/** Jobs a worker runs at once on a queue: the scheduler's limit for the resource the kind runs on. */
export function workerConcurrency(config: Config, runtime: Runtime): (kind: JobKind) => number {
  return (kind) => {
    if (config.queue.concurrency > 0) return config.queue.concurrency;
    if (runtime.resourceOf(kind) === 'remote') return config.scheduler.remoteConcurrency;
    return config.scheduler.concurrency || config.engine.workers;
  };
}

/**
 * The runtime `llmbind serve` builds for its role. `all` without Redis is today's in-process runtime;
 * a frontend gets a runtime whose engine and task runners enqueue (no model loaded, images checked and
 * media fitted locally); a worker gets the in-process runtime and consumes the queues; `all` with Redis
 * is both halves in one process. `observer` sees the jobs the workers run; `health` reads their state
 * (absent when this process runs no queue worker).
 */
export async function runtimeForRole(
  config: Config,
  logger: Logger,
  role: ServeRole,
  observer?: QueueWorkersHooks['observer'],
): Promise<{
  runtime?: Runtime;
  close: (graceMs: number) => Promise<void>;
  health?: () => WorkerHealth;
}> {
  const settings = redisSettings(config, role);
  if (!settings) {
    const runtime = await createRuntime(config, logger);
    return { runtime, close: () => runtime.close() };
  }
  const backend = await RedisQueueBackend.connect(settings, logger);
  let local: Runtime | undefined;
  try {
    if (role !== 'frontend') {
      local = await createRuntime(config, logger);
      await backend.startWorkers(local, workerConcurrency(config, local), observer ? { observer } : {});
    }
    const closeAll = async (graceMs: number) => {
      await backend.close(graceMs);
      await local?.close();
    };
    if (role === 'worker')
      return {
        close: closeAll,
        health: () => backend.health() ?? { status: 'down', queues: 0, running: 0, connected: false },
      };
    const { engine, tasks } = backend.frontend(await plannedTaskKinds(config));
    const ffmpeg = ffmpegFor(config);
    const runtime: Runtime = {
      engine,
      tasks,
      checkImage: checkImageInput,
      fit: (media, limit) => fitToLimit(media, limit, undefined, ffmpeg),
      // Every job leaves this process: the frontend's scheduler bounds how many it has in flight.
      resourceOf: () => 'remote',
      modelOf: (kind) => `queue:${kind}`,
      close: async () => {},
    };
    return { runtime, close: closeAll };
  } catch (error) {
    await backend.close(0);
    await local?.close();
    throw error;
  }
}
