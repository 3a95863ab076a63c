import type { Logger } from '../logger.js';
import type { Platform } from '../message.js';
import type { JournalEntry, JsonValue, TurnJournal } from './turn-journal.js';

/** How a platform's turns are journalled. */
export interface TurnLedgerOptions {
  readonly logger: Logger;
  /**
   * Aborted when the process starts shutting down: a turn that ends from then on (its jobs were cancelled
   * for the shutdown) is kept for the next start instead of being marked done.
   */
  readonly stopping?: AbortSignal;
  /**
   * Attempts a turn gets across restarts: 2 means a turn that was running when the process died is
   * retried once, and reported as failed if the process dies again while retrying it.
   */
  readonly maxAttempts?: number;
  /** Finished turns are forgotten after this long (they only serve to drop redeliveries). */
  readonly retentionMs?: number;
  readonly now?: () => number;
}

/** What an adapter does with unfinished turns found at start. */
export interface RecoveryHandlers {
  /** Runs the turn again through the adapter's normal path (which calls {@link TurnLedger.attempt}). */
  resume(entry: JournalEntry): Promise<void>;
  /** Tells the user the turn could not be completed (the journal then marks it failed). */
  abandon(entry: JournalEntry): Promise<void>;
}

/** Defaults, checked against the options type. */
export const LEDGER_DEFAULTS = {
  maxAttempts: 2,
  retentionMs: 7 * 24 * 3_600_000,
} as const satisfies Pick<TurnLedgerOptions, 'maxAttempts' | 'retentionMs'>;

/**
 * One platform's view of the {@link TurnJournal}: adapters admit each event before work starts, run each
 * attempt through here, and recover what a crash left unfinished. Queued turns run again; a turn that was
 * running is retried once or reported as failed, never silently lost; a delivered reply is never re-sent.
 */
export class TurnLedger {
  private readonly maxAttempts: number;
  private readonly now: () => number;

  constructor(
    private readonly journal: TurnJournal,
    readonly platform: Platform,
    private readonly options: TurnLedgerOptions,
  ) {
    this.maxAttempts = options.maxAttempts ?? LEDGER_DEFAULTS.maxAttempts;
    this.now = options.now ?? Date.now;
  }

  /** Records a received event; false when it was seen before (a platform retry): drop it. */
  admit(key: string, route: JsonValue): Promise<boolean> {
    return this.journal.record({ key, platform: this.platform, route, receivedAt: this.now() });
  }

  /** Replaces a turn's route (see {@link TurnJournal.update}). */
  note(key: string, route: JsonValue): Promise<void> {
    return this.journal.update(key, route);
  }

  /**
   * Runs one attempt of an admitted turn. `work` resolves once the answer is delivered; if it throws, the
   * turn is failed (the adapter has told the user). A turn that ends while the process is stopping is
   * kept for the next start instead.
   */
  async attempt(key: string, work: () => Promise<void>): Promise<void> {
    const attempt = await this.journal.start(key);
    if (attempt > 1) this.options.logger.info({ key, attempt }, 'retrying a turn a restart interrupted');
    try {
      await work();
    } catch (error) {
      await this.journal.finish(key, 'failed');
      throw error;
    }
    if (this.options.stopping?.aborted) await this.journal.suspend(key);
    else await this.journal.finish(key, 'done');
  }

  /**
   * Handles what the last process left unfinished: resumes turns with attempts left and abandons the
   * rest. Resumes run concurrently (the adapter queues them per conversation); resolves when all ended.
   */
  async recover(handlers: RecoveryHandlers): Promise<{ resumed: number; abandoned: number }> {
    const log = this.options.logger;
    const pruned = await this.journal.prune(
      this.now() - (this.options.retentionMs ?? LEDGER_DEFAULTS.retentionMs),
    );
    const open = await this.journal.unfinished(this.platform);
    // With several frontends on one journal, a turn another live one holds (running, queued, or taken
    // by its own recovery a moment ago) is theirs: only the turns this process claims are handled here.
    const claimed = await Promise.all(open.map((entry) => this.journal.claim(entry.key)));
    const entries = open.filter((_, i) => claimed[i]);
    if (open.length > 0 || pruned > 0)
      log.info(
        { unfinished: entries.length, heldElsewhere: open.length - entries.length, pruned },
        'recovering turns from the journal',
      );
    let resumed = 0;
    let abandoned = 0;
    const runs = entries.map(async (entry) => {
      if (entry.attempts < this.maxAttempts) {
        resumed += 1;
        await handlers.resume(entry);
        return;
      }
      abandoned += 1;
      try {
        await handlers.abandon(entry);
      } finally {
        await this.journal.finish(entry.key, 'failed');
      }
    });
    for (const [i, result] of (await Promise.allSettled(runs)).entries()) {
      if (result.status === 'fulfilled') continue;
      const entry = entries[i];
      // The message may be gone (deleted, channel closed): nobody is left to answer.
      log.warn({ key: entry?.key, err: String(result.reason) }, 'could not recover a turn');
      if (entry) await this.journal.finish(entry.key, 'failed');
    }
    return { resumed, abandoned };
  }
}
