import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { DiscordAdapter } from '../src/adapters/discord/discord-adapter.js';
import { slackAdapterFromConfig } from '../src/adapters/slack/slack-config.js';
import { loadConfig } from '../src/config/load-config.js';
import type { IncomingMessage } from '../src/core/message.js';
import type { ReplySink } from '../src/core/reply-sink.js';
import { createOrchestrator, createRuntime, createServices, dataStores } from '../src/runtime.js';
import { TaskRegistry } from '../src/tasks/task-registry.js';
import { DiscordEmulator } from '../test/emulators/discord/discord-emulator.js';
import { SlackEventDelivery } from '../test/emulators/slack/event-delivery.js';
import { SlackEmulator, TEST_SECRETS } from '../test/emulators/slack/slack-emulator.js';
import { WORKSPACE } from '../test/emulators/slack/slack-state.js';

const CONVERSATIONS = 25; // per platform
const SCRIPTS = [
  ['hello there', 'draw a big red circle on the left', 'make it blue'],
  ['draw a small green square', 'what is in this picture?', 'thanks!'],
  ['play two high beeps', 'draw a yellow triangle at the top', 'outline the triangle'],
  ['make a video of a red circle moving left', 'what can you do?', 'draw a purple square'],
  ['hi', 'what is segmentation?', 'draw a blue circle in the middle'],
];
const DEADLINE_MS = 270_000;

import { type Platform, policingProxy, type Tally } from './policing-proxy.js';
import {
  covered,
  TimedScheduler,
  type TurnTiming,
  timedEngine,
  timedTask,
  timings,
  turnOf,
} from './turn-timing.js';

/** A sent turn: its timing key, its outcome (handled or not), and the bot's messages in its conversation. */
type Sent = { key: string; outcome: Promise<boolean>; replies: () => number };
type Send = (t: number, text: string) => Promise<Sent>;
type TurnResult = { platform: Platform; answered: boolean; wallMs: number; timing: TurnTiming | undefined };

async function main(): Promise<void> {
  const discordEmu = new DiscordEmulator();
  const general = discordEmu.state.addTextChannel(discordEmu.state.addGuild('Bench').id, 'general');
  const slackEmu = new SlackEmulator();
  await Promise.all([discordEmu.start(), slackEmu.start()]);
  const proxies = {
    discord: await policingProxy('discord', discordEmu.baseUrl),
    slack: await policingProxy('slack', slackEmu.baseUrl.replace(/\/$/, '')),
  };
  const config = loadConfig({
    env: {
      DISCORD_TOKEN: 'bench-token',
      DISCORD_API_URL: `${proxies.discord.url}/api`,
      SLACK_BOT_TOKEN: TEST_SECRETS.botToken,
      SLACK_SIGNING_SECRET: TEST_SECRETS.signingSecret,
      SLACK_API_URL: `${proxies.slack.url}/api/`,
      LLMBIND_DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-concurrency-')),
    },
    overrides: { 'slack.port': 0, 'slack.host': '127.0.0.1' },
  });
  const logger = pino({ level: 'error' }, pino.destination(2));
  const runtime = await createRuntime(config, logger);
  const inner = runtime.tasks;
  const tasks = new TaskRegistry(
    inner
      .kinds()
      .flatMap((k) => inner.get(k) ?? [])
      .map(timedTask),
  );
  const timedRuntime = { ...runtime, engine: timedEngine(runtime.engine), tasks };
  const { scheduler: s, engine, tasks: taskConfig } = config;
  const scheduler = new TimedScheduler({
    resources: { onnx: s.concurrency || engine.workers, remote: s.remoteConcurrency },
    defaultTimeoutMs: taskConfig.timeoutMs,
    priorities: s.priorities,
  });
  const stores = dataStores(config);
  const services = { ...createServices(config, logger, { quotas: true }), scheduler };
  const orchestrator = createOrchestrator(timedRuntime, config, logger, stores, services);
  // Each turn gets a timing record that the engine, tasks and scheduler find through the async context.
  const handler = {
    handle: (message: IncomingMessage, sink: ReplySink, signal?: AbortSignal) => {
      const timing: TurnTiming = { device: [], queued: [], slot: [] };
      timings.set(message.messageId, timing);
      return turnOf.run(timing, () => orchestrator.handle(message, sink, signal));
    },
    cancel: (id: string) => orchestrator.cancel(id),
  };
  const done = new Map<string, (ok: boolean) => void>();
  const finished = (key: string) => new Promise<boolean>((resolve) => done.set(key, resolve));
  const hooks = { discord: 0, slack: 0 };
  const discordBot = new DiscordAdapter(
    {
      orchestrator: handler,
      conversations: stores.store,
      logger,
      fit: runtime.fit,
      onRateLimited: () => hooks.discord++,
      onTurn: (o) => done.get(o.messageId)?.(o.error === undefined),
    },
    { token: 'bench-token', apiUrl: config.discord.apiUrl, commandGuilds: [], statePath: ':memory:' },
  );
  const slackBot = slackAdapterFromConfig(config.slack, {
    handler,
    store: stores.store,
    media: stores.media,
    logger,
    fit: runtime.fit,
    onRateLimited: () => hooks.slack++,
    onOutcome: (o) => o.source === 'event' && done.get(o.id)?.(o.result === 'handled'),
  } as Parameters<typeof slackAdapterFromConfig>[1]);
  if (!slackBot) throw new Error('Slack is not configured');
  await Promise.all([discordBot.start(), slackBot.start()]);
  const url = `http://127.0.0.1:${slackBot.port}/slack/events`;
  const events = new SlackEventDelivery(slackEmu, { kind: 'http', url });

  const results: TurnResult[] = [];
  /** One conversation: a user waits for each answer before writing the next message. */
  const converse = async (platform: Platform, i: number, send: Send): Promise<void> => {
    let seen = 0;
    for (const [t, text] of (SCRIPTS[i % SCRIPTS.length] ?? []).entries()) {
      const sentAt = performance.now();
      const turn = await send(t, text);
      const ok = await turn.outcome;
      const replies = turn.replies();
      const timing = timings.get(turn.key);
      results.push({ platform, answered: ok && replies > seen, wallMs: performance.now() - sentAt, timing });
      seen = replies;
    }
  };
  const discordUser = (i: number): Send => {
    const user = discordEmu.state.addUser(`user${i}`);
    let thread = ''; // a mention is answered in a thread with the message's id
    return async (t, text) => {
      const m = discordEmu.userSays(t === 0 ? general.id : thread, user, text, { mention: t === 0 });
      thread ||= m.id;
      return { key: m.id, outcome: finished(m.id), replies: () => discordEmu.botMessages(thread).length };
    };
  };
  const slackUser = (i: number): Send => {
    const [channel, user] = [`C0BENCH0${i % 5}`, `U0BENCH${String(i).padStart(2, '0')}`];
    let root = '';
    return async (t, text) => {
      const eventId = `Ev0BENCH${i}x${t}`;
      const outcome = finished(eventId);
      const first = { channel, user, text: `<@${WORKSPACE.botUserId}> ${text}` };
      const m = events.userPosts(t === 0 ? first : { channel, user, text, threadTs: root });
      root ||= m.ts;
      await (t === 0 ? events.mention(m, { eventId }) : events.message(m, 'channel', { eventId }));
      return { key: m.ts, outcome, replies: () => slackEmu.state.botMessages(channel, root).length };
    };
  };

  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const t0 = performance.now();
  const conversations = Array.from({ length: CONVERSATIONS }, (_, i) => [
    converse('discord', i, discordUser(i)),
    converse('slack', i, slackUser(i)),
  ]);
  const deadline = sleep(DEADLINE_MS, 'deadline' as const, { ref: false });
  const ended = await Promise.race([Promise.all(conversations.flat()).then(() => 'done' as const), deadline]);
  lag.disable();
  const [max, p99] = [lag.max / 1e6, lag.percentile(99) / 1e6];
  const avoidable = [...proxies.discord.tally, ...proxies.slack.tally].filter(([r]) => r !== 'scripted');
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(
    `\n${CONVERSATIONS * 2} conversations × 3 turns: ${ended} in ${seconds} s, Node ${process.version}\n`,
  );
  console.log(table(results, { discord: proxies.discord.tally, slack: proxies.slack.tally }, hooks));
  console.log(`\nEvent-loop lag: max ${max.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
  console.log(`Avoidable 429s by route: ${avoidable.map(([r, n]) => `${r}: ${n}`).join(', ') || 'none'}`);
  await Promise.allSettled([discordBot.stop(), slackBot.stop(), runtime.close(), stores.store.close()]);
  process.exit(ended === 'done' ? 0 : 1);
}

const pct = (xs: readonly number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? Number.NaN;
const ms = (xs: readonly number[], p: number) => `${Math.round(pct(xs, p))} ms`;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** The results as a markdown table: one row per platform and one for both. */
function table(
  results: readonly TurnResult[],
  tallies: Record<Platform, Tally>,
  hooks: Record<Platform, number>,
) {
  const rows = (['discord', 'slack', 'both'] as const).map((platform) => {
    const mine = results.filter((r) => platform === 'both' || r.platform === platform);
    const wall = mine.map((r) => r.wallMs);
    const device = mine.map((r) => covered(r.timing?.device));
    const overhead = mine.map((r, i) => r.wallMs - (device[i] ?? 0));
    const busy = (r: TurnResult) => covered([...(r.timing?.device ?? []), ...(r.timing?.queued ?? [])]);
    const pure = mine.map((r) => r.wallMs - busy(r));
    const slot = mine.map((r) => covered(r.timing?.slot));
    const counts = (platform === 'both' ? Object.values(tallies) : [tallies[platform]]).flatMap((t) => [
      ...t,
    ]);
    const seen = sum(counts.map(([, n]) => n));
    const avoidable = seen - sum(counts.filter(([r]) => r === 'scripted').map(([, n]) => n));
    return [
      platform,
      `${mine.filter((r) => r.answered).length} / ${CONVERSATIONS * 3 * (platform === 'both' ? 2 : 1)}`,
      ms(wall, 50),
      `${ms(overhead, 50)} / ${ms(overhead, 99)}`,
      `${ms(pure, 50)} / ${ms(pure, 99)}`,
      `${((sum(slot) - sum(device)) / 1000).toFixed(1)} s of ${(sum(slot) / 1000).toFixed(1)} s`,
      `${seen} / ${avoidable}`,
      String(platform === 'both' ? hooks.discord + hooks.slack : hooks[platform]),
    ];
  });
  const head = HEAD.split('|');
  return [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
const HEAD =
  'platform|answered / sent|turn p50|bot overhead p50 / p99|overhead less queue wait p50 / p99|' +
  'slot held, device idle|429s seen / avoidable|onRateLimited calls';

await main();
