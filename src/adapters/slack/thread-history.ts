import type { Turn } from '../../core/conversation.js';
import type { ConversationStore } from '../../core/conversation-store.js';
import type { SlackApi, SlackFile, ThreadMessage } from './slack-api.js';
import { stripMention } from './text-split.js';
import { readThreadTail } from './thread-tail.js';

/** How much of a thread the bot reads when it joins one. */
export interface HistoryLimits {
  /** Most earlier messages kept as context. */
  readonly maxTurns: number;
  /** Most tokens of earlier messages kept (the newest win), when a token counter is given. */
  readonly maxTokens: number;
  /** Most characters of earlier messages kept (the newest win), without a token counter. */
  readonly maxChars: number;
  /** conversations.replies page size. */
  readonly pageSize: number;
  /** conversations.replies calls at most per thread (the method may be limited to ~1/min). */
  readonly maxPages: number;
}

/** The history limits plus the engine's token counter, when the composition root has one. */
export interface HistoryOptions extends HistoryLimits {
  /**
   * Counts tokens as the engine's tokenizer does; with it the budget is `maxTokens` tokens, else
   * `maxChars` characters (a stand-in when the engine is remote or has no tokenizer).
   */
  readonly countTokens?: (text: string) => number;
}

/** Defaults sized to the demo model's context window (about four characters a token). */
export const DEFAULT_HISTORY_LIMITS = {
  maxTurns: 40,
  maxTokens: 2_000,
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
 * Gives the core the thread's earlier messages the first time the bot sees a thread: the newest messages
 * before the current one (see readThreadTail: a few conversations.replies calls however long the thread),
 * trimmed to the turn and token (or character) budget and appended to the conversation store.
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
    private readonly limits: HistoryOptions = DEFAULT_HISTORY_LIMITS,
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
    const { pageSize, maxPages, maxTurns } = this.limits;
    const { messages } = await readThreadTail(
      (window) => this.api.repliesPage(channel, threadTs, window, pageSize),
      { threadTs, before: currentTs, want: maxTurns, pageSize, maxCalls: maxPages },
    );
    let latestImage: ThreadContext['latestImage'];
    for (const m of messages) {
      const image = m.files.findLast((f) => f.mimetype?.startsWith('image/'));
      if (image) latestImage = { ts: m.ts, file: image };
    }
    const turns = this.newestWithinBudget(messages, bot);
    for (const turn of turns) await this.store.append(conversationId, turn);
    return latestImage ? { latestImage } : {};
  }

  /** The newest messages as turns, within the turn count and the token (or character) budget. */
  private newestWithinBudget(messages: readonly ThreadMessage[], bot: BotIdentity): Turn[] {
    const { countTokens, maxTurns } = this.limits;
    const cost = countTokens ?? ((text: string) => text.length);
    const budget = countTokens ? this.limits.maxTokens : this.limits.maxChars;
    const turns: Turn[] = [];
    let spent = 0;
    for (let i = messages.length - 1; i >= 0 && turns.length < maxTurns; i--) {
      const m = messages[i];
      if (!m) continue;
      const mine = (bot.botId !== undefined && m.botId === bot.botId) || m.user === bot.userId;
      const text = stripMention(m.text, bot.userId);
      if (text.length === 0) continue;
      const size = cost(text);
      if (spent + size > budget) break;
      spent += size;
      turns.unshift({
        role: mine ? 'assistant' : 'user',
        text,
        media: [],
        messageId: m.ts,
        ...(m.user && !mine ? { authorId: m.user } : {}),
        createdAt: Math.round(Number(m.ts) * 1000),
      });
    }
    return turns;
  }
}
