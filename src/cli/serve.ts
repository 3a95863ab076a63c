import { join, resolve } from 'node:path';
import type { Adapter } from '../adapters/adapter.js';
import { DiscordAdapter } from '../adapters/discord/discord-adapter.js';
import type { FitMedia } from '../adapters/discord/discord-options.js';
import { TerminalPlayground } from '../adapters/playground/terminal-playground.js';
import type { Config } from '../config/schema.js';
import { ok } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { fitToLimit } from '../media/fit-to-limit.js';
import { createOrchestrator, createRuntime, dataStores } from '../runtime.js';

/** Which front ends the configuration asks for. */
export function plannedAdapters(config: Config): { discord: boolean; slack: boolean; playground: boolean } {
  const discord = config.discord.token !== '';
  const slack = config.slack.botToken !== '' && config.slack.signingSecret !== '';
  const playground = config.playground.enabled === 'auto' ? !discord && !slack : config.playground.enabled;
  return { discord, slack, playground };
}

/**
 * `llmbind serve`: one shared runtime, every configured adapter, graceful stop on SIGINT/SIGTERM.
 * Resolves with the exit code when the last adapter ends.
 */
export async function runServe(config: Config, logger: Logger): Promise<number> {
  const planned = plannedAdapters(config);
  if (planned.slack) {
    logger.error('SLACK_BOT_TOKEN is set, but this build has no Slack adapter yet');
    return 2;
  }
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
          fit: fitMedia,
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

/** Shrinks produced media to a platform's upload limit (src/media). */
const fitMedia: FitMedia = async (bytes, mime, limit) => {
  const fitted = await fitToLimit({ bytes, mime, filename: 'media' }, limit);
  return fitted.ok ? ok({ bytes: fitted.value.bytes, mime: fitted.value.mime }) : fitted;
};
