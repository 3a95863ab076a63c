import { webApi } from '@slack/bolt';
import type Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_DISCORD_OPTIONS,
  resolveDiscordOptions,
} from '../../src/adapters/discord/discord-options.js';
import { DiscordState } from '../../src/adapters/discord/discord-state.js';
import { TurnRunner } from '../../src/adapters/discord/turn-runner.js';
import { SlackApi } from '../../src/adapters/slack/slack-api.js';
import { DEFAULT_PACING } from '../../src/adapters/slack/slack-pacing.js';
import { sendAsIs } from '../../src/core/fit-media.js';
import { silentLogger } from '../../src/core/logger.js';
import {
  type LimiterFactory,
  type LimiterSpec,
  LocalLimiterFactory,
  RedisLimiterFactory,
} from '../../src/queue/limiter-factory.js';
import { startRedis } from '../helpers/redis-server.js';

/** A factory that hands out another factory's limiters (local by default) and records the requests. */
class RecordingFactory implements LimiterFactory {
  readonly groups: Array<{ name: string; spec: LimiterSpec; group: Bottleneck.Group }> = [];

  constructor(private readonly inner: LimiterFactory = new LocalLimiterFactory()) {}

  get shared(): boolean {
    return this.inner.shared;
  }

  limiter(name: string, spec: LimiterSpec): Bottleneck {
    return this.inner.limiter(name, spec);
  }

  group(name: string, spec: LimiterSpec): Bottleneck.Group {
    const group = this.inner.group(name, spec);
    this.groups.push({ name, spec, group });
    return group;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('adapters take their limiters from the injected factory', () => {
  it('SlackApi asks for one group per Web API budget, named by method, paced by the config', async () => {
    const factory = new RecordingFactory();
    const client = new webApi.WebClient('xoxb-unused', { slackApiUrl: 'http://127.0.0.1:9/api/' });
    const api = new SlackApi(client, { ...DEFAULT_PACING, postMessageMs: 1_234 }, undefined, factory);
    expect(factory.groups.map(({ name, spec }) => [name, spec.minTime])).toEqual([
      ['slack:chat.postMessage', 1_234],
      ['slack:chat.update', DEFAULT_PACING.updateMs],
      ['slack:files.upload', DEFAULT_PACING.uploadMs],
      ['slack:conversations.replies', DEFAULT_PACING.repliesMs],
      ['slack:views.open', DEFAULT_PACING.viewsOpenMs],
      ['slack:users.info', DEFAULT_PACING.usersInfoMs],
      ['slack:response_url', DEFAULT_PACING.responseUrlMs],
    ]);
    await api.close();
  });

  it("Discord's turn runner paces channel messages by editIntervalMs through the factory", async () => {
    const factory = new RecordingFactory();
    const { runner, state } = discordRunner(factory);
    expect(factory.groups.map(({ name, spec }) => [name, spec.minTime])).toEqual([
      ['discord:channel-messages', DEFAULT_DISCORD_OPTIONS.editIntervalMs],
    ]);
    await runner.stop();
    state.close();
  });

  it("on stop, Discord's shared limiters leave the Redis connection (no subscriptions left)", async () => {
    const redis = await startRedis();
    const factory = new RecordingFactory(
      await RedisLimiterFactory.connect({ redisUrl: redis.url, prefix: 'bot' }, silentLogger()),
    );
    const probe = new Redis(redis.url);
    try {
      const { runner, state } = discordRunner(factory);
      // A turn's sink gets its limiter the same way: the runner's group keyed by channel id.
      await factory.groups[0]?.group.key('C1').schedule(async () => undefined);
      expect(await probe.pubsub('CHANNELS', 'b_bot:limit:discord:channel-messages-C1*')).not.toEqual([]);
      await runner.stop();
      // bottleneck sends the UNSUBSCRIBEs without awaiting them: poll Redis until it has seen them.
      await vi.waitFor(async () => expect(await probe.pubsub('CHANNELS', 'b_*')).toEqual([]));
      state.close();
    } finally {
      probe.disconnect();
      await factory.close();
      await redis.stop();
    }
  });
});

function discordRunner(limiters: LimiterFactory): { runner: TurnRunner; state: DiscordState } {
  const state = new DiscordState(':memory:');
  const options = resolveDiscordOptions({ token: 't', apiUrl: 'http://127.0.0.1:9/api', commandGuilds: [] });
  const runner = new TurnRunner(
    {
      orchestrator: { handle: async () => undefined },
      conversations: {
        reset: async () => undefined,
        load: async (id) => ({ id, turns: [] }) as never,
        append: async () => undefined,
      },
      logger: silentLogger(),
      limiters,
    },
    options,
    state,
    sendAsIs,
  );
  return { runner, state };
}
