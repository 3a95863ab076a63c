import {
  type Attachment as DiscordAttachment,
  type Message,
  MessageType,
  type ThreadChannel,
} from 'discord.js';
import type { Turn } from '../../core/conversation.js';
import type { ConversationStore } from '../../core/conversation-store.js';
import type { Logger } from '../../core/logger.js';
import type { Attachment, IncomingMessage } from '../../core/message.js';
import type { DiscordState } from './discord-state.js';

/** How much of a thread the bot reads when it joins one. */
export interface ThreadHistoryLimits {
  /** Most earlier messages read (the newest win). */
  readonly maxMessages: number;
  /** Messages per REST page (Discord allows at most 100). */
  readonly pageSize: number;
}

/** What reading a thread's history needs. */
export interface ThreadHistoryDeps {
  readonly store: Pick<ConversationStore, 'load' | 'append'>;
  readonly state: DiscordState;
  /** A Discord attachment as a lazy core Attachment (host and size checks included). */
  readonly attachment: (a: DiscordAttachment) => Attachment;
  readonly logger: Logger;
}

/** Messages that are what people said (not joins, pins, thread-created notices…). */
const SPOKEN: ReadonlySet<MessageType> = new Set([MessageType.Default, MessageType.Reply]);

/**
 * Gives the core a thread's earlier messages the first time the bot takes part in it (mentioned in a
 * thread someone else opened, or in one of its own whose conversation the store does not have): a
 * bounded, paginated read (`before`, newest first) appended to the ConversationStore as earlier turns,
 * oldest first. The claim is kept in the adapter's state, so a thread is read at most once, across
 * restarts too; after that the bot sees every message of the thread as it is written.
 */
export class ThreadHistory {
  constructor(
    private readonly deps: ThreadHistoryDeps,
    private readonly limits: ThreadHistoryLimits,
  ) {}

  /** Marks a thread the bot opened itself: it saw it from the start, there is nothing to read. */
  opened(threadId: string): void {
    this.deps.state.claimThread(threadId);
  }

  /**
   * Imports the thread's messages before `current` when the bot does not know them yet. Returns the
   * newest earlier image, for the current message to refer to ("make it blue" edits it).
   */
  async join(
    thread: ThreadChannel,
    conversationId: string,
    current: Message,
    botId: string,
  ): Promise<IncomingMessage['replyTo'] | undefined> {
    const { state, store, logger } = this.deps;
    if (!state.claimThread(thread.id)) return undefined;
    if ((await store.load(conversationId)).turns.length > 0) return undefined;
    let earlier: Message[];
    try {
      earlier = await this.read(thread, current.id);
    } catch (error) {
      // Nothing was stored: a later message may try again (5xx are already retried by discord.js).
      state.releaseThread(thread.id);
      logger.warn({ thread: thread.id, err: String(error) }, 'cannot read the thread history');
      return undefined;
    }
    const mention = new RegExp(`<@!?${botId}>`, 'g');
    let latestImage: IncomingMessage['replyTo'];
    for (const m of earlier) {
      const images = [...m.attachments.values()].filter((a) => a.contentType?.startsWith('image/'));
      const image = images.at(-1);
      if (image) latestImage = { messageId: m.id, attachments: [this.deps.attachment(image)] };
      const text = m.content.replace(mention, '').trim();
      if (text.length === 0) continue;
      const mine = m.author.id === botId;
      const turn: Turn = {
        role: mine ? 'assistant' : 'user',
        text,
        media: [],
        messageId: m.id,
        ...(mine ? {} : { authorId: m.author.id }),
        createdAt: m.createdTimestamp,
      };
      await store.append(conversationId, turn);
    }
    logger.info({ thread: thread.id, messages: earlier.length }, 'thread history imported');
    return latestImage;
  }

  /** Up to `maxMessages` spoken messages before `beforeId`, oldest first, starter message included. */
  private async read(thread: ThreadChannel, beforeId: string): Promise<Message[]> {
    const { maxMessages, pageSize } = this.limits;
    const found: Message[] = [];
    let before = beforeId;
    let reachedStart = false;
    while (found.length < maxMessages) {
      const limit = Math.min(pageSize, 100, maxMessages - found.length);
      const page = [...(await thread.messages.fetch({ limit, before, cache: false })).values()];
      found.push(...page);
      const oldest = page.reduce<string | undefined>(
        (min, m) => (min === undefined || BigInt(m.id) < BigInt(min) ? m.id : min),
        undefined,
      );
      if (page.length < limit || oldest === undefined) {
        reachedStart = true;
        break;
      }
      before = oldest;
    }
    // A thread opened on a message starts with it; that message lives in the parent channel.
    if (reachedStart && found.length < maxMessages) {
      const starter = await thread.fetchStarterMessage().catch(() => null);
      if (starter) found.push(starter);
    }
    return found
      .filter((m) => SPOKEN.has(m.type) && !m.system)
      .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  }
}
