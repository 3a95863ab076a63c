import Bottleneck from 'bottleneck';
import type { FitMedia } from '../../core/fit-media.js';
import type { IncomingMessage } from '../../core/message.js';
import type { DiscordAdapterDeps, DiscordAdapterOptions } from './discord-options.js';
import { DiscordReplySink } from './discord-sink.js';
import type { DiscordState } from './discord-state.js';
import type { ReplyTarget } from './reply-target.js';

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
    this.limiters = new Bottleneck.Group({ maxConcurrent: 1, minTime: options.editIntervalMs });
  }

  /** Queues a turn behind earlier ones of the same conversation; resolves when it is answered. */
  run(message: IncomingMessage, target: ReplyTarget): Promise<void> {
    const key = message.conversationId;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const turn = previous.then(() => this.handle(message, target));
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
    await this.limiters.disconnect();
  }

  private async handle(message: IncomingMessage, target: ReplyTarget): Promise<void> {
    const { logger } = this.deps;
    const sink = new DiscordReplySink(target, {
      limiter: this.limiters.key(target.channelId),
      fit: this.fit,
      state: this.state,
      conversationId: message.conversationId,
      logger,
    });
    let error: string | undefined;
    try {
      await this.deps.orchestrator.handle(message, sink, this.abort.signal);
      await sink.close();
    } catch (caught) {
      // A bug below (the core never throws for expected failures): log it, keep serving.
      error = caught instanceof Error ? caught.message : String(caught);
      logger.error({ err: error, conversation: message.conversationId }, 'discord turn failed');
      await sink.notice({ code: 'internal' }).catch(() => undefined);
    }
    this.deps.onTurn?.({
      conversationId: message.conversationId,
      messageId: message.messageId,
      ...(error ? { error } : {}),
    });
  }
}
