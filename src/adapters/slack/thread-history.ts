import type { Turn } from '../../core/conversation.js';
import type { ConversationStore } from '../../core/conversation-store.js';
import type { SlackApi, SlackFile } from './slack-api.js';
import { stripMention } from './text-split.js';

/** How much of a thread the bot reads when it joins one. */
export interface HistoryLimits {
  /** Most earlier messages kept as context. */
  readonly maxTurns: number;
  /** Most characters of earlier messages kept (the newest win). */
  readonly maxChars: number;
  /** conversations.replies page size. */
  readonly pageSize: number;
  /** Pages read at most (a cap on calls to a method that may be limited to ~1/min). */
  readonly maxPages: number;
}

/** Defaults sized to the demo model's context window. */
export const DEFAULT_HISTORY_LIMITS = {
  maxTurns: 40,
  maxChars: 8_000,
  pageSize: 200,
  maxPages: 10,
} as const satisfies HistoryLimits;

/** Who the bot is, to tell its own messages from users'. */
export interface BotIdentity {
  readonly userId: string | undefined;
  readonly botId: string | undefined;
}

/** What joining a thread found. */
export interface ThreadContext {
  /** The newest image file posted in the thread before the current message. */
  readonly latestImage?: { readonly ts: string; readonly file: SlackFile };
}

/**
 * Gives the core the thread's earlier messages the first time the bot sees a thread: one
 * conversations.replies read, trimmed to the context window and appended to the conversation store.
 * After that the store is the cache: the bot sees every later message of the thread as an event, so
 * it never reads the thread again (the method may be limited to about one call a minute).
 */
export class ThreadHistory {
  /** Conversations the bot takes part in (follow-ups need no mention). */
  private readonly known = new Set<string>();
  /** Conversations whose history is in the store (or that have none to import). */
  private readonly synced = new Set<string>();

  constructor(
    private readonly api: SlackApi,
    private readonly store: ConversationStore,
    private readonly limits: HistoryLimits = DEFAULT_HISTORY_LIMITS,
  ) {}

  /** Marks a conversation as one the bot takes part in, from the moment it is addressed. */
  claim(conversationId: string): void {
    this.known.add(conversationId);
  }

  /** Whether the bot already takes part in this conversation (no mention needed). */
  async isKnown(conversationId: string): Promise<boolean> {
    if (this.known.has(conversationId)) return true;
    const stored = await this.store.load(conversationId);
    if (stored.turns.length === 0) return false;
    this.known.add(conversationId);
    return true;
  }

  /** Imports the thread's earlier messages when the conversation is new to the bot. */
  async join(
    conversationId: string,
    channel: string,
    threadTs: string,
    currentTs: string,
    bot: BotIdentity,
  ): Promise<ThreadContext> {
    if (this.synced.has(conversationId)) return {};
    this.synced.add(conversationId);
    if ((await this.store.load(conversationId)).turns.length > 0) return {};
    const messages = (
      await this.api.replies(channel, threadTs, this.limits.pageSize, this.limits.maxPages)
    ).filter((m) => Number(m.ts) < Number(currentTs));
    let latestImage: ThreadContext['latestImage'];
    for (const m of messages) {
      const image = m.files.findLast((f) => f.mimetype?.startsWith('image/'));
      if (image) latestImage = { ts: m.ts, file: image };
    }
    const turns: Turn[] = [];
    let chars = 0;
    for (let i = messages.length - 1; i >= 0 && turns.length < this.limits.maxTurns; i--) {
      const m = messages[i];
      if (!m) continue;
      const mine = (bot.botId !== undefined && m.botId === bot.botId) || m.user === bot.userId;
      const text = stripMention(m.text, bot.userId);
      if (text.length === 0) continue;
      if (chars + text.length > this.limits.maxChars) break;
      chars += text.length;
      turns.unshift({
        role: mine ? 'assistant' : 'user',
        text,
        media: [],
        messageId: m.ts,
        ...(m.user && !mine ? { authorId: m.user } : {}),
        createdAt: Math.round(Number(m.ts) * 1000),
      });
    }
    for (const turn of turns) await this.store.append(conversationId, turn);
    return latestImage ? { latestImage } : {};
  }
}
