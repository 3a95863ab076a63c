import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordAdapter } from '../../src/adapters/discord/discord-adapter.js';
import { SlackAdapter } from '../../src/adapters/slack/slack-adapter.js';
import { DEFAULT_PACING, type SlackPacing } from '../../src/adapters/slack/slack-pacing.js';
import { ok } from '../../src/core/errors.js';
import { FairScheduler } from '../../src/core/jobs/fair-scheduler.js';
import { Orchestrator } from '../../src/core/orchestrator.js';
import { BlocklistPolicy } from '../../src/core/safety/blocklist-policy.js';
import { FileMediaStore } from '../../src/core/store/file-media-store.js';
import { SqliteConversationStore } from '../../src/core/store/sqlite-conversation-store.js';
import { decodeImageInput } from '../../src/media/image-input.js';
import { TaskRegistry } from '../../src/tasks/task-registry.js';
import { DiscordEmulator } from '../emulators/discord/discord-emulator.js';
import { snowflake } from '../emulators/discord/snowflake.js';
import { SlackEventDelivery } from '../emulators/slack/event-delivery.js';
import { SlackEmulator, TEST_SECRETS } from '../emulators/slack/slack-emulator.js';
import { WORKSPACE } from '../emulators/slack/slack-state.js';
import { FakeTask } from '../fakes/fake-task.js';
import * as H from '../helpers/hostile-input.js';

/** Fixed seed; `FUZZ_SEED=n` replays another corpus. Every failure message prints it. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_250_901);
const COUNTS = { discord: 420, slack: 600 } as const;
const BATCH = 40;
const DISCORD_TOKEN = 'fuzz-discord-token-7c1e9a';
const SECRETS = [DISCORD_TOKEN, TEST_SECRETS.botToken, TEST_SECRETS.signingSecret, TEST_SECRETS.appToken];
const STACK =
  /\bat \S+ \(\S+:\d+:\d+\)|\bat \S+:\d+:\d+|node:internal|node_modules|file:\/\/|\b(Type|Range|URI)Error\b/;
/\bat [\w$.<>]+ \(|\.[cm]?[jt]s:\d+:\d+|node:internal|node_modules|file:\/\/|\b(Type|Range|URI)Error\b/;
/** What the bot must never send, by name. */
const LEAKS: Array<[string, (text: string) => boolean]> = [
  ['stack trace', (t) => STACK.test(t)],
  ['secret', (t) => SECRETS.some((s) => t.includes(s))],
  ['lone surrogate', (t) => !H.isWellFormed(t)],
];
const SLACK_PING = /<!(channel|here|everyone|subteam\^)[^>]*>|<@[UW][A-Z0-9]+(\|[^>]*)?>/;

type Platform = keyof typeof COUNTS;
interface Case {
  readonly id: number;
  readonly platform: Platform;
  readonly family: string;
  readonly text: string;
  readonly refusal?: RegExp;
  readonly files: readonly H.HostileFile[];
  /** Where the answer must appear: a Discord channel or thread id, or Slack `channel/thread_ts`. */
  place: string;
  /** Discord message id or Slack event id: the key of the turn's outcome. */
  key: string;
}

const crashes: string[] = [];
const onCrash = (e: unknown) => crashes.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
const errorLogs: string[] = [];
const logger = pino({ level: 'error' }, { write: (line: string) => void errorLogs.push(line) });
const cases: Case[] = [];
/** Turn outcomes by key: '' when handled, else what went wrong. */
const outcomes = new Map<string, string>();
const settle = (key: string, problem: string) => {
  outcomes.set(key, problem);
  discord.notify(); // wakes discord.waitFor, on which the batches of both platforms wait
};
/** Resolves once every key has an outcome; fails naming those that have none after 30 s. */
async function outcomesOf(keys: readonly string[]): Promise<void> {
  const missing = () => keys.filter((k) => !outcomes.has(k));
  const arrived = await discord.waitFor(() => missing().length === 0, 30_000).catch(() => false);
  if (!arrived) throw new Error(`seed=${SEED}: no outcome for ${missing()}`);
}

let foreignHits = 0;
let stopAll: () => Promise<void> = async () => {};
const discord = new DiscordEmulator();
const model = new H.HostileModel(SEED);
const slack = new SlackEmulator();

beforeAll(async () => {
  process.on('unhandledRejection', onCrash);
  process.on('uncaughtException', onCrash);
  const rng = new H.Prng(SEED);
  const media = await H.mediaFixtures(rng);
  // A host that is not the platform's: the bot must never fetch from it (nor send it a token).
  const foreign = createServer((_req, res) => {
    foreignHits += 1;
    res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from(media.png));
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  const foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/evil.png`;

  // One core for both platforms, as `serve` builds it, with the real image check and prompt policy.
  const store = new SqliteConversationStore(':memory:');
  const mediaStore = new FileMediaStore(mkdtempSync(join(tmpdir(), 'fuzz-media-')));
  const kinds = ['image_generation', 'image_editing', 'segmentation'] as const;
  const orchestrator = new Orchestrator({
    engine: model,
    tasks: new TaskRegistry([
      ...kinds.map((k) => new FakeTask(k, () => media.png)),
      new FakeTask('audio_generation', () => 'fail'),
    ]),
    store,
    media: mediaStore,
    checkImage: async (bytes) => {
      const r = await decodeImageInput(bytes);
      return r.ok ? ok({ png: r.value.png, width: r.value.width, height: r.value.height }) : r;
    },
    sampling: { maxNewTokens: 32, temperature: 0, topP: 1 },
    taskTimeoutMs: 10_000,
    maxAttachmentBytes: 1_000_000,
    logger,
    policy: new BlocklistPolicy({ blocklist: [H.BLOCKED_WORD] }),
    scheduler: new FairScheduler({ resources: { default: 256 } }),
    randomSeed: () => 7,
  });

  const guild = discord.state.addGuild('Fuzz');
  const channel = discord.state.addTextChannel(guild.id, 'general');
  const users = ['ada', 'bob', 'eve', 'mallory'].map((n) => discord.state.addUser(n));
  await discord.start();
  const discordBot = new DiscordAdapter(
    { orchestrator, conversations: store, logger, onTurn: (o) => settle(o.messageId, o.error ?? '') },
    {
      token: DISCORD_TOKEN,
      apiUrl: discord.apiUrl,
      commandGuilds: [],
      editIntervalMs: 0,
      maxAttachmentBytes: 1e6,
    },
  );
  await discordBot.start();
  await slack.start();
  const slackBot = new SlackAdapter({
    ...TEST_SECRETS,
    appToken: '',
    apiUrl: slack.apiUrl,
    port: 0,
    host: '127.0.0.1',
    command: '/llmbind',
    handler: orchestrator,
    store,
    media: mediaStore,
    logger,
    pacing: Object.fromEntries(Object.keys(DEFAULT_PACING).map((k) => [k, 0])) as unknown as SlackPacing,
    retry: { retries: 2, factor: 1, minTimeout: 0, maxTimeout: 10 },
    // Both adapters cap downloads at the core's limit, as their defaults do in production (25 MB there).
    maxFileBytes: 1_000_000,
    onOutcome: (o) => {
      if (o.source === 'event') settle(o.id, o.result === 'handled' ? '' : o.result);
    },
  });
  await slackBot.start();
  const url = `http://127.0.0.1:${slackBot.port}/slack/events`;
  const events = new SlackEventDelivery(slack, { kind: 'http', url });
  stopAll = async () => {
    await discordBot.stop();
    await slackBot.stop();
    await Promise.all([discord.stop(), slack.stop(), store.close()]);
    foreign.closeAllConnections();
    foreign.close();
  };

  const sendDiscord = (c: Case): void => {
    const inGuild = c.id % 3 === 0;
    const author = users[c.id % users.length] ?? discord.bot;
    const where = inGuild ? channel.id : discord.state.addDm(author).id;
    const attachments = c.files.map((f) => {
      const a = f.foreign
        ? { id: snowflake(), filename: f.name, size: f.bytes.length, url: foreignUrl, proxy_url: foreignUrl }
        : discord.state.addAttachment(where, f.name, f.bytes, f.mime);
      return { ...a, content_type: f.mime, ...H.reportedSize(f) };
    });
    const member = { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false };
    const message = discord.state.addMessage(where, author, {
      content: inGuild ? `<@${discord.bot.id}> ${c.text}` : c.text,
      mentions: inGuild ? [discord.bot] : [],
      attachments,
      ...(inGuild ? { member } : {}),
    });
    // A mention in a channel is answered in a thread that has the message's id.
    c.place = inGuild ? message.id : where;
    c.key = message.id;
    discord.gateway.dispatch('MESSAGE_CREATE', message);
  };
  const sendSlack = async (c: Case): Promise<void> => {
    const channelId = `C0FUZ${String(c.id % 7).padStart(4, '0')}`;
    const files = c.files.map((f, i) => {
      const size = H.reportedSize(f);
      if (f.foreign)
        return { id: `F0EVIL${c.id}${i}`, name: f.name, mimetype: f.mime, url_private: foreignUrl, ...size };
      return {
        ...slack.state.fileJson(slack.state.addFile(f.name, f.mime, f.bytes, true), slack.baseUrl),
        ...size,
      };
    });
    const text = `<@${WORKSPACE.botUserId}> ${c.text}`;
    const message = slack.state.add({ channel: channelId, user: 'U0ADA0001', text });
    c.place = `${channelId}/${message.ts}`;
    c.key = `Ev0FUZZ${c.id}`;
    const event = { ...events.eventFor(message, 'app_mention'), ...(files.length > 0 ? { files } : {}) };
    await events.deliverEvent(event, { eventId: c.key });
  };

  for (const platform of ['discord', 'slack'] as const)
    for (let i = 0; i < COUNTS[platform]; i++)
      cases.push({ id: cases.length, platform, ...H.hostileMessage(rng, media), place: '', key: '' });
  // Batches of concurrent messages per platform, both platforms at once.
  const run = async (platform: Platform): Promise<void> => {
    const mine = cases.filter((c) => c.platform === platform);
    for (let i = 0; i < mine.length; i += BATCH) {
      const batch = mine.slice(i, i + BATCH);
      await Promise.all(batch.map((c) => (platform === 'discord' ? sendDiscord(c) : sendSlack(c))));
      await outcomesOf(batch.map((c) => c.key));
    }
  };
  await Promise.all([run('discord'), run('slack')]);
}, 120_000);

afterAll(async () => {
  await stopAll();
  process.off('unhandledRejection', onCrash);
  process.off('uncaughtException', onCrash);
});

const label = (c: Case) =>
  `#${c.id} ${c.platform} text=${c.family} reply=${model.families.get(H.replyKey(c.text)) ?? '?'} files=[${c.files.map((f) => `${f.kind}:${JSON.stringify(f.name)}`)}]`;
const report = (problems: string[]) =>
  `seed=${SEED} (rerun with FUZZ_SEED=${SEED})\n${problems.slice(0, 40).join('\n')}\n${errorLogs.slice(0, 5).join('')}`;

/** The bot's messages where a case must be answered: their text and how many files they carry. */
function answers(c: Case): Array<{ text: string; files: number }> {
  if (c.platform === 'discord')
    return discord.botMessages(c.place).map((m) => ({ text: m.content, files: m.attachments.length }));
  const [channel = '', ts = ''] = c.place.split('/');
  return slack.state.botMessages(channel, ts).map((m) => ({ text: m.text, files: m.files?.length ?? 0 }));
}

describe(`fuzz: ${COUNTS.discord + COUNTS.slack} hostile messages and files through both adapters`, () => {
  it('crashes nothing: no unhandled rejection, no uncaught exception, no failed turn', () => {
    const failed = cases.flatMap((c) => (outcomes.get(c.key) ? [`${label(c)}: ${outcomes.get(c.key)}`] : []));
    expect([...crashes, ...failed], report([...crashes, ...failed])).toEqual([]);
  });

  it('answers every message, and refuses what it must with a message', () => {
    const problems = cases.flatMap((c): string[] => {
      const got = answers(c);
      if (!got.some((m) => m.text.trim() !== '' || m.files > 0)) return [`${label(c)}: no answer at all`];
      const warnings = got.filter((m) => /^(⚠️|:warning:)/.test(m.text));
      if (c.refusal) return warnings.some((m) => c.refusal?.test(m.text)) ? [] : [`${label(c)}: not refused`];
      const refused = c.files.filter((f) => f.refused).length;
      return warnings.length < refused
        ? [`${label(c)}: ${refused} files to refuse, ${warnings.length} notices`]
        : [];
    });
    expect(problems, report(problems)).toEqual([]);
    expect(foreignHits, `seed=${SEED}: a foreign attachment URL was fetched`).toBe(0);
  });

  it('pings nobody: Discord allows no mentions, Slack text carries no live mention', () => {
    const discordProblems = discord.calls
      .filter((c) => c.method !== 'GET' && (typeof c.body?.content === 'string' || c.files.length > 0))
      .flatMap((c) => {
        const am = c.body?.allowed_mentions as Record<'parse' | 'users' | 'roles', unknown[] | undefined>;
        const none = am?.parse?.length === 0 && !am.users?.length && !am.roles?.length;
        return none ? [] : [`discord ${c.method} ${c.route}: allowed_mentions=${JSON.stringify(am)}`];
      });
    const slackProblems = slack.calls
      .filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update')
      .flatMap((c) => {
        const live = H.strings([c.params.text, c.params.blocks]).find((t) => SLACK_PING.test(t));
        const linked = ['true', '1'].includes(String(c.params.link_names)) || c.params.parse === 'full';
        return live || linked ? [`slack ${c.method}: ${JSON.stringify(live ?? c.params).slice(0, 160)}`] : [];
      });
    const problems = [...discordProblems, ...slackProblems];
    expect(problems, report(problems)).toEqual([]);
  });

  it('leaks nothing: no stack trace, no token or secret, no broken UTF-16 in what it sends', () => {
    const sent = [
      ...discord.calls
        .filter((c) => c.method !== 'GET')
        .map((c) => ({ where: `discord ${c.method} ${c.route}`, v: c.body })),
      ...slack.calls
        .filter((c) => /^(chat|files)\./.test(c.method))
        .map((c) => ({ where: `slack ${c.method}`, v: c.params })),
    ];
    const problems = sent.flatMap(({ where, v }) =>
      H.strings(v).flatMap((text) => {
        const why = LEAKS.find(([, leaks]) => leaks(text))?.[0];
        return why ? [`${where}: ${why} in ${JSON.stringify(text.slice(0, 120))}`] : [];
      }),
    );
    expect(problems, report(problems)).toEqual([]);
  });
});
