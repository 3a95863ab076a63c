import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DiscordEmulator } from '../emulators/discord/discord-emulator.js';
import { OpenAiEmulator } from '../emulators/openai/openai-emulator.js';
import { SlackEventDelivery } from '../emulators/slack/event-delivery.js';
import { SlackEmulator, TEST_SECRETS } from '../emulators/slack/slack-emulator.js';
import { WORKSPACE } from '../emulators/slack/slack-state.js';

const BIN = new URL('../../bin/llmbind.js', import.meta.url).pathname;
const FINAL = 'Hello from the emulator.';

const children: ChildProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** `llmbind serve` against the emulators; the LLM is the OpenAI emulator so a reply can be held open. */
function serve(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, LOG_LEVEL: 'error', LLMBIND_ENGINE_BACKEND: 'openai', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

function killHard(child: ChildProcess): Promise<unknown> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  return exited;
}

/** A data dir and a config with one remote slot, so a second turn waits in the queue. */
function dataDir(): { data: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'crash-'));
  const config = join(dir, 'llmbind.yaml');
  const yaml = 'scheduler:\n  remoteConcurrency: 1\nops:\n  enabled: false\nshutdown:\n  graceMs: 300\n';
  writeFileSync(config, yaml);
  return { data: join(dir, 'data'), config };
}

/** The routes in the bot's turn journal, as text (read-only, beside the running bot). */
function journalled(data: string): string {
  const db = new Database(join(data, 'journal.db'), { readonly: true, fileMustExist: true });
  try {
    return JSON.stringify(db.prepare('SELECT route FROM turn_journal').all());
  } finally {
    db.close();
  }
}

/** A Discord emulator with one channel and user, the OpenAI emulator as LLM, and the bot's env. */
async function discordRig() {
  const emu = new DiscordEmulator();
  const llm = await OpenAiEmulator.start();
  cleanups.push(
    () => emu.stop(),
    () => llm.close(),
  );
  const guild = emu.state.addGuild('Guild', {});
  const channel = emu.state.addTextChannel(guild.id, 'general');
  const ada = emu.state.addUser('ada');
  await emu.start();
  const { data, config } = dataDir();
  const env = {
    DISCORD_TOKEN: 'bot-token',
    DISCORD_API_URL: emu.apiUrl,
    LLMBIND_LLM_URL: llm.baseUrl,
    LLMBIND_LLM_MODEL: 'llmbind-test',
    LLMBIND_DATA_DIR: data,
    LLMBIND_CONFIG: config,
  };
  return { emu, llm, channel, ada, data, env };
}

describe('crash recovery (kill -9 mid-job, restart on the same data dir)', () => {
  it('Discord: the running turn and the queued one each get exactly one final answer', async () => {
    const { emu, llm, channel, ada, data, env } = await discordRig();
    const bob = emu.state.addUser('bob');
    // The first reply streams one chunk and then hangs: the process dies in the middle of it.
    llm.script({ chunks: ['Once upon', ' a time.'], pauseAfter: 1 });
    const ready = () => emu.calls.filter((c) => c.method === 'PUT' && c.path.includes('/commands')).length;
    const first = serve(env);
    await emu.waitFor(() => ready() >= 1, 30_000);
    const running = emu.userSays(channel.id, ada, 'tell me a story', { mention: true });
    await llm.paused();
    const queued = emu.userSays(channel.id, bob, 'and one for me', { mention: true });
    // Bob's turn is queued behind Ada's (one remote slot) once his thread exists.
    await emu.waitFor(() => emu.threadOf(queued.id), 15_000);
    const partial = await emu.waitFor(() => {
      const thread = emu.threadOf(running.id);
      return thread && emu.botMessages(thread.id).find((m) => m.content.includes('Once upon'));
    });
    // Killed once the bot has journalled that post (a kill in the instant between a post and its journal
    // write leaves that one message behind: the answer still comes once).
    await vi.waitFor(() => expect(journalled(data)).toContain(partial.id), { timeout: 10_000, interval: 50 });
    await killHard(first);

    serve(env);
    const answers = (asked: string) => {
      const thread = emu.threadOf(asked);
      return thread ? emu.botMessages(thread.id).filter((m) => m.content.includes(FINAL)) : [];
    };
    await emu.waitFor(() => answers(running.id).length > 0 && answers(queued.id).length > 0, 60_000);
    // Both turns asked the LLM once more after the restart, and nothing else is pending.
    expect(llm.received).toHaveLength(3);
    expect(answers(running.id)).toHaveLength(1);
    expect(answers(queued.id)).toHaveLength(1);
    // The interrupted partial message became the answer instead of lingering beside it.
    const adaThread = emu.threadOf(running.id);
    expect(adaThread && emu.botMessages(adaThread.id).map((m) => m.id)).toEqual([partial.id]);
    // The retried turn's history holds Ada's question once.
    const retried = llm.received.find((r, i) => i > 0 && JSON.stringify(r.body).includes('tell me a story'));
    expect(JSON.stringify(retried?.body).split('tell me a story')).toHaveLength(2);
  }, 120_000);

  it('Discord: a graceful stop says it is restarting, and the slash command is answered after the restart', async () => {
    const { emu, llm, channel, ada, env } = await discordRig();
    llm.script({ chunks: ['Thinking', ' hard.'], pauseAfter: 1 });
    const first = serve(env);
    await emu.waitFor(
      () => emu.calls.some((c) => c.method === 'PUT' && c.path.includes('/commands')),
      30_000,
    );
    emu.command(channel.id, ada, 'ask', { prompt: 'what is a haiku?' });
    await llm.paused();
    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGTERM');
    // Past the grace period the running reply is cut, and the user is told why.
    const restarting = await emu.waitFor(
      () => emu.botMessages(channel.id).find((m) => m.content.includes('restarting')),
      15_000,
    );
    expect(await exited).toBe(0);

    serve(env);
    const answers = () => emu.botMessages(channel.id).filter((m) => m.content.includes(FINAL));
    await emu.waitFor(() => answers().length > 0, 60_000);
    expect(answers()).toHaveLength(1);
    expect(llm.received).toHaveLength(2);
    expect(JSON.stringify(llm.received[1]?.body)).toContain('what is a haiku?');
    expect(restarting.content).toContain('restarting');
  }, 120_000);

  it('Slack (Socket Mode): the turn running at the kill is answered exactly once after the restart', async () => {
    const emu = new SlackEmulator();
    const llm = await OpenAiEmulator.start();
    cleanups.push(
      () => emu.stop(),
      () => llm.close(),
    );
    await emu.start();
    const { data, config } = dataDir();
    const env = {
      SLACK_BOT_TOKEN: TEST_SECRETS.botToken,
      SLACK_SIGNING_SECRET: TEST_SECRETS.signingSecret,
      SLACK_APP_TOKEN: TEST_SECRETS.appToken,
      SLACK_API_URL: emu.apiUrl,
      LLMBIND_LLM_URL: llm.baseUrl,
      LLMBIND_LLM_MODEL: 'llmbind-test',
      LLMBIND_DATA_DIR: data,
      LLMBIND_CONFIG: config,
    };
    llm.script({ chunks: ['Once upon', ' a time.'], pauseAfter: 1 });
    const first = serve(env);
    await emu.socketMode.waitConnected();
    const slack = new SlackEventDelivery(emu, { kind: 'socket' });
    const asked = slack.userPosts({
      channel: 'C0GEN0001',
      text: `<@${WORKSPACE.botUserId}> tell me a story`,
    });
    const delivered = await slack.mention(asked);
    await llm.paused();
    await killHard(first);

    serve(env);
    const final = (c: { method: string; params: Record<string, unknown> }) =>
      /^chat\.(postMessage|update)$/.test(c.method) && String(c.params.text).includes(FINAL);
    await emu.waitForCall(final);
    const answers = () => emu.state.botMessages('C0GEN0001', asked.ts).filter((m) => m.text.includes(FINAL));
    expect(answers()).toHaveLength(1);
    expect(llm.received).toHaveLength(2);
    // Slack retries the same event after the restart: dropped. A follow-up in the thread is queued behind
    // anything the retry would have started, so once it is answered the count is final.
    await slack.mention(asked, { eventId: delivered.eventId, retryNum: 1 });
    const followUp = slack.userPosts({ channel: 'C0GEN0001', text: 'and another', threadTs: asked.ts });
    await slack.message(followUp, 'channel');
    await vi.waitFor(() => expect(answers().length).toBeGreaterThanOrEqual(2), {
      timeout: 30_000,
      interval: 50,
    });
    expect(answers()).toHaveLength(2);
    expect(llm.received).toHaveLength(3);
  }, 120_000);
});
