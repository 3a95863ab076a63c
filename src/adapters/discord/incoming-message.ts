import type { Attachment as DiscordAttachment, Message } from 'discord.js';
import type { Attachment, IncomingMessage } from '../../core/message.js';

/**
 * A Discord message as the core's IncomingMessage: the bot's mention stripped, attachments lazy, the
 * replied-to message's files as what the turn refers to. `earlier` (the newest image of a thread
 * history just read) stands in when the message replies to nothing.
 */
export async function toIncomingMessage(
  message: Message,
  botId: string,
  conversationId: string,
  attach: (a: DiscordAttachment) => Attachment,
  earlier?: IncomingMessage['replyTo'],
): Promise<IncomingMessage> {
  const mention = new RegExp(`<@!?${botId}>`, 'g');
  let replyTo: IncomingMessage['replyTo'] = earlier;
  if (message.reference?.messageId) {
    const referenced = await message.fetchReference().catch(() => undefined);
    if (referenced)
      replyTo = { messageId: referenced.id, attachments: [...referenced.attachments.values()].map(attach) };
  }
  return {
    platform: 'discord',
    conversationId,
    messageId: message.id,
    ...(message.guildId ? { workspaceId: message.guildId } : {}),
    // Access control keys on the channel a thread belongs to, and on the author's roles.
    channelId: message.channel.isThread()
      ? (message.channel.parentId ?? message.channelId)
      : message.channelId,
    isDirect: message.guildId === null,
    ...(message.member ? { roles: [...message.member.roles.cache.keys()] } : {}),
    author: { id: message.author.id, name: message.author.displayName, isBot: message.author.bot },
    text: message.content.replace(mention, '').trim(),
    attachments: [...message.attachments.values()].map(attach),
    ...(replyTo ? { replyTo } : {}),
  };
}
