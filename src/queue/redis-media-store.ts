import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { MediaRef } from '../core/conversation.js';
import { LlmbindError } from '../core/errors.js';
import type { MediaStore } from '../core/media-store.js';
import { mediaKindOf } from '../core/message.js';

/** A week: long enough for the buttons under an image (Edit, Segment, Animate) to be used. */
export const DEFAULT_MEDIA_TTL_SECONDS = 7 * 24 * 60 * 60;
/** Above the core's 25 MB attachment limit, far below Redis's 512 MB string limit. */
export const DEFAULT_MEDIA_MAX_BYTES = 32 * 1024 * 1024;

/** Options of {@link RedisMediaStore}. */
export interface RedisMediaStoreOptions {
  /** A connected client (see `connectRedis`); the caller owns and closes it. */
  readonly redis: Redis;
  /** Keys are `<prefix>:media:<sha256>` (config `queue.prefix`). */
  readonly prefix: string;
  /** How long bytes are kept after their last `put`; {@link DEFAULT_MEDIA_TTL_SECONDS} by default. */
  readonly ttlSeconds?: number;
  /** The largest item stored; a bigger one is refused. {@link DEFAULT_MEDIA_MAX_BYTES} by default. */
  readonly maxBytes?: number;
}

/**
 * {@link MediaStore} in Redis, so every frontend of a bot finds an image whichever one stored it (a button
 * click landing elsewhere, a thread answered by another frontend). Content-addressed like the file store:
 * one string per sha256 holding the bytes, with a TTL pushed back by every `put` of the same bytes.
 *
 * A stopgap: Redis holds everything in memory, hence the TTL and the size cap. Object storage
 * (S3-compatible) with the ref in Redis is the production answer (docs/scale-out.md).
 */
export class RedisMediaStore implements MediaStore {
  private readonly ttlSeconds: number;
  private readonly maxBytes: number;

  constructor(private readonly options: RedisMediaStoreOptions) {
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_MEDIA_TTL_SECONDS;
    this.maxBytes = options.maxBytes ?? DEFAULT_MEDIA_MAX_BYTES;
  }

  /**
   * Stores the bytes under their sha256. Beyond `maxBytes` it fails with `output_too_large` for produced
   * media (`producedBy` set) and `input_too_large` for the rest, detailing `size` and `limit`.
   */
  async put(bytes: Uint8Array, meta: { mime: string; name: string; producedBy?: string }): Promise<MediaRef> {
    if (bytes.byteLength > this.maxBytes)
      throw new LlmbindError(
        meta.producedBy === undefined ? 'input_too_large' : 'output_too_large',
        `media of ${bytes.byteLength} bytes is over the shared media store's limit of ${this.maxBytes}`,
        { size: bytes.byteLength, limit: this.maxBytes, store: 'redis' },
      );
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    // SET replaces same bytes with same bytes: idempotent, and the TTL starts again.
    await this.options.redis.set(this.key(sha256), Buffer.from(bytes), 'EX', this.ttlSeconds);
    return {
      sha256,
      mime: meta.mime,
      name: meta.name,
      size: bytes.byteLength,
      kind: mediaKindOf(meta.mime),
      ...(meta.producedBy === undefined ? {} : { producedBy: meta.producedBy }),
    };
  }

  /** The stored bytes; `bad_input` when they were never stored here or have expired. */
  async get(ref: MediaRef): Promise<Uint8Array> {
    const bytes = await this.options.redis.getBuffer(this.key(ref.sha256));
    if (bytes === null)
      throw new LlmbindError('bad_input', `media ${ref.sha256} is no longer stored`, { sha256: ref.sha256 });
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The Redis key of some bytes (tests check names and TTLs). */
  key(sha256: string): string {
    return `${this.options.prefix}:media:${sha256}`;
  }
}
