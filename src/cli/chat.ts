import { resolve } from 'node:path';
import { TerminalPlayground } from '../adapters/playground/terminal-playground.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { createOrchestrator, createRuntime, dataStores } from '../runtime.js';

/** `llmbind chat`: the playground in the terminal (one conversation, media saved to files). */
export async function runChat(config: Config, logger: Logger): Promise<number> {
  const runtime = await createRuntime(config, logger);
  const stores = dataStores(config);
  const orchestrator = createOrchestrator(runtime, config, logger, stores);
  await new Promise<void>((done) => {
    const playground = new TerminalPlayground({
      orchestrator,
      input: process.stdin,
      streams: { out: process.stdout, err: process.stderr },
      outDir: resolve(config.data.dir, 'playground'),
      onExit: done,
    });
    void playground.start();
  });
  await runtime.close();
  await stores.store.close();
  return 0;
}
