import type { ConversationStore } from '../../core/conversation-store.js';
import type { TurnLedger } from '../../core/journal/turn-ledger.js';
import type { Logger } from '../../core/logger.js';
import type { MediaStore } from '../../core/media-store.js';
import type { ButtonStoreLike } from './button-store.js';
import type { SlackOutcome, TurnHandler } from './slack-adapter-options.js';
import type { SlackApi } from './slack-api.js';
import type { FileAccess } from './slack-files.js';
import type { ThreadHistory } from './thread-history.js';
import type { TurnRunner } from './turn-runner.js';

/** What the listeners share (built once by the adapter). */
export interface ListenerDeps {
  readonly command: string;
  readonly api: SlackApi;
  readonly runner: TurnRunner;
  readonly history: ThreadHistory;
  readonly buttons: ButtonStoreLike;
  readonly store: ConversationStore;
  /** Stops a conversation's jobs (`reset`); absent when the handler cannot cancel. */
  readonly cancel: (conversationId: string) => void;
  readonly media: MediaStore | undefined;
  readonly files: FileAccess;
  readonly log: Logger;
  readonly outcome: (outcome: SlackOutcome) => void;
  /** Applies an admin's `settings` change; absent when the handler has no settings store. */
  readonly configure?: TurnHandler['configure'];
  /** Journals turns for crash recovery; none when absent. */
  readonly ledger?: TurnLedger;
}

/** Conversation key of a thread, or of a DM/channel without a thread. */
export function conversationKey(team: string, channel: string, threadTs?: string): string {
  return threadTs ? `slack:${team}:${channel}:${threadTs}` : `slack:${team}:${channel}`;
}

/** Conversation key of a user's slash-command conversation in a channel. */
export function commandConversationKey(team: string, channel: string, user: string): string {
  return `slack:${team}:${channel}:cmd:${user}`;
}
