import type { MediaRef } from '../../../core/conversation.js';
import type { MediaStore } from '../../../core/media-store.js';
import { type MediaKind, mediaKindOf } from '../../../core/message.js';

/** Media ids are SHA-256 hex digests (the MediaStore's keys). */
export const MEDIA_ID = /^[0-9a-f]{64}$/;

/** What the page gets to show one stored file. */
export interface MediaView {
  readonly mediaId: string;
  readonly url: string;
  readonly mime: string;
  readonly kind: MediaKind;
  readonly name: string;
}

/**
 * The media this playground may serve: refs it has seen in produced media and in conversation history.
 * The MediaStore is keyed by full refs (mime included), and only media the page has been shown is
 * reachable, so a guessed digest of some other platform's upload is not served.
 */
export class MediaIndex {
  private readonly refs = new Map<string, MediaRef>();

  constructor(private readonly store: MediaStore) {}

  /** Remembers a ref and returns its view. */
  remember(ref: MediaRef): MediaView {
    this.refs.set(ref.sha256, ref);
    return MediaIndex.view(ref);
  }

  /** Remembers produced media by its id and metadata. */
  rememberProduced(mediaId: string, meta: { mime: string; filename: string; size: number }): MediaView {
    return this.remember({
      sha256: mediaId,
      mime: meta.mime,
      name: meta.filename,
      size: meta.size,
      kind: mediaKindOf(meta.mime),
    });
  }

  /** The ref of a known id. */
  get(mediaId: string): MediaRef | undefined {
    return this.refs.get(mediaId);
  }

  /** Reads the bytes of a known id; undefined when unknown. */
  async read(mediaId: string): Promise<{ ref: MediaRef; bytes: Uint8Array } | undefined> {
    const ref = this.refs.get(mediaId);
    return ref ? { ref, bytes: await this.store.get(ref) } : undefined;
  }

  /** The page's view of a ref. */
  static view(ref: MediaRef): MediaView {
    return {
      mediaId: ref.sha256,
      url: `/media/${ref.sha256}`,
      mime: ref.mime,
      kind: ref.kind,
      name: ref.name,
    };
  }
}
