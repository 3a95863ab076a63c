import { parseAskArgs, runAsk } from './cli/ask.js';
import { runChat } from './cli/chat.js';
import { runServe } from './cli/serve.js';
import { loadConfig } from './config/load-config.js';
import type { Config } from './config/schema.js';
import { SECRET_PATHS } from './config/schema.js';
import { LlmbindError } from './core/errors.js';
import { createRedactingLogger } from './ops/redaction.js';
import { parseRole } from './queue/role-runtime.js';
import { createOrchestrator, createRuntime } from './runtime.js';

const USAGE = `llmbind — the LLMBind chat bot

  llmbind ask "<message>" [--image PATH]... [--thread FILE] [--out DIR] [--models DIR] [--seed N] [--json]
  llmbind serve [--role=all|frontend|worker]
                     start every configured adapter (the web playground when no platform token is set);
                     with the Redis queue, frontend runs the adapters and worker runs the models
                     (docs/scale-out.md)
  llmbind chat       talk to the bot in this terminal

Configuration: config/default.yaml, LLMBIND_CONFIG, environment variables (see README.md).`;

/** The password of a Redis URL, if it has one (the rest of the URL is fine to log). */
function redisPassword(url: string): string | undefined {
  if (url === '') return undefined;
  try {
    const { password } = new URL(url);
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    // Unparsable: scrub the whole value rather than guess where a password sits.
    return url;
  }
}

/** The root logger: secret config values are scrubbed from every line, wherever they appear. */
function createLogger(config: Config, level: string) {
  const secrets = [
    ...SECRET_PATHS.map((path) =>
      path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], config),
    ),
    redisPassword(config.queue.redisUrl),
  ].filter((v): v is string => typeof v === 'string' && v.length > 0);
  return createRedactingLogger(level, secrets);
}

/** Composition root: parse the command, load config once, build the runtime, run. */
async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'ask') {
    const args = parseAskArgs(rest);
    if (!args.ok) {
      process.stderr.write(`llmbind: ${args.error.message}\n`);
      return 2;
    }
    const config = loadConfig(args.value.models ? { overrides: { 'models.dir': args.value.models } } : {});
    // A one-shot command keeps stderr for warnings unless the user asked for more.
    const level = config.log.level === 'info' ? 'warn' : config.log.level;
    const logger = createLogger(
      config,
      args.value.json && level !== 'debug' && level !== 'trace' ? 'error' : level,
    );
    const runtime = await createRuntime(config, logger);
    try {
      return await runAsk(args.value, (stores) => createOrchestrator(runtime, config, logger, stores), {
        out: process.stdout,
        err: process.stderr,
      });
    } finally {
      await runtime.close();
    }
  }
  if (command === 'serve' || command === 'chat') {
    const role = command === 'serve' ? parseRole(rest) : 'all';
    if (role === undefined) {
      process.stderr.write('llmbind: --role must be all, frontend or worker\n');
      return 2;
    }
    const config = loadConfig();
    const logger = createLogger(config, config.log.level);
    return command === 'serve' ? runServe(config, logger, role) : runChat(config, logger);
  }
  process.stdout.write(`${USAGE}\n`);
  return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Expected failures (bad config, bad bundle) print their message only; bugs print the stack.
    if (LlmbindError.isInstance(error)) process.stderr.write(`llmbind: ${error.message}\n`);
    else
      process.stderr.write(
        `llmbind: unexpected error\n${error instanceof Error ? error.stack : String(error)}\n`,
      );
    process.exitCode = error instanceof LlmbindError ? 2 : 1;
  },
);
