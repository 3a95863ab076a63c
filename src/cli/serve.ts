import { join, resolve } from 'node:path';
import type { Adapter } from '../adapters/adapter.js';
import { DiscordAdapter } from '../adapters/discord/discord-adapter.js';
import { TerminalPlayground } from '../adapters/playground/terminal-playground.js';
import { slackAdapterFromConfig } from '../adapters/slack/slack-config.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { createOrchestrator, createRuntime, dataStores } from '../runtime.js';

/** Which front ends the configuration asks for. */
export function plannedAdapters(config: Config): { discord: boolean; slack: boolean; playground: boolean } {
  const discord = config.discord.token !== '';
  // Socket Mode needs the app token; the HTTP receiver needs the signing secret.
  const slack =
    config.slack.botToken !== '' && (config.slack.signingSecret !== '' || config.slack.appToken !== '');
  const playground = config.playground.enabled === 'auto' ? !discord && !slack : config.playground.enabled;
  return { discord, slack, playground };
}

/**
 * `llmbind serve`: one shared runtime, every configured adapter, graceful stop on SIGINT/SIGTERM.
 * Resolves with the exit code when the last adapter ends.
 */
export async function runServe(config: Config, logger: Logger): Promise<number> {
  const planned = plannedAdapters(config);
  const runtime = await createRuntime(config, logger);
  const stores = dataStores(config);
  const orchestrator = createOrchestrator(runtime, config, logger, stores);
  const adapters: Adapter[] = [];
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((r) => {
    finish = r;
  });
  const stop = async (code: number) => {
    for (const adapter of adapters) await adapter.stop();
    await runtime.close();
    await stores.store.close();
    finish(code);
  };
  if (planned.discord) {
    adapters.push(
      new DiscordAdapter(
        {
          orchestrator,
          conversations: stores.store,
          logger: logger.child({ adapter: 'discord' }),
          fit: runtime.fit,
        },
        {
          token: config.discord.token,
          apiUrl: config.discord.apiUrl,
          commandGuilds: config.discord.commandGuilds,
          // Button state must survive restarts.
          statePath: join(resolve(config.data.dir), 'discord.sqlite'),
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
    buttonsDb: join(resolve(config.data.dir), 'slack.sqlite'),
  });
  if (slack) adapters.push(slack);
  if (planned.playground) {
    process.stderr.write(
      'No DISCORD_TOKEN or SLACK_BOT_TOKEN set: starting the local playground on the demo model pack.\n',
    );
    adapters.push(
      new TerminalPlayground({
        orchestrator,
        input: process.stdin,
        streams: { out: process.stdout, err: process.stderr },
        outDir: resolve(config.data.dir, 'playground'),
        onExit: () => void stop(0),
      }),
    );
  }
  for (const adapter of adapters) await adapter.start();
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  return finished;
}
