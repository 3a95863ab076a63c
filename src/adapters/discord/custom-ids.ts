/** What a button or modal does with the media it is attached to. */
export type MediaAction = 'regen' | 'edit' | 'seg' | 'anim';

const ACTIONS: ReadonlySet<string> = new Set<MediaAction>(['regen', 'edit', 'seg', 'anim']);
const PREFIX = 'llmbind:v1';

/** A parsed custom id. */
export interface MediaCustomId {
  readonly action: MediaAction;
  /** The stored media's id (its SHA-256), stable across restarts. */
  readonly mediaId: string;
  /** Whether this id belongs to a modal (submitted text) rather than a button. */
  readonly modal: boolean;
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
