import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordAdapter } from '../../../src/adapters/discord/discord-adapter.js';
import {
  type DiscordAdapterOptions,
  resolveDiscordOptions,
  shardingOptions,
  type TurnOutcome,
} from '../../../src/adapters/discord/discord-options.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { LlmbindError, ok } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { Orchestrator } from '../../../src/core/orchestrator.js';
import { FileMediaStore } from '../../../src/core/store/file-media-store.js';
import { SqliteConversationStore } from '../../../src/core/store/sqlite-conversation-store.js';
import { TaskRegistry } from '../../../src/tasks/task-registry.js';
import { DiscordEmulator } from '../../emulators/discord/discord-emulator.js';
import type { ApiChannel, ApiMessage } from '../../emulators/discord/emulator-state.js';
import { shardOf } from '../../emulators/discord/snowflake.js';
import { done, FakeEngine } from '../../fakes/fake-engine.js';
import { recordingLogger, say } from './harness.js';

/** One bot: an emulator, guilds with a #general on chosen shards, and one Orchestrator for all adapters. */
async function createWorld(guildShards: ReadonlyArray<readonly [number, number]>) {
  const emu = new DiscordEmulator();
  const channels: ApiChannel[] = guildShards.map((shard, i) => {
    const guild = emu.state.addGuild(`guild ${i}`, { shard });
    return emu.state.addTextChannel(guild.id, 'general');
  });
  const ada = emu.state.addUser('ada');
  await emu.start();
  const store = new SqliteConversationStore(':memory:');
  const orchestrator = new Orchestrator({
    engine: new FakeEngine(() => [say('Answer.'), done('Answer.')]),
    tasks: new TaskRegistry([]),
    store,
    media: new FileMediaStore(mkdtempSync(join(tmpdir(), 'discord-shard-media-'))),
    checkImage: async (bytes) => ok({ png: bytes, width: 1, height: 1 }),
    sampling: { maxNewTokens: 32, temperature: 0, topP: 1 },
    taskTimeoutMs: 10_000,
    maxAttachmentBytes: 1_000_000,
    logger: silentLogger(),
  });
  const adapters: DiscordAdapter[] = [];
  /** Every finished turn, tagged with the adapter (by index) that ran it. */
  const turns: Array<TurnOutcome & { adapter: number }> = [];
  /** Starts one more adapter (a frontend) of this bot with the given sharding. */
  const startAdapter = async (sharding: Pick<DiscordAdapterOptions, 'shardCount' | 'shards'>) => {
    const index = adapters.length;
    const { logger, records } = recordingLogger();
    const adapter = new DiscordAdapter(
      {
        orchestrator,
        conversations: store,
        logger,
        onTurn: (outcome) => {
          turns.push({ ...outcome, adapter: index });
          emu.notify();
        },
      },
      { token: 'bot-token', apiUrl: emu.apiUrl, commandGuilds: [], editIntervalMs: 25, ...sharding },
    );
    adapters.push(adapter);
    await adapter.start();
    return records;
  };
  return {
    emu,
    channels,
    ada,
    turns,
    startAdapter,
    /** Resolves once `n` turns have finished. */
    turnsDone: (n: number) => emu.waitFor(() => turns.length >= n),
    /** Stops the adapters (each waits for its running turns, so no answer can come later). */
    stopAdapters: async () => {
      for (const adapter of adapters.splice(0)) await adapter.stop();
    },
    async stop() {
      await this.stopAdapters();
      await emu.stop();
      await store.close();
    },
  };
}

type World = Awaited<ReturnType<typeof createWorld>>;
let world: World | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

/** The shards whose sessions received a message's MESSAGE_CREATE. */
const receivedBy = (w: World, message: ApiMessage): number[] =>
  w.emu.gateway.deliveries.filter((d) => d.t === 'MESSAGE_CREATE' && d.id === message.id).map((d) => d.shard);

/** Thread openings the bot asked for (one per answered mention). */
const threadCalls = (w: World): number =>
  w.emu.calls.filter((c) => c.method === 'POST' && c.route === '/channels/:id/messages/:id/threads').length;

describe('Discord sharding', () => {
  it('runs both shards of a 2-shard bot in one adapter and answers in guilds of each', async () => {
    world = await createWorld([
      [0, 2],
      [1, 2],
    ]);
    const w = world;
    // discord.js waits 5 s between identifies of one concurrency bucket; two buckets identify together.
    w.emu.gateway.maxConcurrency = 2;
    const logs = await w.startAdapter({ shardCount: 2, shards: [] });
    expect(w.emu.gateway.shards).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(logs.filter((r) => r.msg === 'discord shard ready').map((r) => r.shard)).toEqual(
      expect.arrayContaining([0, 1]),
    );

    const asked = w.channels.map((c, i) => w.emu.userSays(c.id, w.ada, `question ${i}`, { mention: true }));
    await w.turnsDone(2);
    for (const [i, message] of asked.entries()) {
      expect(receivedBy(w, message), `message ${i}`).toEqual([i]);
      expect(w.emu.threadOf(message.id)?.owner_id).toBe(w.emu.bot.id);
      expect(w.emu.botMessages(message.id).map((m) => m.content)).toEqual(['Answer.']);
    }
    expect(w.turns.map((t) => t.error)).toEqual([undefined, undefined]);
  });

  it('with shardCount 0 runs as many shards as GET /gateway/bot recommends', async () => {
    world = await createWorld([[1, 2]]);
    const w = world;
    w.emu.gateway.recommendedShards = 2;
    w.emu.gateway.maxConcurrency = 2;
    await w.startAdapter({ shardCount: 0, shards: [] });
    expect(w.emu.gateway.shards).toEqual([
      [0, 2],
      [1, 2],
    ]);
  });

  it('splits one bot over two adapters with shards [0] and [1]: every mention answered once, by its shard', async () => {
    const guildShards = [
      [0, 2],
      [1, 2],
      [0, 2],
      [1, 2],
    ] as const;
    world = await createWorld(guildShards);
    const w = world;
    await w.startAdapter({ shardCount: 2, shards: [0] });
    await w.startAdapter({ shardCount: 2, shards: [1] });
    expect(w.emu.gateway.shards).toEqual([
      [0, 2],
      [1, 2],
    ]);

    const asked = Array.from({ length: 10 }, (_, i) => {
      const channel = w.channels[i % w.channels.length] as ApiChannel;
      return w.emu.userSays(channel.id, w.ada, `question ${i}`, { mention: true });
    });
    // A DM belongs to no guild: Discord sends it to shard 0 only.
    const dm = w.emu.userSays(w.emu.state.addDm(w.ada).id, w.ada, 'hello in private');
    await w.turnsDone(asked.length + 1);
    await w.stopAdapters();

    for (const [i, message] of asked.entries()) {
      const shard = guildShards[i % guildShards.length]?.[0];
      expect(shardOf(message.guild_id ?? '', 2)).toBe(shard);
      expect(receivedBy(w, message), `message ${i}`).toEqual([shard]);
      const answered = w.turns.filter((t) => t.messageId === message.id);
      expect(
        answered.map((t) => t.adapter),
        `message ${i}`,
      ).toEqual([shard]);
      expect(w.emu.botMessages(message.id).map((m) => m.content)).toEqual(['Answer.']);
    }
    expect(receivedBy(w, dm)).toEqual([0]);
    expect(w.turns.filter((t) => t.messageId === dm.id).map((t) => t.adapter)).toEqual([0]);
    expect(w.emu.botMessages(dm.channel_id).map((m) => m.content)).toEqual(['Answer.']);
    // Exactly one turn per message and one thread per mention, counted after both adapters stopped.
    expect(w.turns).toHaveLength(asked.length + 1);
    expect(threadCalls(w)).toBe(asked.length);
    expect(w.turns.every((t) => t.error === undefined)).toBe(true);
  });
});

describe('Discord sharding config', () => {
  const configError = (env: Record<string, string>): LlmbindError => {
    try {
      loadConfig({ env });
    } catch (error) {
      if (LlmbindError.isInstance(error)) return error;
      throw error;
    }
    throw new Error('expected a config error');
  };

  it('maps the settings to explicit discord.js client options', () => {
    expect(shardingOptions({ shardCount: 0, shards: [] })).toEqual({ shards: 'auto' });
    expect(shardingOptions({ shardCount: 3, shards: [] })).toEqual({ shardCount: 3, shards: [0, 1, 2] });
    expect(shardingOptions({ shardCount: 4, shards: [1, 3] })).toEqual({ shardCount: 4, shards: [1, 3] });
    const base = { token: 't', apiUrl: 'http://127.0.0.1:9/api', commandGuilds: [] };
    expect(() => resolveDiscordOptions({ ...base, shardCount: 2, shards: [2] })).toThrow(RangeError);
    expect(() => resolveDiscordOptions({ ...base, shards: [0] })).toThrow(RangeError);
  });

  it('defaults to letting Discord decide, on every shard', () => {
    const config = loadConfig({ env: {} });
    expect(config.discord).toMatchObject({ shardCount: 0, shards: [] });
  });

  it('reads DISCORD_SHARD_COUNT and the DISCORD_SHARDS comma list as numbers', () => {
    const config = loadConfig({ env: { DISCORD_SHARD_COUNT: '4', DISCORD_SHARDS: '1, 3' } });
    expect(config.discord).toMatchObject({ shardCount: 4, shards: [1, 3] });
  });

  it('refuses shard ids not below the shard count, or without one', () => {
    const above = configError({ DISCORD_SHARD_COUNT: '2', DISCORD_SHARDS: '0,2' });
    expect(above.code).toBe('config_invalid');
    expect(above.message).toContain('discord.shards (from env DISCORD_SHARDS)');
    expect(above.message).toContain('below discord.shardCount');
    expect(configError({ DISCORD_SHARDS: '0' }).message).toContain('discord.shards');
    expect(configError({ DISCORD_SHARD_COUNT: '2', DISCORD_SHARDS: 'one' }).message).toContain(
      'discord.shards',
    );
    expect(configError({ DISCORD_SHARD_COUNT: '-1' }).message).toContain('discord.shardCount');
  });
});
