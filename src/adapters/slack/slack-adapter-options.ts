import type { AccessSettingsView, SettingChange } from '../../core/access/access-settings.js';
import type { SettingsActor } from '../../core/access/admin-settings.js';
import type { ConversationStore } from '../../core/conversation-store.js';
import type { Result } from '../../core/errors.js';
import type { FitMedia } from '../../core/fit-media.js';
import type { TurnLedger } from '../../core/journal/turn-ledger.js';
import type { Logger } from '../../core/logger.js';
import type { MediaStore } from '../../core/media-store.js';
import type { IncomingMessage } from '../../core/message.js';
import type { TurnReport } from '../../core/orchestrator.js';
import type { ReplySink } from '../../core/reply-sink.js';
import type { LimiterFactory } from '../../queue/limiter-factory.js';
import type { ButtonStoreLike } from './button-store.js';
import { DEFAULT_PACING, type SlackPacing } from './slack-pacing.js';
import { DEFAULT_HISTORY_LIMITS, type HistoryOptions } from './thread-history.js';

/** What handles one message: the Orchestrator in production. */
export interface TurnHandler {
  handle(message: IncomingMessage, sink: ReplySink, signal?: AbortSignal): Promise<TurnReport>;
  /** Stops the conversation's running and queued jobs (`reset`). */
  cancel?(conversationId: string): number;
  /** `/llmbind settings …` (admins); the subcommand says it is unavailable when absent. */
  configure?(actor: SettingsActor, change: SettingChange): Result<AccessSettingsView>;
}

/** What became of one delivery (events, commands, button clicks); tests and metrics listen to it. */
export interface SlackOutcome {
  readonly source: 'event' | 'command' | 'action' | 'view';
  /** event_id, trigger id or action ts. */
  readonly id: string;
  readonly result: 'handled' | 'duplicate' | 'ignored' | 'answered' | 'failed';
  readonly report?: TurnReport;
  readonly conversationId?: string;
}

/**
 * The WebClient retry policy (p-retry options); 429s are retried under it after Retry-After. response_url
 * posts, which are not WebClient calls, follow the same policy (see response-url-http.ts).
 */
export interface SlackRetryPolicy {
  readonly retries: number;
  readonly factor: number;
  readonly minTimeout?: number;
  readonly maxTimeout?: number;
}

/** Settings from config.slack plus the adapter's own tunables. */
export interface SlackAdapterOptions {
  readonly botToken: string;
  readonly signingSecret: string;
  /** App-level token: Socket Mode when non-empty, the HTTP receiver otherwise. */
  readonly appToken: string;
  /** Web API base, ending in `/` (config slack.apiUrl / SLACK_API_URL). */
  readonly apiUrl: string;
  readonly port: number;
  readonly host: string;
  /** Slash command name, e.g. `/llmbind`. */
  readonly command: string;

  readonly handler: TurnHandler;
  /** The store the handler uses: thread history is imported into it and `reset` clears it. */
  readonly store: ConversationStore;
  readonly logger: Logger;
  /** Lets buttons hand a stored image back to the core (Segment, Animate, Edit). */
  readonly media?: MediaStore;
  /** Fits media under `uploadLimitBytes` (wire src/media's fitToLimit here). */
  readonly fit?: FitMedia;
  /** Proposed config key slack.uploadLimitBytes. */
  readonly uploadLimitBytes?: number;
  /** Characters per message piece (a section block holds 3,000). */
  readonly pieceChars?: number;
  readonly pacing?: SlackPacing;
  /**
   * Makes the Web API limiters; Redis-backed ones share each method's pace with the bot's other
   * frontends (`queue.backend: redis`). In-process limiters when absent.
   */
  readonly limiters?: LimiterFactory;
  /** Thread history limits; give `countTokens` (the engine tokenizer's count) for a token budget. */
  readonly history?: HistoryOptions;
  readonly retry?: SlackRetryPolicy;
  /**
   * SQLite file for seen event ids, and for button state unless `buttons` is given (both survive
   * restarts); `:memory:` by default.
   */
  readonly buttonsDb?: string;
  /**
   * A shared button store (Redis with `queue.backend: redis`), so a click that lands on another frontend
   * than the one that posted the image still works. The caller owns and closes it; the adapter's own
   * SQLite store in `buttonsDb` when absent.
   */
  readonly buttons?: ButtonStoreLike;
  /** Origins the bot token may be sent to for file downloads (Slack's file host and the API's origin). */
  readonly fileOrigins?: readonly string[];
  /** Most bytes downloaded from one user file (default 25 MB, the core's limit). */
  readonly maxFileBytes?: number;
  readonly onOutcome?: (outcome: SlackOutcome) => void;
  /** Journals turns for crash recovery and redelivery checks; none when absent. */
  readonly ledger?: TurnLedger;
}

/** Defaults of the optional tunables. */
export const SLACK_DEFAULTS = {
  uploadLimitBytes: 50 * 1024 * 1024,
  pieceChars: 3_000,
  pacing: DEFAULT_PACING,
  history: DEFAULT_HISTORY_LIMITS,
  retry: { retries: 10, factor: 1.96, minTimeout: 1_000, maxTimeout: 60_000 },
  buttonsDb: ':memory:',
} as const satisfies Required<
  Pick<SlackAdapterOptions, 'uploadLimitBytes' | 'pieceChars' | 'pacing' | 'history' | 'retry' | 'buttonsDb'>
>;
