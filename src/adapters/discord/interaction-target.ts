import type { RepliableInteraction } from 'discord.js';
import { NO_PINGS, type OutgoingPayload, type PostedMessage, type ReplyTarget } from './reply-target.js';
import { TEXT } from './texts.js';

/**
 * Replies to a deferred interaction: the first post fills the deferred reply, later ones are
 * follow-ups. Once the 15-minute token is about to expire, posts (and edits of earlier messages) go to
 * the channel instead, so long jobs still arrive.
 */
export class InteractionTarget implements ReplyTarget {
  private originalUsed = false;
  private readonly startedAt: number;

  constructor(
    private readonly interaction: RepliableInteraction,
    readonly uploadLimit: number,
    private readonly fallback: ReplyTarget | undefined,
    private readonly tokenTtlMs: number,
    private readonly now: () => number,
  ) {
    this.startedAt = now();
  }

  get channelId(): string {
    return this.interaction.channelId ?? this.interaction.id;
  }

  private expired(): boolean {
    return this.fallback !== undefined && this.now() - this.startedAt >= this.tokenTtlMs;
  }

  async post(payload: OutgoingPayload): Promise<PostedMessage> {
    if (this.expired() && this.fallback) return this.fallback.post(payload);
    const body = { ...payload, allowedMentions: NO_PINGS };
    let id: string;
    if (!this.originalUsed) {
      this.originalUsed = true;
      id = (await this.interaction.editReply(body)).id;
    } else {
      id = (await this.interaction.followUp(body)).id;
    }
    return this.handle(id);
  }

  /** A message that is edited through the webhook while the token lives, then re-posted in the channel. */
  private handle(id: string): PostedMessage {
    let moved: PostedMessage | undefined;
    return {
      id,
      edit: async (payload) => {
        if (moved) return moved.edit(payload);
        if (this.expired() && this.fallback) {
          moved = await this.fallback.post(payload);
          return;
        }
        await this.interaction.editReply({ ...payload, message: id, allowedMentions: NO_PINGS });
      },
      delete: async () => {
        if (moved) return moved.delete();
        if (!this.expired()) await this.interaction.deleteReply(id);
      },
    };
  }

  async typing(): Promise<void> {
    // The deferred reply already shows "thinking…"; typing would only cost a request.
  }

  async settleEmpty(): Promise<void> {
    if (!this.originalUsed && !this.expired()) await this.interaction.editReply({ content: TEXT.empty });
  }
}
