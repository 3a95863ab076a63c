import type { MediaKind } from './message.js';

/** A stored piece of media (content-addressed by its SHA-256). */
export interface MediaRef {
  /** Hex SHA-256 of the bytes; the key in the MediaStore. */
  readonly sha256: string;
  readonly mime: string;
  readonly name: string;
  readonly size: number;
  readonly kind: MediaKind;
  /** Which task produced it, for assistant media. */
  readonly producedBy?: string;
}

/** One turn of a conversation as stored. */
export interface Turn {
  readonly role: 'user' | 'assistant';
  /** For the user: their words. For the assistant: the raw model output, task tags included. */
  readonly text: string;
  readonly media: readonly MediaRef[];
  readonly messageId?: string;
  readonly authorId?: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

/** A platform-neutral conversation: what the engine reads. */
export interface Conversation {
  readonly id: string;
  readonly turns: readonly Turn[];
}

/** The newest image in the conversation, searching turns from the end. */
export function latestImage(turns: readonly Turn[]): MediaRef | undefined {
  for (let i = turns.length - 1; i >= 0; i--) {
    const media = turns[i]?.media ?? [];
    for (let j = media.length - 1; j >= 0; j--) {
      const ref = media[j];
      if (ref?.kind === 'image') return ref;
    }
  }
  return undefined;
}
