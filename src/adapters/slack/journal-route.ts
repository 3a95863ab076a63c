import { z } from 'zod';
import type { JsonValue } from '../../core/journal/turn-journal.js';
import { TASK_KINDS } from '../../engine/protocol/task-kind.js';

const file = z.object({
  id: z.string(),
  name: z.string().optional(),
  mimetype: z.string().optional(),
  size: z.number().optional(),
  url_private: z.string().optional(),
  url_private_download: z.string().optional(),
});

/**
 * What the journal keeps of a Slack turn to run it again after a crash: a message event as Slack sent it
 * (the listener handles it again), or a slash command's fields with the thread its answer goes to. The
 * command's response_url is not kept: it is a credential, and a resumed turn answers in its thread.
 */
export const slackRoute = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('event'),
    eventId: z.string(),
    via: z.enum(['mention', 'message']),
    event: z.object({
      subtype: z.string().optional(),
      channel: z.string(),
      channel_type: z.string().optional(),
      user: z.string().optional(),
      text: z.string().optional(),
      ts: z.string(),
      thread_ts: z.string().optional(),
      team: z.string().optional(),
      files: z.array(file).optional(),
    }),
    context: z.object({
      botUserId: z.string().optional(),
      botId: z.string().optional(),
      teamId: z.string().optional(),
    }),
  }),
  z.object({
    kind: z.literal('command'),
    triggerId: z.string(),
    conversationId: z.string(),
    messageId: z.string(),
    team: z.string(),
    channel: z.string(),
    threadTs: z.string(),
    author: z.object({ id: z.string(), name: z.string() }),
    text: z.string(),
    forcedTask: z.enum(TASK_KINDS).optional(),
  }),
]);

/** A parsed Slack route. */
export type SlackRoute = z.infer<typeof slackRoute>;

/** Journal keys, unique per inbound event. */
export const journalKey = {
  event: (eventId: string): string => `slack:evt:${eventId}`,
  command: (triggerId: string): string => `slack:cmd:${triggerId}`,
};

/** A route as JSON for the journal (validated plain data; the cast only widens it). */
export const toJson = (route: SlackRoute): JsonValue => route as unknown as JsonValue;
