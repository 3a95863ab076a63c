import { z } from 'zod';
import { fail, ok, type Result } from '../../../core/errors.js';
import type { Attachment, IncomingMessage } from '../../../core/message.js';
import { TASK_KINDS } from '../../../engine/protocol/task-kind.js';
import { MEDIA_ID, type MediaIndex } from './media-index.js';

/** Conversation ids the page makes up (a UUID); the core sees them as `playground:web:<id>`. */
export const CONVERSATION_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The core's conversation key of a page conversation id. */
export const coreConversationId = (id: string): string => `playground:web:${id}`;

/** What the page posts for one turn (deliberately minimal: only what the adapter uses). */
const TurnBodySchema = z.strictObject({
  text: z.string().max(8_000),
  attachments: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(200),
        mime: z.string().regex(/^[a-z]+\/[a-z0-9.+-]+$/),
        // Base64 without the data-URL prefix.
        data: z.base64(),
      }),
    )
    .max(8)
    .default([]),
  /** A stored image the turn is about (the Edit/Segment/Animate/Regenerate buttons). */
  replyTo: z.string().regex(MEDIA_ID).optional(),
  forcedTask: z.enum(TASK_KINDS).optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
});

/** The parsed body of a turn. */
export type TurnBody = z.infer<typeof TurnBodySchema>;

/** An attachment already in memory (the page sends its bytes with the turn). */
function memoryAttachment(name: string, mime: string, bytes: Uint8Array): Attachment {
  return { name, mime, size: bytes.byteLength, read: async () => bytes };
}

/**
 * Turns a posted body into the core's message. `bad_input` for a body that does not parse, an empty
 * turn, or a `replyTo` this playground never showed.
 */
export async function toIncomingMessage(
  body: unknown,
  ids: { conversation: string; message: string },
  index: MediaIndex,
): Promise<Result<IncomingMessage>> {
  const parsed = TurnBodySchema.safeParse(body);
  if (!parsed.success) return fail('bad_input', parsed.error.issues[0]?.message ?? 'invalid body');
  const turn = parsed.data;
  if (turn.text.trim() === '' && turn.attachments.length === 0 && !turn.forcedTask)
    return fail('bad_input', 'empty turn');
  const attachments = turn.attachments.map((a) =>
    memoryAttachment(a.name, a.mime, new Uint8Array(Buffer.from(a.data, 'base64'))),
  );
  let replyTo: IncomingMessage['replyTo'];
  if (turn.replyTo) {
    const stored = await index.read(turn.replyTo).catch(() => undefined);
    if (!stored) return fail('bad_input', 'unknown media', { mediaId: turn.replyTo });
    replyTo = {
      messageId: turn.replyTo,
      attachments: [memoryAttachment(stored.ref.name, stored.ref.mime, stored.bytes)],
    };
  }
  return ok({
    platform: 'playground',
    conversationId: coreConversationId(ids.conversation),
    messageId: ids.message,
    author: { id: 'local', name: 'you' },
    text: turn.text.trim(),
    attachments,
    ...(replyTo ? { replyTo } : {}),
    ...(turn.forcedTask ? { forcedTask: turn.forcedTask } : {}),
    ...(turn.seed === undefined ? {} : { seed: turn.seed }),
  });
}
