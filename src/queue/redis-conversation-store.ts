import type { Redis } from 'ioredis';
import type { Conversation, Turn } from '../core/conversation.js';
import type { ConversationStore } from '../core/conversation-store.js';

/** Options of {@link RedisConversationStore}. */
export interface RedisConversationStoreOptions {
  /** A connected client (see `connectRedis`); the caller owns and closes it. */
  readonly redis: Redis;
  /** Keys are `<prefix>:conversation:<id>` (config `queue.prefix`). */
  readonly prefix: string;
  /**
   * Forget a conversation this long after its last turn; absent (the default) keeps it until `/reset`,
   * as the SQLite store does. Each append pushes the expiry back.
   */
  readonly idleTtlMs?: number;
}

/**
 * {@link ConversationStore} in Redis, so every frontend of a bot reads the turns the others appended (a
 * Slack retry or a Discord thread answered elsewhere never forks history): one list per conversation,
 * each turn one JSON element. RPUSH is atomic, so turns appended by two frontends at once are both kept,
 * in the order Redis received them.
 */
export class RedisConversationStore implements ConversationStore {
  constructor(private readonly options: RedisConversationStoreOptions) {}

  async load(conversationId: string): Promise<Conversation> {
    const items = await this.options.redis.lrange(this.key(conversationId), 0, -1);
    return { id: conversationId, turns: items.map((item) => JSON.parse(item) as Turn) };
  }

  async append(conversationId: string, turn: Turn): Promise<void> {
    const key = this.key(conversationId);
    const { idleTtlMs } = this.options;
    // Optional fields stay absent (not null) so a loaded turn equals the appended one.
    const item = JSON.stringify(turn);
    if (idleTtlMs === undefined) {
      await this.options.redis.rpush(key, item);
      return;
    }
    const replies = await this.options.redis.multi().rpush(key, item).pexpire(key, idleTtlMs).exec();
    const failed = replies?.find(([error]) => error !== null);
    if (failed) throw failed[0];
  }

  async reset(conversationId: string): Promise<void> {
    await this.options.redis.del(this.key(conversationId));
  }

  /** Nothing to release: the client belongs to the caller. */
  async close(): Promise<void> {}

  private key(conversationId: string): string {
    return `${this.options.prefix}:conversation:${conversationId}`;
  }
}
