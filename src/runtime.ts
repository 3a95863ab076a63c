import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import type { Config } from './config/schema.js';
import type { AccessSettings } from './core/access/access-settings.js';
import type { ConversationStore } from './core/conversation-store.js';
import { type ErrorCode, LlmbindError, ok } from './core/errors.js';
import type { FitMedia } from './core/fit-media.js';
import type { ImageCheck } from './core/image-check.js';
import { FairScheduler } from './core/jobs/fair-scheduler.js';
import type { JobKind, JobOwner } from './core/jobs/job.js';
import type { SchedulerObserver } from './core/jobs/job-scheduler.js';
import type { Logger } from './core/logger.js';
import type { MediaStore } from './core/media-store.js';
import { Orchestrator } from './core/orchestrator.js';
import type { QuotaLimits, Quotas } from './core/quotas/quotas.js';
import { RollingQuotas } from './core/quotas/rolling-quotas.js';
import { type AuditLog, LoggerAuditLog } from './core/safety/audit-log.js';
import { BlocklistPolicy } from './core/safety/blocklist-policy.js';
import type { PromptPolicy } from './core/safety/prompt-policy.js';
import { FileMediaStore } from './core/store/file-media-store.js';
import { SqliteConversationStore } from './core/store/sqlite-conversation-store.js';
import { readManifest } from './engine/bundle/load-bundle.js';
import type { Manifest } from './engine/bundle/manifest.js';
import type { Engine } from './engine/engine.js';
import { OnnxEngine } from './engine/onnx/onnx-engine.js';
import { OnnxPool } from './engine/onnx/onnx-pool.js';
import type { TaskKind } from './engine/protocol/task-kind.js';
import { openAiEngineFromConfig, resolveEngineBackend } from './engine/remote/remote-engine-config.js';
import { defaultFfmpeg, Ffmpeg } from './media/ffmpeg.js';
import { fitToLimit } from './media/fit-to-limit.js';
import { decodeImageInput } from './media/image-input.js';
import { RedisQuotas } from './queue/redis-quotas.js';
import { createTasks } from './tasks/create-tasks.js';
import { httpKinds, httpTasksFromConfig, planInProcessTasks } from './tasks/http/http-task-config.js';
import { TaskRegistry } from './tasks/task-registry.js';

/** The shipped demo model pack, used when no bundle is configured. */
export const DEMO_PACK_DIR = fileURLToPath(new URL('../models/demo', import.meta.url));

/** Largest user attachment the core accepts (adapters may apply their platform's lower limit first). */
const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

/** The long-lived pieces every front end shares: one pool, one engine, one set of task runners. */
export interface Runtime {
  readonly engine: Engine;
  readonly tasks: TaskRegistry;
  readonly checkImage: ImageCheck;
  /** Fits produced media to an upload limit with the configured ffmpeg. */
  readonly fit: FitMedia;
  /** The model bundle in use, if any (a remote LLM may run with HTTP task servers only). */
  readonly bundle?: { readonly dir: string; readonly name: string };
  /** Counts model tokens, when the LLM runs in-process (a remote one leaves budgets in characters). */
  readonly countTokens?: (text: string) => number;
  /** The scheduler resource a job kind runs on: the in-process ONNX device, or a remote server. */
  resourceOf(kind: JobKind): Resource;
  /** Which model serves a task kind (for the audit log). */
  modelOf(kind: TaskKind): string;
  close(): Promise<void>;
}

/** Scheduler resources: in-process ONNX workers, and remote servers (LLM or task servers). */
export type Resource = 'onnx' | 'remote';

/** Resolves the model bundle directory from config, with a clear error when there is none. */
export function bundleDir(config: Config): string {
  const dir = config.models.dir ? resolve(config.models.dir) : DEMO_PACK_DIR;
  if (!existsSync(join(dir, 'manifest.json'))) {
    const hint = config.models.dir
      ? 'check LLMBIND_MODELS / --models'
      : 'the demo pack is missing from this checkout; set LLMBIND_MODELS or --models to a bundle';
    throw new LlmbindError('bundle_invalid', `no model bundle at ${dir} (${hint})`, { dir });
  }
  return dir;
}

/** ffmpeg/ffprobe from config, else the binaries the installer packages ship. */
export function ffmpegFor(config: Config): Ffmpeg {
  const { ffmpegPath, ffprobePath } = config.media;
  if (!ffmpegPath && !ffprobePath) return defaultFfmpeg();
  return new Ffmpeg({ ...(ffmpegPath ? { ffmpegPath } : {}), ...(ffprobePath ? { ffprobePath } : {}) });
}

/** The LLM: the bundle in-process, or an OpenAI-compatible server (then the bundle is optional). */
async function createEngine(
  config: Config,
  logger: Logger,
  pool: OnnxPool,
): Promise<{ engine: Engine; llm: 'onnx' | 'openai'; dir?: string; manifest?: Manifest }> {
  const llm = resolveEngineBackend(config.engine.backend, config.engine.remote);
  if (llm === 'onnx') {
    const dir = bundleDir(config);
    const engine = await OnnxEngine.create(dir, {
      pool,
      logger,
      requestTimeoutMs: config.engine.requestTimeoutMs,
    });
    return { engine, llm, dir, manifest: engine.loaded.manifest };
  }
  // With a remote LLM the bundle only supplies task models and tag spellings.
  const wanted = config.models.dir !== '' || existsSync(join(DEMO_PACK_DIR, 'manifest.json'));
  const dir = wanted ? bundleDir(config) : undefined;
  const manifest = dir ? await readManifest(dir) : undefined;
  const engine = openAiEngineFromConfig(config.engine.remote, {
    logger,
    requestTimeoutMs: config.engine.requestTimeoutMs,
    ...(manifest ? { taskTokens: manifest.llm.taskTokens } : {}),
  });
  return { engine, llm, ...(dir ? { dir } : {}), ...(manifest ? { manifest } : {}) };
}

/** Decodes and normalises a user image in this process (sharp), whatever runs the models. */
export const checkImageInput: ImageCheck = async (bytes) => {
  const result = await decodeImageInput(bytes);
  return result.ok
    ? ok({ png: result.value.png, width: result.value.width, height: result.value.height })
    : result;
};

/** Builds the shared runtime: worker pool, engine (bundle validated at start), task runners. */
export async function createRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const pool = await OnnxPool.create({
    workers: config.engine.workers,
    ...(config.engine.intraOpThreads > 0 ? { intraOpThreads: config.engine.intraOpThreads } : {}),
    executionProvider: config.engine.executionProvider,
    logger,
  });
  try {
    const { engine, llm, dir, manifest } = await createEngine(config, logger, pool);
    const ffmpeg = ffmpegFor(config);
    const plan = planInProcessTasks(manifest?.tasks ?? {}, {
      llm,
      hasSegProjector: Boolean(manifest?.llm.segProjector),
      http: httpKinds(config.tasks.http),
    });
    if (plan.segmentation === 'none' && manifest?.tasks.segmentation)
      logger.warn(
        'in-process segmentation needs a [SEG] embedding this LLM backend cannot give; set LLMBIND_TASK_SEGMENTATION_URL',
      );
    const tasks = new TaskRegistry([
      ...(dir ? await createTasks(dir, plan.sections, { pool, ffmpeg, logger }) : []),
      ...httpTasksFromConfig(config.tasks.http, { logger, timeoutMs: config.tasks.timeoutMs }),
    ]);
    logger.info({ llm, tasks: tasks.kinds(), segmentation: plan.segmentation }, 'runtime ready');
    const remote = new Set<JobKind>(httpKinds(config.tasks.http));
    if (llm === 'openai') remote.add('chat');
    return {
      engine,
      tasks,
      checkImage: checkImageInput,
      ...(engine instanceof OnnxEngine ? { countTokens: (t: string) => engine.countTokens(t) } : {}),
      resourceOf: (kind) => (remote.has(kind) ? 'remote' : 'onnx'),
      modelOf: (kind) => {
        const url = config.tasks.http[kind].url;
        if (url) return `http:${new URL(url).host}`;
        return manifest ? `${manifest.name}/${kind}` : kind;
      },
      fit: (media, limit) => fitToLimit(media, limit, undefined, ffmpeg),
      ...(dir && manifest ? { bundle: { dir, name: manifest.name } } : {}),
      close: async () => {
        await tasks.dispose();
        await engine.close();
        await pool.close();
      },
    };
  } catch (error) {
    await pool.close();
    throw error;
  }
}

/** The stores of the embedded default (SQLite + files in the data dir). */
export function dataStores(config: Config): { store: ConversationStore; media: MediaStore } {
  const dir = resolve(config.data.dir);
  return {
    store: new SqliteConversationStore(join(dir, 'conversations.db')),
    media: new FileMediaStore(join(dir, 'media')),
  };
}

/** The services every front end of one process shares: one queue, one budget, one policy. */
export interface SharedServices {
  readonly scheduler: FairScheduler;
  readonly policy: PromptPolicy;
  readonly audit: AuditLog;
  /** Absent for the single-user CLI commands. */
  readonly quotas?: Quotas;
  /** Access settings admins change from the chat; absent for the CLI commands. */
  readonly settings?: AccessSettings;
  readonly onError?: (code: ErrorCode) => void;
}

/** Hooks the composition root feeds metrics through (core never imports src/ops). */
export interface ServiceHooks {
  readonly observer?: SchedulerObserver;
  readonly onCharge?: (kind: JobKind, seconds: number) => void;
  readonly onError?: (code: ErrorCode) => void;
  /**
   * Quotas are for multi-user front ends (serve), not for `ask`/`chat`: `true` keeps them in this
   * process; a Redis connection (which the caller owns) shares them with every frontend of the bot.
   */
  readonly quotas?: boolean | { readonly redis: Redis; readonly prefix: string };
}

/** The `quotas` section of config as the limits both implementations take. */
export function quotaLimits(config: Config): QuotaLimits {
  const q = config.quotas;
  return {
    windowMs: q.windowMinutes * 60_000,
    userComputeSeconds: q.userComputeSeconds,
    workspaceComputeSeconds: q.workspaceComputeSeconds,
    maxConcurrentPerUser: q.maxConcurrentPerUser,
  };
}

/** In-memory quotas, or Redis-shared ones when `hooks.quotas` carries a connection. */
function createQuotas(config: Config, logger: Logger, hooks: ServiceHooks): Quotas | undefined {
  const { quotas: where, onCharge } = hooks;
  if (!where) return undefined;
  const common = {
    limits: quotaLimits(config),
    ...(onCharge
      ? { onCharge: (_owner: JobOwner, kind: JobKind, seconds: number) => onCharge(kind, seconds) }
      : {}),
  };
  if (where === true) return new RollingQuotas(common);
  return new RedisQuotas({
    ...common,
    redis: where.redis,
    prefix: where.prefix,
    logger: logger.child({ quotas: 'redis' }),
  });
}

/** Builds the scheduler, policy, audit log and (optionally) quotas from config. */
export function createServices(config: Config, logger: Logger, hooks: ServiceHooks = {}): SharedServices {
  const { scheduler: s, safety } = config;
  const scheduler = new FairScheduler({
    resources: { onnx: s.concurrency || config.engine.workers, remote: s.remoteConcurrency },
    defaultTimeoutMs: config.tasks.timeoutMs,
    priorities: s.priorities,
    agingMs: s.agingSeconds * 1000,
    ...(hooks.observer ? { observer: hooks.observer } : {}),
  });
  const quotas = createQuotas(config, logger, hooks);
  return {
    scheduler,
    policy: new BlocklistPolicy(safety),
    audit: new LoggerAuditLog(logger),
    ...(quotas ? { quotas } : {}),
    ...(hooks.onError ? { onError: hooks.onError } : {}),
  };
}

/** An Orchestrator over the shared runtime, the given stores and shared services (built from config when absent). */
export function createOrchestrator(
  runtime: Runtime,
  config: Config,
  logger: Logger,
  stores: { store: ConversationStore; media: MediaStore },
  services: SharedServices = createServices(config, logger),
): Orchestrator {
  return new Orchestrator({
    engine: runtime.engine,
    tasks: runtime.tasks,
    ...stores,
    checkImage: runtime.checkImage,
    sampling: config.engine.sampling,
    taskTimeoutMs: config.tasks.timeoutMs,
    requestTimeoutMs: config.engine.requestTimeoutMs,
    maxAttachmentBytes: MAX_ATTACHMENT_BYTES,
    access: config.access,
    logger,
    ...services,
    resourceOf: (kind) => runtime.resourceOf(kind),
    modelOf: (kind) => runtime.modelOf(kind),
  });
}
