import type { TaskKind } from '../engine/protocol/task-kind.js';

/** Platforms the bot speaks on. */
export type Platform = 'discord' | 'slack' | 'playground' | 'cli';

/** Coarse media class, derived from the MIME type. */
export type MediaKind = 'image' | 'video' | 'audio' | 'file';

/** Returns the media class of a MIME type. */
export function mediaKindOf(mime: string): MediaKind {
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('video/')) return 'video';
  if (mime.startsWith('audio/')) return 'audio';
  return 'file';
}

/**
 * A file a user attached, not yet downloaded. Adapters check name/mime/size before `read()` is
 * ever called, so an oversized or foreign file costs nothing.
 */
export interface Attachment {
  readonly name: string;
  readonly mime: string;
  /** Size in bytes as the platform reports it. */
  readonly size: number;
  /** Downloads the bytes (from the platform's own file host only). */
  read(signal?: AbortSignal): Promise<Uint8Array>;
}

/** Who wrote a message. */
export interface Author {
  readonly id: string;
  readonly name: string;
  readonly isBot?: boolean;
}

/** A message as every adapter hands it to the core. */
export interface IncomingMessage {
  readonly platform: Platform;
  /** Conversation key: thread, DM or channel, unique across platforms (e.g. `discord:thread:123`). */
  readonly conversationId: string;
  /** The platform's id of this message, for idempotency and reply chains. */
  readonly messageId: string;
  /** Guild or workspace, when there is one (quotas and access control key on it). */
  readonly workspaceId?: string;
  /** The channel the message was written in (for a thread: its parent channel), for access control. */
  readonly channelId?: string;
  /** A direct message (DM), not a channel. */
  readonly isDirect?: boolean;
  /** The author's platform role ids (Discord), for access control. */
  readonly roles?: readonly string[];
  readonly author: Author;
  /** Text with the bot mention stripped. */
  readonly text: string;
  readonly attachments: readonly Attachment[];
  /** The message this one replies to, when the platform says so. */
  readonly replyTo?: { readonly messageId: string; readonly attachments: readonly Attachment[] };
  /** Steers the engine to one task (slash commands, buttons). */
  readonly forcedTask?: TaskKind;
  /** Fixed seed (CLI --seed, Regenerate keeps none). */
  readonly seed?: number;
}
