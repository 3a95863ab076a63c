import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordEmulator } from '../emulators/discord/discord-emulator.js';
import { OpenAiEmulator } from '../emulators/openai/openai-emulator.js';
import { startRedis } from '../helpers/redis-server.js';
import { configFile, FAST_QUEUE, ServeProcesses, workerReady } from '../helpers/scale-out-procs.js';

const FINAL = 'Hello from the emulator.';
const STORY = 'Once upon a time.';

const procs = new ServeProcesses();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await procs.killAll();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('scale-out over Redis: 1 frontend + 2 workers (child processes)', () => {
  it('answers 10 mentions once each, and a job on a SIGKILLed worker completes once on the other', async () => {
    const redis = await startRedis();
    const emu = new DiscordEmulator();
    // One LLM per worker, so the test knows which worker holds the paused reply.
    const llms = [await OpenAiEmulator.start(), await OpenAiEmulator.start()] as const;
    cleanups.push(
      () => redis.stop(),
      () => emu.stop(),
      () => llms[0].close(),
      () => llms[1].close(),
    );
    const guild = emu.state.addGuild('Guild', {});
    const channel = emu.state.addTextChannel(guild.id, 'general');
    await emu.start();
    // Short lock and stall checks so a killed worker's job moves on within a couple of seconds.
    const { dir, config } = configFile([
      'ops:',
      '  enabled: false',
      'shutdown:',
      '  graceMs: 300',
      ...FAST_QUEUE,
    ]);
    const common = {
      LLMBIND_CONFIG: config,
      LLMBIND_REDIS_URL: redis.url,
      LLMBIND_LLM_MODEL: 'llmbind-test',
    };
    const workers = llms.map((llm, i) =>
      procs.spawn('worker', {
        ...common,
        LLMBIND_LLM_URL: llm.baseUrl,
        LLMBIND_DATA_DIR: join(dir, `w${i}`),
      }),
    );
    procs.spawn('frontend', {
      ...common,
      // Never called by the frontend (it runs no model), but it plans tasks from the same config.
      LLMBIND_LLM_URL: 'http://127.0.0.1:9/v1',
      DISCORD_TOKEN: 'bot-token',
      DISCORD_API_URL: emu.apiUrl,
      LLMBIND_DATA_DIR: join(dir, 'frontend'),
    });
    await Promise.all(workers.map(workerReady));
    await emu.waitFor(
      () => emu.calls.some((c) => c.method === 'PUT' && c.path.includes('/commands')),
      30_000,
    );

    const answers = (askedId: string, text: string) => {
      const thread = emu.threadOf(askedId);
      return thread ? emu.botMessages(thread.id).filter((m) => m.content.includes(text)) : [];
    };
    const asked = Array.from({ length: 10 }, (_, i) =>
      emu.userSays(channel.id, emu.state.addUser(`user${i}`), `question ${i}`, { mention: true }),
    );
    await emu.waitFor(() => asked.every((m) => answers(m.id, FINAL).length > 0), 30_000);
    for (const m of asked) expect(answers(m.id, FINAL)).toHaveLength(1);
    expect(llms[0].received.length + llms[1].received.length).toBe(10);

    // Both LLMs hold the next reply after one chunk; a greedy model says the same thing when asked again.
    for (const llm of llms) llm.script({ chunks: ['Once upon', ' a time.'], pauseAfter: 1 });
    const story = emu.userSays(channel.id, emu.state.addUser('ada'), 'tell me a story', { mention: true });
    const holder = await Promise.race(llms.map((llm, i) => llm.paused().then(() => i)));
    const [held, other] = holder === 0 ? [llms[0], llms[1]] : [llms[1], llms[0]];
    // The frontend has streamed the first chunk to the user before the worker dies.
    await emu.waitFor(() => answers(story.id, 'Once upon').length > 0, 15_000);
    await workers[holder]?.kill();

    // The stalled job runs again on the other worker, whose LLM pauses too: let it finish.
    await other.paused();
    other.release();
    await emu.waitFor(() => answers(story.id, STORY).length > 0, 30_000);
    expect(answers(story.id, STORY)).toHaveLength(1);
    const thread = emu.threadOf(story.id);
    expect(thread && emu.botMessages(thread.id).map((m) => m.content)).toEqual([STORY]);
    expect(held.received.length + other.received.length).toBe(12);
    expect(JSON.stringify(other.received.at(-1)?.body.messages.at(-1))).toContain('tell me a story');
  }, 90_000);
});
