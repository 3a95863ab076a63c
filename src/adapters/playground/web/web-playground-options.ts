import type { ConversationStore } from '../../../core/conversation-store.js';
import type { Logger } from '../../../core/logger.js';
import type { MediaStore } from '../../../core/media-store.js';
import type { IncomingMessage } from '../../../core/message.js';
import type { TurnReport } from '../../../core/orchestrator.js';
import type { ReplySink } from '../../../core/reply-sink.js';

/** What handles one message: the Orchestrator in production. */
export interface PlaygroundTurnHandler {
  handle(message: IncomingMessage, sink: ReplySink, signal?: AbortSignal): Promise<TurnReport>;
}

/** The model the page says it runs, with a link to its card. */
export interface PlaygroundModelInfo {
  /** Shown in the page header, e.g. "the demo model pack (tiny, trained on synthetic data)". */
  readonly label: string;
  /** A Markdown model card served at `/model-card`; no link when absent. */
  readonly cardPath?: string;
}

/** Settings of the web playground (config.playground plus the adapter's own tunables). */
export interface WebPlaygroundOptions {
  readonly handler: PlaygroundTurnHandler;
  /** The store the handler writes to: the page reads history from it and `reset` clears it. */
  readonly store: ConversationStore;
  /** The handler's media store: produced media is served from it. */
  readonly media: MediaStore;
  readonly logger: Logger;
  /** config.playground.port; 0 picks a free port (tests). */
  readonly port: number;
  /** config.playground.host; 127.0.0.1 keeps it local. */
  readonly host: string;
  readonly model?: PlaygroundModelInfo;
  /** Largest upload per message, all files together (proposed key playground.maxUploadBytes). */
  readonly maxUploadBytes?: number;
  /** Turns run at once; the rest wait in line and see their position (proposed key playground.concurrency). */
  readonly concurrency?: number;
  /** Called after every turn, with its report (tests, metrics). */
  readonly onTurn?: (conversationId: string, report: TurnReport | undefined) => void;
}

/** Defaults of the optional tunables. */
export const WEB_PLAYGROUND_DEFAULTS = {
  maxUploadBytes: 20 * 1024 * 1024,
  // One engine pool serves every front end; a second local turn would only wait inside it, unseen.
  concurrency: 1,
} as const satisfies Required<Pick<WebPlaygroundOptions, 'maxUploadBytes' | 'concurrency'>>;
