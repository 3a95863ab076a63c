import { once } from 'node:events';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordEmulator } from '../emulators/discord/discord-emulator.js';
import type { ApiMessage } from '../emulators/discord/emulator-state.js';
import { OpenAiEmulator } from '../emulators/openai/openai-emulator.js';
import { SlackEventDelivery } from '../emulators/slack/event-delivery.js';
import { SlackEmulator, TEST_SECRETS } from '../emulators/slack/slack-emulator.js';
import { type EmuMessage, WORKSPACE } from '../emulators/slack/slack-state.js';
import { startRedis } from '../helpers/redis-server.js';
import { configFile, FAST_QUEUE, ServeProcesses, workerReady } from '../helpers/scale-out-procs.js';

const FINAL = 'Hello from the emulator.';
/** `queue.prefix` (the default): the journal's keys start with it. */
const PREFIX = 'llmbind';

const procs = new ServeProcesses();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await procs.killAll();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface JournalCounts {
  /** Turns recorded and not finished yet, both platforms. */
  readonly open: number;
  readonly finished: number;
  /** Finished turns whose answer was delivered (`done`, not `failed`). */
  readonly done: number;
}

/**
 * The frontends' shared turn journal in Redis, read directly. `until` wakes on Redis keyspace
 * notifications of the journal's sorted sets, so waiting on it needs neither sleeps nor polling.
 */
class JournalWatch {
  private constructor(
    readonly redis: Redis,
    private readonly sub: Redis,
  ) {}

  static async open(url: string): Promise<JournalWatch> {
    const redis = new Redis(url);
    const sub = new Redis(url);
    // K: keyspace channels, z: sorted-set commands (the open and finished sets change on every turn).
    await redis.config('SET', 'notify-keyspace-events', 'Kz');
    await sub.psubscribe(`__keyspace@0__:${PREFIX}:journal:*`);
    return new JournalWatch(redis, sub);
  }

  async counts(): Promise<JournalCounts> {
    const [discord, slack, finished] = await Promise.all([
      this.redis.zcard(`${PREFIX}:journal:open:discord`),
      this.redis.zcard(`${PREFIX}:journal:open:slack`),
      this.redis.zrange(`${PREFIX}:journal:finished`, '0', '-1'),
    ]);
    const states = await Promise.all(finished.map((k) => this.redis.hget(turnKey(k), 'state')));
    return {
      open: discord + slack,
      finished: finished.length,
      done: states.filter((s) => s === 'done').length,
    };
  }

  /** Resolves with the counts once `holds` accepts them, re-read after every change of the journal. */
  async until(holds: (counts: JournalCounts) => boolean): Promise<JournalCounts> {
    for (;;) {
      // Armed before the read, so a change made while reading is not missed.
      const stop = new AbortController();
      const changed = once(this.sub, 'pmessage', { signal: stop.signal }).catch(() => undefined);
      const counts = await this.counts();
      if (holds(counts)) {
        stop.abort();
        return counts;
      }
      await changed;
    }
  }

  async close(): Promise<void> {
    this.sub.disconnect();
    await this.redis.quit();
  }
}

const turnKey = (key: string) => `${PREFIX}:journal:turn:${key}`;

/** From a frontend's /metrics: its chat jobs that settled ok or otherwise, and jobs still queued or running. */
async function chatJobs(url: string): Promise<{ ok: number; failed: number; pending: number }> {
  const text = await (await fetch(url)).text();
  const counts = { ok: 0, failed: 0, pending: 0 };
  for (const line of text.split('\n')) {
    const m = /^(llmbind_job_duration_seconds_count|llmbind_queue_depth)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]),
    );
    const n = Number(m[3]);
    if (m[1] === 'llmbind_queue_depth') counts.pending += n;
    else if (labels.kind === 'chat') counts[labels.outcome === 'ok' ? 'ok' : 'failed'] += n;
  }
  return counts;
}

describe('scale-out over Redis: 2 frontends + 2 workers, Discord and Slack (child processes)', () => {
  it('answers 40 conversations exactly once, and drops a Slack retry that reaches the other frontend', async () => {
    const redis = await startRedis();
    const discord = new DiscordEmulator();
    const slack = new SlackEmulator();
    // One LLM per worker, so the test sees which worker ran what.
    const llms = [await OpenAiEmulator.start(), await OpenAiEmulator.start()] as const;
    cleanups.push(
      () => redis.stop(),
      () => discord.stop(),
      () => slack.stop(),
      () => llms[0].close(),
      () => llms[1].close(),
    );
    // Four guilds, alternately on shard 0 and shard 1 of 2: guild i is on shard i % 2.
    const channels = [0, 1, 2, 3].map((i) => {
      const guild = discord.state.addGuild(`guild ${i}`, { shard: [i % 2, 2] });
      return discord.state.addTextChannel(guild.id, 'general');
    });
    await discord.start();
    await slack.start();
    const { dir, config } = configFile([
      'ops:',
      '  enabled: true',
      'shutdown:',
      '  graceMs: 300',
      'slack:',
      '  host: 127.0.0.1',
      ...FAST_QUEUE,
      // One job per worker at a time: while one worker holds a paused reply, the next job goes to the other.
      '  concurrency: 1',
    ]);
    const common = {
      LLMBIND_CONFIG: config,
      LLMBIND_REDIS_URL: redis.url,
      LLMBIND_LLM_MODEL: 'llmbind-test',
      // Ops is on: every process (the two workers too) needs a port of its own, or one fails with EADDRINUSE.
      LLMBIND_OPS_PORT: '0',
    };
    const workers = llms.map((llm, i) =>
      procs.spawn('worker', {
        ...common,
        LLMBIND_LLM_URL: llm.baseUrl,
        LLMBIND_DATA_DIR: join(dir, `w${i}`),
      }),
    );
    // Frontend i runs Discord shard i of 2, and a Slack HTTP receiver of the same app on a port of its own.
    const frontends = [0, 1].map((i) =>
      procs.spawn('frontend', {
        ...common,
        // Its 'slack adapter started' record (info) says the receiver's port once every adapter is up.
        LOG_LEVEL: 'info',
        // Never called by a frontend (it runs no model), but it plans tasks from the same config.
        LLMBIND_LLM_URL: 'http://127.0.0.1:9/v1',
        DISCORD_TOKEN: 'bot-token',
        DISCORD_API_URL: discord.apiUrl,
        DISCORD_SHARD_COUNT: '2',
        DISCORD_SHARDS: String(i),
        SLACK_BOT_TOKEN: TEST_SECRETS.botToken,
        SLACK_SIGNING_SECRET: TEST_SECRETS.signingSecret,
        SLACK_API_URL: slack.apiUrl,
        SLACK_PORT: '0',
        LLMBIND_DATA_DIR: join(dir, `frontend${i}`),
      }),
    );
    await Promise.all(workers.map(workerReady));
    // The load balancer in front of the Slack receivers: one event delivery per frontend.
    const receivers = await Promise.all(
      frontends.map(async (fe) => {
        const { port } = await fe.logRecord('slack adapter started');
        return new SlackEventDelivery(slack, { kind: 'http', url: `http://127.0.0.1:${port}/slack/events` });
      }),
    );
    const metrics = await Promise.all(
      frontends.map(async (fe) =>
        (await fe.line((l) => l.startsWith('Metrics: '))).slice('Metrics: '.length),
      ),
    );
    expect(discord.gateway.shards).toEqual([
      [0, 2],
      [1, 2],
    ]);

    // Each LLM holds its first reply after one chunk, so neither worker can take every job.
    for (const llm of llms) llm.script({ chunks: ['Hello from', ' the emulator.'], pauseAfter: 1 });
    // Taken before anything is sent: `paused()` only reports pauses that happen after it is called.
    const bothHeld = Promise.all(llms.map((llm) => llm.paused()));
    const slackUser = (name: string) => {
      const id = `U0${name.toUpperCase()}`;
      slack.state.users.set(id, { id, name, real_name: name });
      return id;
    };
    const slackPost = (i: number, name: string) =>
      slack.state.add({
        channel: `C0CHAN00${i % 10}`,
        user: slackUser(name),
        text: `<@${WORKSPACE.botUserId}> question ${i}`,
      });
    // All 40 at once: 20 mentions over the four guilds (a distinct user each, so no per-user cap
    // applies), and 20 Slack mentions over ten channels delivered alternately to frontend 0 and 1.
    const mentions = Array.from({ length: 20 }, (_, i) =>
      discord.userSays(channels[i % 4]?.id ?? '', discord.state.addUser(`user${i}`), `question ${i}`, {
        mention: true,
      }),
    );
    const posts = Array.from({ length: 20 }, (_, i) => slackPost(i, `slackuser${i}`));
    const acks = await Promise.all(posts.map((p, i) => receivers[i % 2]?.mention(p)));
    expect(acks.map((a) => a?.status)).toEqual(posts.map(() => 200));
    await bothHeld;
    for (const llm of llms) llm.release();

    const discordAnswers = (m: ApiMessage) => {
      const thread = discord.threadOf(m.id);
      return thread ? discord.botMessages(thread.id).map((b) => b.content) : [];
    };
    const slackThread = (p: EmuMessage) => slack.state.botMessages(p.channel, p.ts).map((b) => b.text);
    const slackAnswers = (p: EmuMessage) => slackThread(p).filter((t) => t.includes(FINAL));
    // Besides the answer, a Slack thread holds at most the job's status line (edited in place).
    const slackStatuses = (p: EmuMessage) => slackThread(p).filter((t) => !t.includes(FINAL));
    await Promise.all([
      discord.waitFor(() => mentions.every((m) => discordAnswers(m).includes(FINAL)), 60_000),
      slack.waitForCall(() => posts.every((p) => slackAnswers(p).includes(FINAL))),
    ]);
    // Sync point: every turn the frontends recorded is finished in the shared journal (a duplicate
    // turn would be recorded or still running), and neither frontend has a job queued or running.
    const journal = await JournalWatch.open(redis.url);
    cleanups.push(() => journal.close());
    expect(await journal.until((c) => c.open === 0 && c.finished >= 40)).toEqual({
      open: 0,
      finished: 40,
      done: 40,
    });
    // Each frontend ran exactly its own turns: shard i's 10 mentions and the 10 Slack events sent to it.
    expect(await Promise.all(metrics.map(chatJobs))).toEqual([
      { ok: 20, failed: 0, pending: 0 },
      { ok: 20, failed: 0, pending: 0 },
    ]);
    for (const m of mentions) expect(discordAnswers(m)).toEqual([FINAL]);
    for (const p of posts) expect(slackAnswers(p)).toEqual([FINAL]);
    for (const p of posts)
      expect(slackStatuses(p).every((t) => t.startsWith(':speech_balloon: Reply:'))).toBe(true);
    for (const p of posts) expect(slackStatuses(p).length).toBeLessThanOrEqual(1);
    // Every mention reached only the frontend that runs its guild's shard.
    const shardsOf = (m: ApiMessage) =>
      discord.gateway.deliveries.filter((d) => d.t === 'MESSAGE_CREATE' && d.id === m.id).map((d) => d.shard);
    expect(mentions.map(shardsOf)).toEqual(mentions.map((_, i) => [i % 2]));
    // Both workers took jobs (each LLM held one reply until both were held), 40 in all.
    for (const llm of llms) expect(llm.received.length).toBeGreaterThan(0);
    expect(llms[0].received.length + llms[1].received.length).toBe(40);

    // Slack retries an event frontend 0 answered, and the load balancer sends the retry to frontend 1.
    const eventId = acks[0]?.eventId ?? '';
    const monitor = await new Redis(redis.url).monitor();
    cleanups.push(async () => monitor.disconnect());
    const key = turnKey(`slack:evt:${eventId}`);
    const looked = new Promise<void>((resolve) =>
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (/^evalsha$|^eval$/i.test(args[0] ?? '') && args.includes(key)) resolve();
      }),
    );
    const retry = await receivers[1]?.mention(posts[0] as EmuMessage, { eventId, retryNum: 1 });
    expect(retry?.status).toBe(200);
    // Frontend 1 asked the shared journal about the event (its own SQLite dedupe had never seen it)...
    await looked;
    // ...and a fresh mention sent to it after the retry is answered and journalled: a retry it had
    // admitted would have started by then (a second attempt, a 42nd turn, a 21st job on frontend 0 or 1).
    const marker = slackPost(20, 'marker');
    expect((await receivers[1]?.mention(marker))?.status).toBe(200);
    await slack.waitForCall(() => slackAnswers(marker).includes(FINAL));
    expect(await journal.until((c) => c.open === 0 && c.finished >= 41)).toEqual({
      open: 0,
      finished: 41,
      done: 41,
    });
    expect(await journal.redis.hmget(key, 'state', 'attempts')).toEqual(['done', '1']);
    expect(await Promise.all(metrics.map(chatJobs))).toEqual([
      { ok: 20, failed: 0, pending: 0 },
      { ok: 21, failed: 0, pending: 0 },
    ]);
    expect(slackAnswers(posts[0] as EmuMessage)).toEqual([FINAL]);
    expect(slackAnswers(marker)).toEqual([FINAL]);
    expect(llms[0].received.length + llms[1].received.length).toBe(41);
  }, 90_000);
});
