import type { Client, Message, SendableChannels } from 'discord.js';
import type { JournalEntry } from '../../core/journal/turn-journal.js';
import type { RecoverySweep, TurnLedger } from '../../core/journal/turn-ledger.js';
import type { Logger } from '../../core/logger.js';
import { posted } from './channel-target.js';
import { type DiscordRoute, discordRoute, type InteractionRoute } from './journal-route.js';
import { NO_PINGS, type PostedMessage } from './reply-target.js';
import { noticeText } from './texts.js';
import type { JournalRef } from './turn-runner.js';

/** How the adapter runs a journalled turn again. */
export interface Replay {
  message(message: Message, journal: JournalRef): Promise<void>;
  interaction(route: InteractionRoute, channel: SendableChannels, journal: JournalRef): Promise<void>;
}

/**
 * Crash recovery for Discord: at start, and then in a periodic sweep (the turns of another frontend that
 * died for good, once their hold lapses), turns the journal holds as unfinished are fetched again and
 * re-run (the first message the interrupted attempt posted is reused, the rest removed), or — after a
 * second crash on the same turn — their user is told it was given up.
 */
export class DiscordRecovery {
  constructor(
    private readonly client: Client,
    private readonly ledger: TurnLedger,
    private readonly replay: Replay,
    private readonly logger: Logger,
  ) {}

  /** Recovers now and sweeps every `sweepMs` of the ledger until the returned sweep is stopped. */
  start(): RecoverySweep {
    return this.ledger.sweep({ resume: (e) => this.resume(e), abandon: (e) => this.abandon(e) });
  }

  private async resume(entry: JournalEntry): Promise<void> {
    const route = discordRoute.parse(entry.route);
    const adopt = await this.tidy(route.posted);
    const journal: JournalRef = {
      key: entry.key,
      route: { ...route, posted: [] },
      ...(adopt ? { adopt } : {}),
    };
    const channel = await this.client.channels.fetch(route.channelId);
    if (route.kind === 'message') {
      if (!channel?.isTextBased()) throw new Error(`channel ${route.channelId} is gone`);
      await this.replay.message(await channel.messages.fetch(route.messageId), journal);
    } else {
      if (!channel?.isSendable()) throw new Error(`channel ${route.channelId} is gone`);
      await this.replay.interaction(route, channel, journal);
    }
  }

  /** Edits what the interrupted attempts posted into the notice, or posts it where the answer was due. */
  private async abandon(entry: JournalEntry): Promise<void> {
    const route = discordRoute.parse(entry.route);
    const text = noticeText({ code: 'interrupted' });
    const adopt = await this.tidy(route.posted);
    if (adopt) {
      await adopt.edit({ content: text, components: [], attachments: [] });
      return;
    }
    // Nothing was posted yet: the thread opened on the message, else the channel, replying to it.
    const thread = route.kind === 'message' ? await this.fetchChannel(route.messageId) : undefined;
    const channel = thread ?? (await this.fetchChannel(route.channelId));
    if (!channel) throw new Error(`channel ${route.channelId} is gone`);
    const reply =
      !thread && route.kind === 'message'
        ? { reply: { messageReference: route.messageId, failIfNotExists: false } }
        : {};
    await channel.send({ content: text, allowedMentions: NO_PINGS, ...reply });
  }

  /** Deletes all but the first message an attempt posted and returns that one, if it still exists. */
  private async tidy(list: DiscordRoute['posted']): Promise<PostedMessage | undefined> {
    let first: PostedMessage | undefined;
    for (const { channelId, id } of list) {
      const channel = await this.fetchChannel(channelId);
      const message = await channel?.messages.fetch(id).catch(() => undefined);
      if (!message) continue;
      if (!first) first = posted(message);
      else
        await message
          .delete()
          .catch((error: unknown) =>
            this.logger.warn({ err: String(error) }, 'could not remove a stale post'),
          );
    }
    return first;
  }

  private async fetchChannel(id: string): Promise<SendableChannels | undefined> {
    const channel = await this.client.channels.fetch(id).catch(() => null);
    return channel?.isSendable() ? channel : undefined;
  }
}
