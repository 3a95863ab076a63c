import type { Message, SendableChannels } from 'discord.js';
import { NO_PINGS, type OutgoingPayload, type PostedMessage, type ReplyTarget } from './reply-target.js';

/** Wraps a discord.js message as a PostedMessage. */
export function posted(message: Message): PostedMessage {
  return {
    id: message.id,
    edit: async (payload) => {
      await message.edit({ ...payload, allowedMentions: NO_PINGS });
    },
    delete: async () => {
      await message.delete();
    },
  };
}

/** Replies posted as plain messages in a channel, thread or DM. */
export class ChannelTarget implements ReplyTarget {
  private first = true;

  /**
   * @param replyTo the user's message: the first post replies to it (used when answering in place).
   * @param onPosted told about every posted message id (reply chains outside threads).
   */
  constructor(
    private readonly channel: SendableChannels,
    readonly uploadLimit: number,
    private readonly replyTo?: string,
    private readonly onPosted?: (messageId: string) => void,
  ) {}

  get channelId(): string {
    return this.channel.id;
  }

  async post(payload: OutgoingPayload): Promise<PostedMessage> {
    const reply =
      this.first && this.replyTo ? { reply: { messageReference: this.replyTo, failIfNotExists: false } } : {};
    this.first = false;
    const message = await this.channel.send({ ...payload, ...reply, allowedMentions: NO_PINGS });
    this.onPosted?.(message.id);
    return posted(message);
  }

  async typing(): Promise<void> {
    await this.channel.sendTyping();
  }

  async settleEmpty(): Promise<void> {}
}
