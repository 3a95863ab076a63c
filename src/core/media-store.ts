import type { MediaRef } from './conversation.js';

/** Content-addressed storage for media the bot has seen or made. */
export interface MediaStore {
  /** Stores bytes (idempotent: same bytes, same ref). */
  put(bytes: Uint8Array, meta: { mime: string; name: string; producedBy?: string }): Promise<MediaRef>;
  /** Reads bytes back; fails with `model_missing`-free `bad_input` when the ref is unknown. */
  get(ref: MediaRef): Promise<Uint8Array>;
  /** Where the bytes are on disk, when the store is file-backed (the CLI prints paths). */
  pathOf?(ref: MediaRef): string;
}
