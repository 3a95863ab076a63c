import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import type { Adapter } from '../adapters/adapter.js';
import { DiscordAdapter } from '../adapters/discord/discord-adapter.js';
import { WebPlayground } from '../adapters/playground/web/web-playground.js';
import type { SlackAdapterHooks } from '../adapters/slack/slack-adapter.js';
import { type SlackAdapterDeps, slackAdapterFromConfig } from '../adapters/slack/slack-config.js';
import { DEFAULT_HISTORY_LIMITS } from '../adapters/slack/thread-history.js';
import type { Config } from '../config/schema.js';
import type { TurnJournal } from '../core/journal/turn-journal.js';
import { TurnLedger } from '../core/journal/turn-ledger.js';
import type { Logger } from '../core/logger.js';
import type { Orchestrator } from '../core/orchestrator.js';
import { type FrontendStores, frontendStores } from '../frontend-stores.js';
import { type HealthReport, OpsServer } from '../ops/ops-server.js';
import { PromMetrics } from '../ops/prom-metrics.js';
import { WorkerOps } from '../ops/worker-ops.js';
import { type LimiterFactory, localLimiters, RedisLimiterFactory } from '../queue/limiter-factory.js';
import { connectRedis } from '../queue/redis-backend.js';
import { RedisQuotas } from '../queue/redis-quotas.js';
import { runtimeForRole, type ServeRole } from '../queue/role-runtime.js';
import {
  createOrchestrator,
  createServices,
  DEMO_PACK_DIR,
  type Runtime,
  type SharedServices,
} from '../runtime.js';

/** Which front ends the configuration asks for. */
export function plannedAdapters(config: Config): { discord: boolean; slack: boolean; playground: boolean } {
  const discord = config.discord.token !== '';
  // Socket Mode needs the app token; the HTTP receiver needs the signing secret.
  const slack =
    config.slack.botToken !== '' && (config.slack.signingSecret !== '' || config.slack.appToken !== '');
  const playground = config.playground.enabled === 'auto' ? !discord && !slack : config.playground.enabled;
  return { discord, slack, playground };
}

interface Built {
  readonly adapters: Adapter[];
  readonly web?: WebPlayground;
}

function buildAdapters(
  config: Config,
  logger: Logger,
  runtime: Runtime,
  orchestrator: Orchestrator,
  stores: FrontendStores,
  metrics: PromMetrics,
  journal: { readonly store: TurnJournal; readonly stopping: AbortSignal },
  limiters: LimiterFactory,
): Built {
  const ledger = (platform: 'discord' | 'slack') =>
    new TurnLedger(journal.store, platform, {
      logger: logger.child({ journal: platform }),
      stopping: journal.stopping,
    });
  const planned = plannedAdapters(config);
  const data = resolve(config.data.dir);
  const adapters: Adapter[] = [];
  if (planned.discord) {
    const deps = {
      orchestrator,
      conversations: stores.store,
      logger: logger.child({ adapter: 'discord' }),
      ledger: ledger('discord'),
      limiters,
    };
    adapters.push(
      new DiscordAdapter(
        { ...deps, fit: runtime.fit, onRateLimited: (route) => metrics.rateLimited('discord', route) },
        {
          token: config.discord.token,
          apiUrl: config.discord.apiUrl,
          commandGuilds: config.discord.commandGuilds,
          // Button state must survive restarts.
          statePath: join(data, 'discord.sqlite'),
          historyMaxMessages: config.discord.historyMaxMessages,
          shardCount: config.discord.shardCount,
          shards: config.discord.shards,
        },
      ),
    );
  }
  // The hook rides through slackAdapterFromConfig's spread (SlackAdapterDeps does not name it yet).
  const slackDeps: SlackAdapterDeps & SlackAdapterHooks = {
    handler: orchestrator,
    store: stores.store,
    media: stores.media,
    logger: logger.child({ adapter: 'slack' }),
    fit: runtime.fit,
    buttonsDb: join(data, 'slack.sqlite'),
    // Shared with the other frontends (Redis) so a click works wherever it lands.
    ...(stores.slackButtons ? { buttons: stores.slackButtons } : {}),
    ledger: ledger('slack'),
    limiters,
    // With the in-process model, thread history is budgeted in its tokens.
    history: {
      ...DEFAULT_HISTORY_LIMITS,
      ...(runtime.countTokens ? { countTokens: runtime.countTokens } : {}),
    },
    onRateLimited: (route) => metrics.rateLimited('slack', route),
  };
  const slack = slackAdapterFromConfig(config.slack, slackDeps);
  if (slack) adapters.push(slack);
  if (!planned.playground) return { adapters };
  const dir = runtime.bundle?.dir;
  const card = dir
    ? ['MODEL_CARD.md', 'README.md'].map((f) => join(dir, f)).find((p) => existsSync(p))
    : undefined;
  const web = new WebPlayground({
    handler: orchestrator,
    store: stores.store,
    media: stores.media,
    logger: logger.child({ adapter: 'playground' }),
    port: config.playground.port,
    host: config.playground.host,
    model: {
      label: describeModels(runtime),
      ...(card ? { cardPath: card } : {}),
    },
  });
  adapters.push(web);
  return { adapters, web };
}

/** Resolves on the first SIGINT or SIGTERM. */
function stopSignal(): Promise<void> {
  return new Promise<void>((resolveStop) => {
    process.once('SIGINT', resolveStop);
    process.once('SIGTERM', resolveStop);
  });
}

/**
 * `llmbind serve`: one shared runtime and scheduler, every configured adapter, /metrics and /healthz,
 * graceful stop on SIGINT/SIGTERM. Resolves with the exit code once stopped. With the Redis queue,
 * `role` splits it: a frontend runs the adapters and enqueues engine and task jobs, a worker runs the
 * models and consumes them (docs/scale-out.md).
 */
export async function runServe(config: Config, logger: Logger, role: ServeRole = 'all'): Promise<number> {
  const workerOps =
    role === 'worker' && config.ops.enabled
      ? new WorkerOps({ host: config.ops.host, port: config.ops.port, logger })
      : undefined;
  const built = await runtimeForRole(config, logger, role, workerOps?.jobs);
  const { runtime } = built;
  if (!runtime) {
    const port = built.health ? await workerOps?.start(built.health) : undefined;
    if (port !== undefined) process.stdout.write(`Metrics: http://${config.ops.host}:${port}/metrics\n`);
    process.stdout.write('Worker ready: consuming engine and task jobs from Redis\n');
    await stopSignal();
    logger.info('stopping: finishing running jobs');
    // /healthz answers `draining` (503) while running jobs finish, then stops being served.
    await built.close(config.shutdown.graceMs);
    await workerOps?.stop();
    return 0;
  }
  // With Redis, the adapters' platform limiters are shared by every frontend of the bot.
  // Quotas too: every frontend bills one budget and one concurrency cap per user (own connection);
  // and conversations, the turn journal and admin settings live there (docs/scale-out.md).
  let limiters: LimiterFactory = localLimiters;
  let quotaStore: Redis | undefined;
  let stores: FrontendStores;
  try {
    if (config.queue.backend === 'redis') {
      limiters = await RedisLimiterFactory.connect(config.queue, logger.child({ limiters: 'redis' }));
      quotaStore = await connectRedis(config.queue.redisUrl, logger.child({ quotas: 'redis' }));
    }
    stores = await frontendStores(config, logger);
  } catch (error) {
    await limiters.close();
    quotaStore?.disconnect();
    await built.close(0);
    throw error;
  }
  const { journal, settings } = stores;
  // Aborted first thing on shutdown: turns cut from then on are kept in the journal for the next start.
  const shutdown = new AbortController();
  let services: SharedServices | undefined;
  const metrics = new PromMetrics({
    queue: () => services?.scheduler.stats() ?? { queued: 0, running: 0, byResource: {} },
    processMetrics: true,
  });
  services = {
    ...createServices(config, logger, {
      observer: metrics.schedulerObserver(),
      onCharge: (kind, seconds) => metrics.computeSeconds(kind, seconds),
      onError: (code) => metrics.error(code),
      quotas: quotaStore ? { redis: quotaStore, prefix: config.queue.prefix } : true,
    }),
    settings,
  };
  const { scheduler } = services;
  const orchestrator = createOrchestrator(runtime, config, logger, stores, services);
  const { adapters, web } = buildAdapters(
    config,
    logger,
    runtime,
    orchestrator,
    stores,
    metrics,
    { store: journal, stopping: shutdown.signal },
    limiters,
  );
  let state: HealthReport['status'] = 'down';
  const ops = config.ops.enabled
    ? new OpsServer({
        host: config.ops.host,
        port: config.ops.port,
        logger,
        scrape: () => metrics.scrape(),
        health: () => {
          const { queued, running } = scheduler.stats();
          return {
            status: state,
            checks: { queued, running, adapters: adapters.map((a) => a.name).join(',') },
          };
        },
      })
    : undefined;
  const stop = async () => {
    state = 'draining';
    shutdown.abort();
    await drain(scheduler, config.shutdown.graceMs, logger);
    // Adapters cancel whatever turn is still in flight and wait for it to say so.
    for (const adapter of adapters) await adapter.stop();
    await limiters.close();
    // Turns have released their slots by now; stop renewing any a cut turn left, then send what is queued.
    if (services?.quotas instanceof RedisQuotas) services.quotas.close();
    await quotaStore?.quit();
    await built.close(config.shutdown.graceMs);
    await stores.close();
    await ops?.stop();
  };
  if (adapters.length === 0) {
    logger.error(
      'nothing to serve: no platform token is set and the playground is disabled (PLAYGROUND_ENABLED)',
    );
    await stop();
    return 2;
  }
  if (ops) {
    // Metrics are for operators: a taken port is logged, and the bot still serves its users.
    const port = await ops.start().catch((error: unknown) => {
      logger.error(
        { err: String(error), port: config.ops.port },
        'ops server (/metrics, /healthz) did not start',
      );
      return undefined;
    });
    if (port !== undefined) process.stdout.write(`Metrics: http://${config.ops.host}:${port}/metrics\n`);
  }
  for (const adapter of adapters) await adapter.start();
  state = 'ok';
  if (web) {
    const why =
      plannedAdapters(config).discord || plannedAdapters(config).slack
        ? ''
        : ' (no DISCORD_TOKEN or SLACK_BOT_TOKEN set)';
    process.stdout.write(`Playground${why}: open ${web.url}\n`);
  }
  await stopSignal();
  logger.info('stopping: finishing running jobs');
  await stop();
  return 0;
}

/**
 * Graceful shutdown of the queue: stops taking jobs and lets running ones finish for `graceMs`; then cancels what is left (each turn
 * tells its user) and waits a little for runs that honour their signal to return.
 */
export async function drain(
  scheduler: SharedServices['scheduler'],
  graceMs: number,
  logger: Logger,
): Promise<void> {
  const closed = scheduler.close({ cancelQueued: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'deadline'>((r) => {
    timer = setTimeout(() => r('deadline'), graceMs);
  });
  const first = await Promise.race([closed.then(() => 'idle' as const), deadline]);
  clearTimeout(timer);
  if (first === 'idle') return;
  const n = scheduler.cancelWhere(() => true, 'shutdown');
  logger.warn({ cancelled: n, graceMs }, 'shutdown grace period over; running jobs cancelled');
  await Promise.race([closed, new Promise((r) => setTimeout(r, 2_000).unref())]);
}

/** What the playground header says it runs. */
function describeModels(runtime: Runtime): string {
  if (!runtime.bundle) return 'a remote model server';
  return resolve(runtime.bundle.dir) === DEMO_PACK_DIR ? 'the demo model pack' : runtime.bundle.name;
}
