import { z } from 'zod';
import type { JsonValue } from '../../core/journal/turn-journal.js';
import type { IncomingMessage } from '../../core/message.js';
import { TASK_KINDS } from '../../engine/protocol/task-kind.js';

const posted = z.array(z.object({ channelId: z.string(), id: z.string() }));

const attachment = z.object({
  name: z.string(),
  contentType: z.string().nullable(),
  size: z.number(),
  url: z.string(),
});

/**
 * What the journal keeps of a Discord turn to run it again after a crash: ids to fetch a message, or the
 * fields of a slash command / button turn (its interaction token is not kept: it is a credential, and
 * a resumed turn answers in the channel). `posted` are the messages the last attempt posted.
 */
export const discordRoute = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('message'), channelId: z.string(), messageId: z.string(), posted }),
  z.object({
    kind: z.literal('interaction'),
    interactionId: z.string(),
    channelId: z.string(),
    conversationId: z.string(),
    guildId: z.string().optional(),
    parentChannelId: z.string().optional(),
    roles: z.array(z.string()).optional(),
    author: z.object({ id: z.string(), name: z.string() }),
    text: z.string(),
    forcedTask: z.enum(TASK_KINDS).optional(),
    attachments: z.array(attachment),
    replyTo: z.object({ messageId: z.string(), attachments: z.array(attachment) }).optional(),
    posted,
  }),
]);

/** A parsed Discord route. */
export type DiscordRoute = z.infer<typeof discordRoute>;

/** A user file as the route keeps it (enough for `toAttachment`). */
export type RouteAttachment = z.infer<typeof attachment>;

/** Journal keys: unique per inbound event. */
export const journalKey = {
  message: (id: string): string => `discord:msg:${id}`,
  interaction: (id: string): string => `discord:int:${id}`,
};

/** The route as JSON for the journal (zod's output is plain data; the cast only widens it). */
export const toJson = (route: DiscordRoute): JsonValue => route as unknown as JsonValue;

/** The interaction fields of a turn as a route (files by URL: they are re-checked when read). */
export function interactionRoute(
  message: IncomingMessage,
  channelId: string,
  files: { attachments: RouteAttachment[]; replyTo?: RouteAttachment[] },
): DiscordRoute {
  return {
    kind: 'interaction',
    interactionId: message.messageId,
    channelId,
    conversationId: message.conversationId,
    ...(message.workspaceId ? { guildId: message.workspaceId } : {}),
    ...(message.channelId ? { parentChannelId: message.channelId } : {}),
    ...(message.roles ? { roles: [...message.roles] } : {}),
    author: { id: message.author.id, name: message.author.name },
    text: message.text,
    ...(message.forcedTask ? { forcedTask: message.forcedTask } : {}),
    attachments: files.attachments,
    ...(message.replyTo && files.replyTo
      ? { replyTo: { messageId: message.replyTo.messageId, attachments: files.replyTo } }
      : {}),
    posted: [],
  };
}

/** The interaction variant of a route. */
export type InteractionRoute = Extract<DiscordRoute, { kind: 'interaction' }>;
