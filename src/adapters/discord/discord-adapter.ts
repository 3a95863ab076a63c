import { once } from 'node:events';
import {
  Client,
  DiscordAPIError,
  type Attachment as DiscordAttachment,
  Events,
  GatewayIntentBits,
  type Guild,
  type Message,
  Partials,
  type SendableChannels,
} from 'discord.js';
import { sendAsIs } from '../../core/fit-media.js';
import type { RecoverySweep } from '../../core/journal/turn-ledger.js';
import type { Attachment } from '../../core/message.js';
import type { Adapter } from '../adapter.js';
import { toAttachment } from './attachments.js';
import { ChannelTarget } from './channel-target.js';
import { commandDefinitions } from './commands.js';
import { conversationIds } from './conversation-ids.js';
import { THREAD_ALREADY_CREATED } from './discord-errors.js';
import {
  type DiscordAdapterDeps,
  type DiscordAdapterOptions,
  resolveDiscordOptions,
  shardingOptions,
  uploadLimitForTier,
} from './discord-options.js';
import { DiscordState } from './discord-state.js';
import { DmFallbackTarget } from './dm-fallback-target.js';
import { toIncomingMessage } from './incoming-message.js';
import { InteractionRouter } from './interactions.js';
import { type DiscordRoute, journalKey, toJson } from './journal-route.js';
import { DiscordRecovery } from './recovery.js';
import type { ReplyTarget } from './reply-target.js';
import { TEXT } from './texts.js';
import { ThreadHistory } from './thread-history.js';
import { type JournalRef, TurnRunner } from './turn-runner.js';

/** Optional hooks of the Discord adapter (metrics). */
export interface DiscordAdapterHooks {
  /** Discord answered 429 on `route` (the 429 counter of /metrics). Must not throw. */
  readonly onRateLimited?: (route: string) => void;
}

/**
 * The Discord adapter on discord.js: mentions open a thread (or answer in place), threads the bot
 * opened and DMs need no mention, slash commands and media buttons go through {@link InteractionRouter}.
 * Rate limits are @discordjs/rest's (429s are waited out and retried) plus a per-channel edit limiter.
 */
export class DiscordAdapter implements Adapter {
  readonly name = 'discord';
  private readonly options: DiscordAdapterOptions;
  private readonly state: DiscordState;
  private readonly runner: TurnRunner;
  private readonly interactions: InteractionRouter;
  private readonly history: ThreadHistory;
  private readonly hosts: ReadonlySet<string>;
  private readonly warned = new Set<string>();
  private client: Client | undefined;
  private recovering: Promise<void> = Promise.resolve();
  private sweep: RecoverySweep | undefined;

  constructor(
    private readonly deps: DiscordAdapterDeps & DiscordAdapterHooks,
    options: Parameters<typeof resolveDiscordOptions>[0],
  ) {
    this.options = resolveDiscordOptions(options);
    this.state = new DiscordState(this.options.statePath);
    // The REST host serves attachments too when it is not discord.com (emulators, proxies).
    this.hosts = new Set([...this.options.attachmentHosts, new URL(this.options.apiUrl).host]);
    this.runner = new TurnRunner(deps, this.options, this.state, deps.fit ?? sendAsIs);
    const now = deps.now ?? Date.now;
    this.interactions = new InteractionRouter(deps, this.options, this.state, this.runner, this.hosts, now);
    this.history = new ThreadHistory(
      {
        store: deps.conversations,
        state: this.state,
        attachment: (a) => this.attachment(a),
        logger: deps.logger,
      },
      { maxMessages: this.options.historyMaxMessages, pageSize: this.options.historyPageSize },
    );
  }

  async start(): Promise<void> {
    const client = new Client({
      intents: [
        GatewayIntentBits.Guilds,
        GatewayIntentBits.GuildMessages,
        GatewayIntentBits.MessageContent,
        GatewayIntentBits.DirectMessages,
      ],
      // DM channels are not cached until used: without this discord.js drops DM messages.
      partials: [Partials.Channel, Partials.Message],
      rest: { api: this.options.apiUrl, version: '10' },
      ...shardingOptions(this.options),
    });
    this.client = client;
    const log = this.deps.logger;
    client.on(Events.MessageCreate, (message) => {
      this.onMessage(message).catch((error: unknown) =>
        log.error({ err: String(error) }, 'discord message failed'),
      );
    });
    client.on(Events.InteractionCreate, (interaction) => {
      this.interactions
        .handle(interaction)
        .catch((error: unknown) => log.error({ err: String(error) }, 'discord interaction failed'));
    });
    client.on(Events.ShardReady, (shard) =>
      log.info({ shard, shardCount: client.options.shardCount }, 'discord shard ready'),
    );
    client.on(Events.ShardResume, (shard, replayed) =>
      log.info({ shard, replayed }, 'discord gateway resumed'),
    );
    client.on(Events.Warn, (message) => log.warn({ message }, 'discord.js warning'));
    client.on(Events.Error, (error) => log.error({ err: error.message }, 'discord.js error'));
    // 'rateLimited' also fires when discord.js waits on its own buckets before a call; only a real 429
    // answer is counted for /metrics.
    client.rest.on('rateLimited', (info) =>
      log.debug({ route: info.route, retryAfter: info.retryAfter }, 'discord rate limit, waiting'),
    );
    client.rest.on('response', (request, response) => {
      if (response.status === 429) this.deps.onRateLimited?.(request.route);
    });
    const ready = once(client, Events.ClientReady);
    await client.login(this.options.token);
    await ready;
    await this.registerCommands(client);
    this.recover(client);
  }

  async stop(): Promise<void> {
    // No sweep starts from here on (one would resume the turns the runner suspends while stopping).
    const swept = this.sweep?.stop();
    this.sweep = undefined;
    await this.runner.stop();
    await swept;
    await this.recovering;
    await this.client?.destroy();
    this.client = undefined;
    this.state.close();
  }

  /**
   * Re-runs what a crash left unfinished, in the background (the bot takes new messages meanwhile), and
   * keeps sweeping for the turns of other frontends that died for good.
   */
  private recover(client: Client): void {
    const ledger = this.deps.ledger;
    if (!ledger) return;
    const recovery = new DiscordRecovery(
      client,
      ledger,
      {
        message: (message, journal) => this.onMessage(message, journal),
        interaction: (route, channel, journal) => this.interactions.resume(route, channel, journal),
      },
      this.deps.logger,
    );
    this.sweep = recovery.start();
    this.recovering = this.sweep.first
      .then((counts) => this.deps.logger.info(counts, 'discord turns recovered'))
      .catch((error: unknown) => this.deps.logger.error({ err: String(error) }, 'discord recovery failed'));
  }

  private async registerCommands(client: Client): Promise<void> {
    const definitions = commandDefinitions();
    const application = client.application;
    if (!application) return;
    try {
      if (this.options.commandGuilds.length === 0) await application.commands.set(definitions);
      for (const guildId of this.options.commandGuilds) await application.commands.set(definitions, guildId);
    } catch (error) {
      this.deps.logger.warn({ err: String(error) }, 'slash command registration failed; mentions still work');
    }
  }

  /** Answers a message; `resumed` carries its journal entry when a restart replays it. */
  private async onMessage(message: Message, resumed?: JournalRef): Promise<void> {
    const botId = this.client?.user?.id;
    if (!botId || message.author.bot || message.system) return;
    const mentioned = message.mentions.users.has(botId);
    const addressed = !message.inGuild()
      ? true
      : message.channel.isThread()
        ? mentioned || message.channel.ownerId === botId
        : mentioned && message.channel.isSendable();
    if (!addressed) return;
    // Journalled before anything is posted (a thread opened): a crash from here on is recovered.
    const journal = resumed ?? (await this.admit(message));
    if (journal === false) return;
    const channel = message.channel;
    const attach = (a: DiscordAttachment) => this.attachment(a);
    let build = (conversationId: string) => toIncomingMessage(message, botId, conversationId, attach);
    let conversationId: string;
    let target: ReplyTarget;
    if (!message.inGuild()) {
      conversationId = conversationIds.dm(channel.id);
      target = new ChannelTarget(channel as SendableChannels, this.options.defaultUploadLimitBytes);
    } else if (message.channel.isThread()) {
      const thread = message.channel;
      if (!mentioned && thread.ownerId !== botId) return;
      conversationId = conversationIds.thread(thread.id);
      target = this.withDmFallback(new ChannelTarget(thread, this.uploadLimit(message.guild)), message);
      // Runs in the turn's place in the queue, so an earlier turn of this thread is stored by then.
      build = async (id) => {
        const earlier = await this.history.join(thread, id, message, botId);
        return toIncomingMessage(message, botId, id, attach, earlier);
      };
    } else {
      if (!mentioned || !message.channel.isSendable()) return;
      const thread = await this.openThread(message);
      if (thread) {
        this.history.opened(thread.id);
        conversationId = conversationIds.thread(thread.id);
        target = new ChannelTarget(thread, this.uploadLimit(message.guild));
      } else {
        const ref = message.reference?.messageId;
        const chain = (ref && this.state.conversationOf(ref)) || conversationIds.chain(message.id);
        conversationId = chain;
        target = new ChannelTarget(message.channel, this.uploadLimit(message.guild), message.id, (id) =>
          this.state.rememberMessage(id, chain),
        );
      }
      target = this.withDmFallback(target, message);
    }
    await this.runner.runLazy(conversationId, () => build(conversationId), target, journal);
  }

  /** Records a message in the journal; false when it was recorded before (a gateway replay). */
  private async admit(message: Message): Promise<JournalRef | undefined | false> {
    const ledger = this.deps.ledger;
    if (!ledger) return undefined;
    const key = journalKey.message(message.id);
    const route: DiscordRoute = {
      kind: 'message',
      channelId: message.channelId,
      messageId: message.id,
      posted: [],
    };
    return (await ledger.admit(key, toJson(route))) ? { key, route } : false;
  }

  /** Answers the author by DM when the bot may not post where it was asked (no Send Messages). */
  private withDmFallback(target: ReplyTarget, message: Message<true>): ReplyTarget {
    return new DmFallbackTarget(target, {
      openDm: async () =>
        new ChannelTarget(await message.author.createDM(), this.options.defaultUploadLimitBytes),
      note: TEXT.answeringByDm(target.channelId),
      onRefused: (channelId) =>
        this.warnOnce(
          `send:${channelId}`,
          { channel: channelId },
          'cannot post here (missing permission); answering by DM',
        ),
      logger: this.deps.logger,
    });
  }

  /** Opens a thread on the message; without Create Threads (or any refusal) answers in place. */
  private async openThread(message: Message<true>): Promise<SendableChannels | undefined> {
    try {
      return await message.startThread({
        name: TEXT.threadName(message.content.replace(/<@!?\d+>/g, '')),
        autoArchiveDuration: this.options.threadAutoArchiveMinutes,
      });
    } catch (error) {
      const code = error instanceof DiscordAPIError ? error.code : 'unknown';
      // A retried turn: its thread was opened by the interrupted attempt (a thread has its message's id).
      if (code === THREAD_ALREADY_CREATED) {
        const existing = await message.client.channels.fetch(message.id).catch(() => null);
        if (existing?.isThread() && existing.isSendable()) return existing;
      }
      this.warnOnce(
        `thread:${message.channelId}`,
        { channel: message.channelId, code },
        'cannot open threads here',
      );
      return undefined;
    }
  }

  private attachment(a: DiscordAttachment): Attachment {
    return toAttachment(a, this.hosts, this.options.maxAttachmentBytes);
  }

  private uploadLimit(guild: Guild): number {
    return uploadLimitForTier(guild.premiumTier, this.options.defaultUploadLimitBytes);
  }

  /** One warning per cause (permission problems would otherwise flood the log). */
  private warnOnce(key: string, details: Record<string, unknown>, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.deps.logger.warn(details, message);
  }
}
