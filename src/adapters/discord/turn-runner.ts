import type Bottleneck from 'bottleneck';
import type { FitMedia } from '../../core/fit-media.js';
import type { IncomingMessage } from '../../core/message.js';
import { localLimiters } from '../../queue/limiter-factory.js';
import { encodeCancelId } from './custom-ids.js';
import type { DiscordAdapterDeps, DiscordAdapterOptions } from './discord-options.js';
import { DiscordReplySink } from './discord-sink.js';
import type { DiscordState } from './discord-state.js';
import { type DiscordRoute, toJson } from './journal-route.js';
import { JournaledTarget } from './journaled-target.js';
import type { PostedMessage, ReplyTarget } from './reply-target.js';

/** A turn's journal entry: its key, its route, and a message of the interrupted attempt to reuse. */
export interface JournalRef {
  readonly key: string;
  readonly route: DiscordRoute;
  readonly adopt?: PostedMessage;
}

/**
 * Runs turns: one at a time per conversation (a quick second message waits for the first answer),
 * each with its own sink over a shared per-channel limiter. Tracks in-flight turns for `stop()`.
 */
export class TurnRunner {
  private readonly limiters: Bottleneck.Group;
  private readonly tails = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly deps: DiscordAdapterDeps,
    options: DiscordAdapterOptions,
    private readonly state: DiscordState,
    private readonly fit: FitMedia,
  ) {
    // Keyed by channel: Discord's message routes are limited per channel, whichever process calls them.
    this.limiters = (deps.limiters ?? localLimiters).group('discord:channel-messages', {
      minTime: options.editIntervalMs,
    });
  }

  /** Queues a turn behind earlier ones of the same conversation; resolves when it is answered. */
  run(message: IncomingMessage, target: ReplyTarget, journal?: JournalRef): Promise<void> {
    return this.runLazy(message.conversationId, async () => message, target, journal);
  }

  /**
   * Like {@link run}, with the message built only when the turn's place in the queue comes: work such
   * as reading a thread's history then sees every earlier turn of the conversation stored.
   */
  runLazy(
    conversationId: string,
    build: () => Promise<IncomingMessage>,
    target: ReplyTarget,
    journal?: JournalRef,
  ): Promise<void> {
    const key = conversationId;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const { ledger, logger } = this.deps;
    const turn = previous.then(() => {
      if (!ledger || !journal) return this.handle(build, target);
      // Every message posted is noted, so a retry after a crash can tidy up what this attempt left.
      const route = { ...journal.route, posted: [...journal.route.posted] };
      const noted = new JournaledTarget(
        target,
        (channelId, id) => {
          route.posted.push({ channelId, id });
          ledger
            .note(journal.key, toJson(route))
            .catch((error: unknown) => logger.warn({ err: String(error) }, 'journal note failed'));
        },
        journal.adopt,
      );
      return ledger
        .attempt(journal.key, () => this.handle(build, noted))
        .catch((error: unknown) => logger.error({ err: String(error) }, 'journal write failed'));
    });
    this.tails.set(key, turn);
    this.inFlight.add(turn);
    void turn.finally(() => {
      this.inFlight.delete(turn);
      if (this.tails.get(key) === turn) this.tails.delete(key);
    });
    return turn;
  }

  /** Cancels running turns and waits for them to wind down. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
    // Each limiter leaves a shared (Redis) connection on its own; the group only closes one it owns.
    await Promise.all(this.limiters.limiters().map(({ limiter }) => limiter.disconnect()));
    await this.limiters.disconnect();
  }

  private async handle(build: () => Promise<IncomingMessage>, target: ReplyTarget): Promise<void> {
    const { logger } = this.deps;
    let message: IncomingMessage;
    try {
      message = await build();
    } catch (caught) {
      // Reading the message's context failed (a bug, or Discord down beyond retries): skip the turn.
      logger.error({ err: String(caught) }, 'discord message could not be read');
      return;
    }
    const canCancel = this.deps.orchestrator.cancel !== undefined;
    const sink = new DiscordReplySink(target, {
      limiter: this.limiters.key(target.channelId),
      fit: this.fit,
      state: this.state,
      conversationId: message.conversationId,
      logger,
      ...(canCancel ? { cancelId: encodeCancelId(message.conversationId, message.author.id) } : {}),
    });
    let error: string | undefined;
    try {
      await this.deps.orchestrator.handle(message, sink, this.abort.signal);
    } catch (caught) {
      // A bug below (the core never throws for expected failures): log it, keep serving.
      error = caught instanceof Error ? caught.message : String(caught);
      logger.error({ err: error, conversation: message.conversationId }, 'discord turn failed');
      await sink.notice({ code: 'internal' }).catch(() => undefined);
    }
    // Also after a failure: the Cancel button must not outlive the turn.
    await sink
      .close()
      .catch((caught: unknown) => logger.warn({ err: String(caught) }, 'discord reply close failed'));
    this.deps.onTurn?.({
      conversationId: message.conversationId,
      messageId: message.messageId,
      ...(error ? { error } : {}),
    });
  }
}
