import type { Redis } from 'ioredis';

/** Buttons outlive the media they act on (7 days) because Regenerate needs only the prompt. */
export const DEFAULT_BUTTON_TTL_SECONDS = 30 * 24 * 60 * 60;

/** Options of {@link RedisButtonStore}. */
export interface RedisButtonStoreOptions {
  /** A connected client (see `connectRedis`); the caller owns and closes it. */
  readonly redis: Redis;
  /** Keys are `<prefix>:buttons:<platform>:<id>` (config `queue.prefix`). */
  readonly prefix: string;
  /** Whose buttons these are (`slack`): one namespace per adapter. */
  readonly platform: string;
  /** How long a record is kept after it was saved; {@link DEFAULT_BUTTON_TTL_SECONDS} by default. */
  readonly ttlSeconds?: number;
}

/**
 * Button state shared by every frontend of a bot: one JSON string per set of buttons, with a TTL. It knows
 * nothing of Slack: it stores any record with an `id`, so it satisfies the Slack adapter's
 * `ButtonStoreLike` structurally and queue code never imports an adapter.
 *
 * Why a TTL of 30 days: a Slack message keeps its buttons forever, but state nobody clicks should not pile
 * up in a memory store. Regenerate needs only the prompt, so it keeps working past the media's 7 days;
 * Edit, Segment and Animate then fail with `bad_input` (the image is gone), and after 30 days a click says
 * the button expired, as a lost SQLite file would.
 */
export class RedisButtonStore<T extends { readonly id: string }> {
  private readonly ttlSeconds: number;

  constructor(private readonly options: RedisButtonStoreOptions) {
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_BUTTON_TTL_SECONDS;
  }

  /** Saves one record under its id (replacing one with the same id), for `ttlSeconds`. */
  async save(record: T): Promise<void> {
    await this.options.redis.set(this.key(record.id), JSON.stringify(record), 'EX', this.ttlSeconds);
  }

  /** The record saved under `id`, or undefined when there is none (never saved, or expired). */
  async get(id: string): Promise<T | undefined> {
    const raw = await this.options.redis.get(this.key(id));
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  /** The Redis key of a record (tests check names and TTLs). */
  key(id: string): string {
    return `${this.options.prefix}:buttons:${this.options.platform}:${id}`;
  }
}
