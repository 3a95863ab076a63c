/**
 * Conversation keys of Discord places. A thread or DM is one conversation; outside threads (when a
 * thread could not be opened) a reply chain is, keyed by the message that started it.
 */
export const conversationIds = {
  thread: (threadId: string): string => `discord:thread:${threadId}`,
  dm: (channelId: string): string => `discord:dm:${channelId}`,
  channel: (channelId: string): string => `discord:channel:${channelId}`,
  chain: (rootMessageId: string): string => `discord:msg:${rootMessageId}`,
} as const;

/** The conversation of a place where a command or button was used. */
export function conversationOfPlace(place: {
  channelId: string;
  inGuild: boolean;
  isThread: boolean;
}): string {
  if (!place.inGuild) return conversationIds.dm(place.channelId);
  return place.isThread ? conversationIds.thread(place.channelId) : conversationIds.channel(place.channelId);
}
