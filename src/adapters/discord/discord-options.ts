import type { ClientOptions } from 'discord.js';
import type { AccessSettingsView, SettingChange } from '../../core/access/access-settings.js';
import type { SettingsActor } from '../../core/access/admin-settings.js';
import type { ConversationStore } from '../../core/conversation-store.js';
import type { Result } from '../../core/errors.js';
import type { FitMedia } from '../../core/fit-media.js';
import type { TurnLedger } from '../../core/journal/turn-ledger.js';
import type { Logger } from '../../core/logger.js';
import type { IncomingMessage } from '../../core/message.js';
import type { ReplySink } from '../../core/reply-sink.js';
import type { LimiterFactory } from '../../queue/limiter-factory.js';

/** What one handled turn came to, for the optional `onTurn` observer. */
export interface TurnOutcome {
  readonly conversationId: string;
  readonly messageId: string;
  readonly error?: string;
}

/** What the adapter needs from the core, injected. */
export interface DiscordAdapterDeps {
  /**
   * The Orchestrator: `handle` for turns; `cancel` (when given) stops a conversation's jobs on `/reset`
   * and on the Cancel button, which is only shown when it is given.
   */
  readonly orchestrator: {
    handle(message: IncomingMessage, sink: ReplySink, signal?: AbortSignal): Promise<unknown>;
    cancel?(conversationId: string): number;
    /** `/settings` (admins); the command says it is unavailable when absent. */
    configure?(actor: SettingsActor, change: SettingChange): Result<AccessSettingsView>;
  };
  /** For `/reset`, and for a thread's earlier messages when the bot joins it. */
  readonly conversations: Pick<ConversationStore, 'reset' | 'load' | 'append'>;
  readonly logger: Logger;
  /** Defaults to "send as is, or say it is too large". */
  readonly fit?: FitMedia;
  readonly now?: () => number;
  /** Journals turns for crash recovery and redelivery checks; none when absent (tests, `:memory:`). */
  readonly ledger?: TurnLedger;
  /** Called after every finished turn (metrics, tests). */
  readonly onTurn?: (outcome: TurnOutcome) => void;
  /**
   * Makes the per-channel edit limiters; Redis-backed ones share each channel's pace with the bot's
   * other frontends (`queue.backend: redis`). In-process limiters when absent.
   */
  readonly limiters?: LimiterFactory;
}

/** Settings; the first three come from config's `discord` section, the rest have defaults. */
export interface DiscordAdapterOptions {
  readonly token: string;
  /** REST base without the version (config `discord.apiUrl`). */
  readonly apiUrl: string;
  /** Guilds to register commands in; empty registers them globally. */
  readonly commandGuilds: readonly string[];
  /** Least time between two edits of messages in one channel. */
  readonly editIntervalMs: number;
  /** How long an interaction token is used before falling back to channel messages (Discord: 15 min). */
  readonly interactionTokenTtlMs: number;
  /** Upload limit where the API reports none (DMs, boost tier 0/1). */
  readonly defaultUploadLimitBytes: number;
  /** Largest user attachment this adapter downloads. */
  readonly maxAttachmentBytes: number;
  /** Hosts attachment bytes are downloaded from; the apiUrl's host is added for emulators. */
  readonly attachmentHosts: readonly string[];
  /** Minutes of inactivity before a thread the bot opens is archived. */
  readonly threadAutoArchiveMinutes: 60 | 1440 | 4320 | 10080;
  /** The adapter's SQLite file (button state); `:memory:` forgets on restart. */
  readonly statePath: string;
  /** Most earlier messages read from a thread the bot joins. */
  readonly historyMaxMessages: number;
  /** Messages per history page (Discord allows at most 100). */
  readonly historyPageSize: number;
  /**
   * Shards of the whole bot (config `discord.shardCount`); 0 lets Discord decide (`GET /gateway/bot`'s
   * recommendation: one shard for a small bot).
   */
  readonly shardCount: number;
  /**
   * Shard ids this process runs (config `discord.shards`), each below `shardCount`; empty runs them all.
   * Frontends splitting one bot list disjoint sets, so each guild's events reach one of them only.
   */
  readonly shards: readonly number[];
}

/** Defaults of the optional settings. */
export const DEFAULT_DISCORD_OPTIONS = {
  editIntervalMs: 1000,
  interactionTokenTtlMs: 14 * 60 * 1000,
  defaultUploadLimitBytes: 10 * 1024 * 1024,
  maxAttachmentBytes: 25 * 1024 * 1024,
  attachmentHosts: ['cdn.discordapp.com', 'media.discordapp.net'],
  threadAutoArchiveMinutes: 1440,
  statePath: ':memory:',
  historyMaxMessages: 100,
  historyPageSize: 100,
  shardCount: 0,
  shards: [],
} as const satisfies Omit<DiscordAdapterOptions, 'token' | 'apiUrl' | 'commandGuilds'>;

/** Options with defaults filled in. */
export function resolveDiscordOptions(
  options: Pick<DiscordAdapterOptions, 'token' | 'apiUrl' | 'commandGuilds'> & Partial<DiscordAdapterOptions>,
): DiscordAdapterOptions {
  const resolved = { ...DEFAULT_DISCORD_OPTIONS, ...options };
  // Config validation refuses these; reaching here with them is a wiring bug, not a user error.
  const outside = resolved.shards.filter(
    (id) => !(Number.isInteger(id) && id >= 0 && id < resolved.shardCount),
  );
  if (outside.length > 0)
    throw new RangeError(`discord shards ${outside.join(',')} not below shardCount ${resolved.shardCount}`);
  return resolved;
}

/**
 * discord.js's sharding options for these settings; @discordjs/ws then runs the shards in this process.
 * Always explicit, so discord.js never picks shards up from `SHARDS`/`SHARD_COUNT` in the environment
 * (its ShardingManager convention, which this bot does not use).
 */
export function shardingOptions(
  options: Pick<DiscordAdapterOptions, 'shardCount' | 'shards'>,
): Pick<ClientOptions, 'shards' | 'shardCount'> {
  if (options.shardCount === 0) return { shards: 'auto' };
  const all = Array.from({ length: options.shardCount }, (_, id) => id);
  return { shardCount: options.shardCount, shards: options.shards.length > 0 ? [...options.shards] : all };
}

/** Upload limit by boost tier (what Discord grants bots in a guild). */
export function uploadLimitForTier(tier: number, fallback: number): number {
  if (tier >= 3) return 100 * 1024 * 1024;
  if (tier === 2) return 50 * 1024 * 1024;
  return fallback;
}
