import { resolve } from 'node:path';
import type { Adapter } from '../adapters/adapter.js';
import { TerminalPlayground } from '../adapters/playground/terminal-playground.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
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
  if (planned.discord || planned.slack) {
    logger.error('platform tokens are set, but this build has no Discord/Slack adapter yet');
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
