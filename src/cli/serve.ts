import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Adapter } from '../adapters/adapter.js';
import { DiscordAdapter } from '../adapters/discord/discord-adapter.js';
import { WebPlayground } from '../adapters/playground/web/web-playground.js';
import { slackAdapterFromConfig } from '../adapters/slack/slack-config.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { Orchestrator } from '../core/orchestrator.js';
import { createOrchestrator, createRuntime, DEMO_PACK_DIR, dataStores, type Runtime } from '../runtime.js';

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
  stores: ReturnType<typeof dataStores>,
): Built {
  const planned = plannedAdapters(config);
  const data = resolve(config.data.dir);
  const adapters: Adapter[] = [];
  if (planned.discord) {
    const deps = { orchestrator, conversations: stores.store, logger: logger.child({ adapter: 'discord' }) };
    adapters.push(
      new DiscordAdapter(
        { ...deps, fit: runtime.fit },
        {
          token: config.discord.token,
          apiUrl: config.discord.apiUrl,
          commandGuilds: config.discord.commandGuilds,
          // Button state must survive restarts.
          statePath: join(data, 'discord.sqlite'),
        },
      ),
    );
  }
  const slack = slackAdapterFromConfig(config.slack, {
    handler: orchestrator,
    store: stores.store,
    media: stores.media,
    logger: logger.child({ adapter: 'slack' }),
    fit: runtime.fit,
    buttonsDb: join(data, 'slack.sqlite'),
  });
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

/**
 * `llmbind serve`: one shared runtime, every configured adapter, graceful stop on SIGINT/SIGTERM.
 * Resolves with the exit code once stopped.
 */
export async function runServe(config: Config, logger: Logger): Promise<number> {
  const runtime = await createRuntime(config, logger);
  const stores = dataStores(config);
  const orchestrator = createOrchestrator(runtime, config, logger, stores);
  const { adapters, web } = buildAdapters(config, logger, runtime, orchestrator, stores);
  const stop = async () => {
    for (const adapter of adapters) await adapter.stop();
    await runtime.close();
    await stores.store.close();
  };
  if (adapters.length === 0) {
    logger.error(
      'nothing to serve: no platform token is set and the playground is disabled (PLAYGROUND_ENABLED)',
    );
    await stop();
    return 2;
  }
  for (const adapter of adapters) await adapter.start();
  if (web) {
    const why =
      plannedAdapters(config).discord || plannedAdapters(config).slack
        ? ''
        : ' (no DISCORD_TOKEN or SLACK_BOT_TOKEN set)';
    process.stdout.write(`Playground${why}: open ${web.url}\n`);
  }
  await new Promise<void>((resolveStop) => {
    process.once('SIGINT', resolveStop);
    process.once('SIGTERM', resolveStop);
  });
  await stop();
  return 0;
}

/** What the playground header says it runs. */
function describeModels(runtime: Runtime): string {
  if (!runtime.bundle) return 'a remote model server';
  return resolve(runtime.bundle.dir) === DEMO_PACK_DIR ? 'the demo model pack' : runtime.bundle.name;
}
