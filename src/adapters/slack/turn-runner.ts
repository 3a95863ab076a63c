import type { TurnLedger } from '../../core/journal/turn-ledger.js';
import type { Logger } from '../../core/logger.js';
import type { IncomingMessage } from '../../core/message.js';
import type { ResponseUrl } from './response-url.js';
import type { SlackOutcome, TurnHandler } from './slack-adapter-options.js';
import type { TurnSink } from './turn-sink.js';

/** A reply posted in a channel: streamed, with uploads and buttons. */
export interface ChannelTarget {
  readonly channel: string;
  /** Thread to answer in; none answers at the top level (DMs). */
  readonly threadTs?: string;
}

/** A slash command's reply where the bot cannot post: through the command's response_url. */
export interface ResponseUrlTarget {
  readonly channel: string;
  readonly responseUrl: ResponseUrl;
  /** The app's user id (for the `/invite @app` hint). */
  readonly botUserId?: string;
}

/** Where one turn's reply goes. */
export type ReplyTarget = ChannelTarget | ResponseUrlTarget;

/**
 * Runs turns off the ack path: Slack wants its ack within 3 s, and a turn can take minutes. Turns of one
 * conversation run one after another (the store is read at the start of a turn); different conversations
 * run side by side. `stop` aborts what is running.
 */
export class TurnRunner {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly tails = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly handler: TurnHandler,
    private readonly sinkFor: (message: IncomingMessage, target: ReplyTarget) => TurnSink,
    private readonly log: Logger,
    private readonly onOutcome: (outcome: SlackOutcome) => void,
    private readonly ledger?: TurnLedger,
  ) {}

  /**
   * Starts a turn and returns at once. `message` may be built asynchronously (history import, user
   * lookup): it is built in the conversation's queue, so turns keep the order their events arrived in.
   */
  start(
    source: SlackOutcome['source'],
    id: string,
    conversationId: string,
    target: ReplyTarget,
    message: IncomingMessage | (() => Promise<IncomingMessage>),
    journalKey?: string,
  ): void {
    const previous = this.tails.get(conversationId) ?? Promise.resolve();
    const work = async () => {
      try {
        const built = typeof message === 'function' ? await message() : message;
        await this.run(source, id, built, target);
      } catch (error) {
        this.log.error({ err: String(error), conversation: conversationId }, 'slack turn could not start');
        this.onOutcome({ source, id, conversationId, result: 'failed' });
      }
    };
    const ledger = this.ledger;
    const turn = previous.then(() =>
      ledger && journalKey
        ? ledger
            .attempt(journalKey, work)
            .catch((error: unknown) => this.log.error({ err: String(error) }, 'journal write failed'))
        : work(),
    );
    this.tails.set(conversationId, turn);
    this.inFlight.add(turn);
    void turn.finally(() => {
      this.inFlight.delete(turn);
      if (this.tails.get(conversationId) === turn) this.tails.delete(conversationId);
    });
  }

  /** Resolves once every started turn has finished. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Aborts running turns and waits for them. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.drain();
  }

  private async run(
    source: SlackOutcome['source'],
    id: string,
    message: IncomingMessage,
    target: ReplyTarget,
  ): Promise<void> {
    const sink = this.sinkFor(message, target);
    const base = { source, id, conversationId: message.conversationId };
    try {
      const report = await this.handler.handle(message, sink, this.abort.signal);
      this.onOutcome({ ...base, result: 'handled', report });
    } catch (error) {
      // A bug or a Slack failure the retry policy could not absorb: logged with the code path, and the user
      // gets the generic notice when Slack still takes it.
      this.log.error({ err: String(error), conversation: message.conversationId }, 'slack turn failed');
      await sink.notice({ code: 'internal' }).catch(() => {});
      this.onOutcome({ ...base, result: 'failed' });
    } finally {
      await sink.close().catch((error: unknown) => {
        this.log.warn({ err: String(error), conversation: message.conversationId }, 'slack reply not closed');
      });
    }
  }
}
