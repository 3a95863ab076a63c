import type { MediaRef } from '../../core/conversation.js';
import type { TaskKind } from '../../engine/protocol/task-kind.js';

/** What a button needs to act on an image after a restart, or on another frontend than the one that posted it. */
export interface ButtonRecord {
  /**
   * Key of this set of buttons (the buttons' value). Not the media id: media are content-addressed, so the
   * same bytes made by two prompts must not share (and overwrite) one record.
   */
  readonly id: string;
  readonly mediaId: string;
  readonly kind: TaskKind;
  /** The prompt that made the media (its alt text). */
  readonly prompt: string;
  readonly conversationId: string;
  readonly channel: string;
  readonly threadTs?: string;
  /** The stored media, to hand the image back to the core as the message's reply target. */
  readonly ref: MediaRef;
}

/**
 * Where the state of the buttons under generated images lives. The adapter's own SQLite file by default
 * (`SqliteButtonStore`, one frontend); with several frontends behind a load balancer a click may land on
 * any of them, so `llmbind serve` injects a shared one (Redis, `queue.backend: redis`). Async because a
 * shared store is a network round trip.
 */
export interface ButtonStoreLike {
  /** Saves the state of one set of buttons (a record with the same id is replaced). */
  save(record: ButtonRecord): Promise<void>;
  /** Looks a set of buttons up by the id the buttons carry; undefined when unknown or expired. */
  get(id: string): Promise<ButtonRecord | undefined>;
}
