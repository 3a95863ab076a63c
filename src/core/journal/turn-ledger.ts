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
  /**
   * How often {@link TurnLedger.sweep} runs recovery again after the start, so the turns of a frontend
   * that died for good are taken over once their hold lapses; 0 runs it only at start.
   */
  readonly sweepMs?: number;
  /** Schedules the sweeps ({@link intervalTimer} when absent); tests inject one they tick by hand. */
  readonly sweepTimer?: SweepTimer;
  readonly now?: () => number;
}

/**
 * Calls `tick` every `ms` until the returned function is called. `tick` returns the run it started
 * (settles once that run ended, never rejects), or undefined when it skipped the tick.
 */
export type SweepTimer = (tick: () => Promise<void> | undefined, ms: number) => () => void;

/** The default {@link SweepTimer}: an unref'd `setInterval`, so sweeping never keeps a stopping process alive. */
export const intervalTimer: SweepTimer = (tick, ms) => {
  const handle = setInterval(tick, ms);
  handle.unref();
  return () => clearInterval(handle);
};

/** What one recovery run did. */
export interface RecoveryCounts {
  readonly resumed: number;
  readonly abandoned: number;
}

/** Recovery at start, then again every `sweepMs` (see {@link TurnLedger.sweep}). */
export interface RecoverySweep {
  /** The run at start: resolves once the turns it took have ended. */
  readonly first: Promise<RecoveryCounts>;
  /**
   * Cancels the sweeps at once (none starts after this call, and a run in flight takes no more turns)
   * and resolves once the run in flight, if any, has ended. Call it before the journal closes.
   */
  stop(): Promise<void>;
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
  // The Redis lease: a dead frontend's turns are taken over within about two minutes.
  sweepMs: 60_000,
} as const satisfies Pick<TurnLedgerOptions, 'maxAttempts' | 'retentionMs' | 'sweepMs'>;

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
  recover(handlers: RecoveryHandlers): Promise<RecoveryCounts> {
    return this.run(handlers, { sweep: false, stopped: () => false });
  }

  /**
   * Runs {@link recover} now and again every `sweepMs` while the adapter runs: with several frontends on
   * one journal, the turns of one that died and never comes back are resumed once their hold lapses (the
   * journal's `claim` never yields a turn a live process holds). A tick while a run is still in flight
   * is skipped, so runs never overlap.
   */
  sweep(handlers: RecoveryHandlers): RecoverySweep {
    const log = this.options.logger;
    const every = this.options.sweepMs ?? LEDGER_DEFAULTS.sweepMs;
    let stopped = false;
    let inFlight: Promise<unknown> | undefined;
    const run = (sweep: boolean): Promise<RecoveryCounts> => {
      // Cleared before anything chained on the run sees it end, so the next tick may start at once.
      const done = this.run(handlers, { sweep, stopped: () => stopped }).finally(() => {
        inFlight = undefined;
      });
      inFlight = done.then(
        () => undefined,
        () => undefined,
      );
      return done;
    };
    const first = run(false);
    const cancel =
      every > 0
        ? (this.options.sweepTimer ?? intervalTimer)(() => {
            if (stopped || inFlight) return undefined;
            return run(true).then(
              (counts) => {
                if (counts.resumed + counts.abandoned > 0) log.info(counts, 'swept turns from the journal');
              },
              (error: unknown) =>
                log.warn({ err: String(error) }, 'journal sweep failed; retrying next tick'),
            );
          }, every)
        : () => {};
    return {
      first,
      stop: async () => {
        stopped = true;
        cancel();
        await inFlight;
      },
    };
  }

  private async run(
    handlers: RecoveryHandlers,
    mode: { readonly sweep: boolean; readonly stopped: () => boolean },
  ): Promise<RecoveryCounts> {
    const log = this.options.logger;
    const halted = () => mode.stopped() || this.options.stopping?.aborted === true;
    const pruned = await this.journal.prune(
      this.now() - (this.options.retentionMs ?? LEDGER_DEFAULTS.retentionMs),
    );
    const open = halted() ? [] : await this.journal.unfinished(this.platform);
    // With several frontends on one journal, a turn another live one holds (running, queued, or taken
    // by its own recovery a moment ago) is theirs: only the turns this process claims are handled here.
    const claimed = await Promise.all(open.map((entry) => this.journal.claim(entry.key)));
    // Stopped meanwhile: the claims are let go when the journal closes, for the next process to take.
    const entries = halted() ? [] : open.filter((_, i) => claimed[i]);
    // A sweep sees other live frontends' turns every tick: it speaks only when it has work.
    if (entries.length > 0 || pruned > 0 || (!mode.sweep && open.length > 0))
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
