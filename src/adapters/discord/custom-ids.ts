/** What a button or modal does with the media it is attached to. */
export type MediaAction = 'regen' | 'edit' | 'seg' | 'anim';

const ACTIONS: ReadonlySet<string> = new Set<MediaAction>(['regen', 'edit', 'seg', 'anim']);
const PREFIX = 'llmbind:v1';
const CANCEL_PREFIX = `${PREFIX}:cancel:`;
/** Conversation keys made by conversation-ids.ts; nothing else may be cancelled through a button. */
const CONVERSATION = /^discord:(thread|dm|channel|msg):\d{1,20}$/;

/** A parsed custom id. */
export interface MediaCustomId {
  readonly action: MediaAction;
  /** The stored media's id (its SHA-256), stable across restarts. */
  readonly mediaId: string;
  /** Whether this id belongs to a modal (submitted text) rather than a button. */
  readonly modal: boolean;
}

/** A parsed Cancel button id. */
export interface CancelCustomId {
  /** Who asked: the one user (besides moderators) allowed to cancel. */
  readonly userId: string;
  /** The conversation whose running turn the button stops. */
  readonly conversationId: string;
}

/**
 * Builds a stable custom id (`llmbind:v1:regen:<sha256>`): it names only the action and the stored
 * media, so a button keeps working after a restart. Well under Discord's 100-character limit.
 */
export function encodeCustomId(action: MediaAction, mediaId: string, modal = false): string {
  return `${PREFIX}:${modal ? 'modal:' : ''}${action}:${mediaId}`;
}

/** Parses a custom id; anything not made by {@link encodeCustomId} is undefined. */
export function decodeCustomId(customId: string): MediaCustomId | undefined {
  const parts = customId.split(':');
  if (`${parts[0]}:${parts[1]}` !== PREFIX) return undefined;
  const modal = parts[2] === 'modal';
  const [action, mediaId] = modal ? [parts[3], parts[4]] : [parts[2], parts[3]];
  if (!action || !ACTIONS.has(action) || !mediaId || !/^[0-9a-f]{16,64}$/.test(mediaId)) return undefined;
  return { action: action as MediaAction, mediaId, modal };
}

/**
 * The Cancel button's id (`llmbind:v1:cancel:<userId>:<conversationId>`): everything a click needs is
 * in the id, so it also works on a process that did not start the turn (it then finds nothing to stop).
 * At most 18 + 20 + 1 + 36 characters, under Discord's limit of 100.
 */
export function encodeCancelId(conversationId: string, userId: string): string {
  return `${CANCEL_PREFIX}${userId}:${conversationId}`;
}

/** Parses a Cancel button id; anything not made by {@link encodeCancelId} is undefined. */
export function decodeCancelId(customId: string): CancelCustomId | undefined {
  if (!customId.startsWith(CANCEL_PREFIX)) return undefined;
  const rest = customId.slice(CANCEL_PREFIX.length);
  const colon = rest.indexOf(':');
  const userId = rest.slice(0, colon);
  const conversationId = rest.slice(colon + 1);
  if (colon < 1 || !/^\d{1,20}$/.test(userId) || !CONVERSATION.test(conversationId)) return undefined;
  return { userId, conversationId };
}
