import type { ActionRowBuilder, AttachmentBuilder, ButtonBuilder } from 'discord.js';

/** What one Discord message carries. */
export interface OutgoingPayload {
  readonly content?: string;
  readonly files?: AttachmentBuilder[];
  readonly components?: ActionRowBuilder<ButtonBuilder>[];
  /** On edits: the existing attachments to keep (`[]` replaces them with `files`). */
  readonly attachments?: [];
}

/** A message the bot posted, which the sink may edit or remove. */
export interface PostedMessage {
  readonly id: string;
  edit(payload: OutgoingPayload): Promise<void>;
  delete(): Promise<void>;
}

/**
 * Where a reply goes: a channel (thread, DM, or the channel itself as a fallback) or an interaction
 * (deferred reply, then follow-ups, then channel messages once the token is about to expire).
 */
export interface ReplyTarget {
  /** Channel id, the key of the per-channel edit limiter. */
  readonly channelId: string;
  /** Largest upload this place accepts, in bytes. */
  readonly uploadLimit: number;
  post(payload: OutgoingPayload): Promise<PostedMessage>;
  typing(): Promise<void>;
  /** Called once when the turn is over and nothing at all was posted (an interaction must be answered). */
  settleEmpty(): Promise<void>;
}

/** No pings from model output: it may contain `@everyone` or user mentions. */
export const NO_PINGS = { parse: [], repliedUser: false } as const;
