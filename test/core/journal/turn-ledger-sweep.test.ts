import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JournalEntry } from '../../../src/core/journal/turn-journal.js';
import { type SweepTimer, TurnLedger } from '../../../src/core/journal/turn-ledger.js';
import { silentLogger } from '../../../src/core/logger.js';
import { SqliteTurnJournal } from '../../../src/core/store/sqlite-turn-journal.js';

// The periodic recovery sweep on the SQLite journal. Another SqliteTurnJournal on the same file plays a
// process of the data dir that died: it holds nothing, so the survivor may claim what it left.

const logger = silentLogger();

/** Counts recovery runs: each one starts with a prune, called synchronously when the run starts. */
class CountingJournal extends SqliteTurnJournal {
  runs = 0;
  override prune(before: number): Promise<number> {
    this.runs += 1;
    return super.prune(before);
  }
}

/** A {@link SweepTimer} the test ticks by hand. */
class ManualTimer {
  ms = 0;
  cancelled = false;
  private tickFn: (() => Promise<void> | undefined) | undefined;
  readonly timer: SweepTimer = (tick, ms) => {
    this.tickFn = tick;
    this.ms = ms;
    return () => {
      this.cancelled = true;
    };
  };
  tick(): Promise<void> | undefined {
    if (!this.tickFn) throw new Error('no sweep scheduled');
    return this.tickFn();
  }
}

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resumes run the turn to its end through the ledger (as the adapters do) once `gate` is open. */
function recorder(ledger: TurnLedger) {
  const resumed: JournalEntry[] = [];
  let gate = Promise.resolve();
  let called = deferred();
  return {
    resumed,
    /** Resumes from now on wait for the returned function to be called. */
    hold: () => {
      const d = deferred();
      gate = d.promise;
      return d.resolve;
    },
    /** Resolves once the next resume has started. */
    nextResume: () => called.promise,
    handlers: {
      resume: async (e: JournalEntry) => {
        resumed.push(e);
        called.resolve();
        called = deferred();
        await gate;
        await ledger.attempt(e.key, async () => {});
      },
      abandon: async () => {},
    },
  };
}

function setup(sweepMs = 5_000) {
  const path = join(mkdtempSync(join(tmpdir(), 'sweep-')), 'journal.db');
  const dead = new SqliteTurnJournal(path);
  const deadLedger = new TurnLedger(dead, 'discord', { logger });
  const journal = new CountingJournal(path);
  const timer = new ManualTimer();
  const ledger = new TurnLedger(journal, 'discord', { logger, sweepMs, sweepTimer: timer.timer });
  const r = recorder(ledger);
  /** The dead process had admitted `key` and was running it when it died. */
  const leftRunning = async (key: string) => {
    await deadLedger.admit(key, { key });
    await new Promise<void>((running) => {
      void deadLedger.attempt(key, async () => {
        running();
        await new Promise(() => {});
      });
    });
  };
  const close = async () => {
    await journal.close();
    await dead.close();
  };
  return { journal, ledger, timer, r, leftRunning, close };
}

describe('TurnLedger.sweep', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('takes over at the next tick what a dead process left, never a turn this one is running', async () => {
    const { journal, ledger, timer, r, leftRunning, close } = setup();
    const sweep = ledger.sweep(r.handlers);
    expect(await sweep.first).toEqual({ resumed: 0, abandoned: 0 });
    expect(timer.ms).toBe(5_000);
    await ledger.admit('own', {});
    let release = () => {};
    const own = ledger.attempt('own', () => new Promise<void>((done) => (release = done)));
    await leftRunning('m1');
    await timer.tick();
    expect(r.resumed.map((e) => [e.key, e.attempts])).toEqual([['m1', 1]]);
    expect((await journal.unfinished('discord')).map((e) => e.key)).toEqual(['own']);
    release();
    await own;
    await timer.tick();
    expect(r.resumed.map((e) => e.key)).toEqual(['m1']);
    await sweep.stop();
    await close();
  });

  it('skips a tick while a run (the one at start included) is in flight', async () => {
    const { journal, ledger, timer, r, leftRunning, close } = setup();
    await leftRunning('m1');
    const open1 = r.hold();
    const resumed1 = r.nextResume();
    const sweep = ledger.sweep(r.handlers);
    await resumed1;
    expect(timer.tick()).toBeUndefined();
    expect(journal.runs).toBe(1);
    open1();
    expect(await sweep.first).toEqual({ resumed: 1, abandoned: 0 });

    await leftRunning('m2');
    const open2 = r.hold();
    const resumed2 = r.nextResume();
    const second = timer.tick();
    await resumed2;
    await leftRunning('m3');
    expect(timer.tick()).toBeUndefined();
    expect(journal.runs).toBe(2);
    open2();
    await second;
    await timer.tick();
    expect(journal.runs).toBe(3);
    expect(r.resumed.map((e) => e.key)).toEqual(['m1', 'm2', 'm3']);
    expect(await journal.unfinished('discord')).toEqual([]);
    await sweep.stop();
    await close();
  });

  it('stop() cancels the timer, takes no more turns in the run in flight, and waits for it', async () => {
    const { journal, ledger, timer, r, leftRunning, close } = setup();
    const sweep = ledger.sweep(r.handlers);
    await sweep.first;
    await leftRunning('m1');
    const inFlight = timer.tick();
    await sweep.stop();
    await inFlight;
    expect(timer.cancelled).toBe(true);
    expect(r.resumed).toEqual([]);
    expect(timer.tick()).toBeUndefined();
    expect(journal.runs).toBe(2);
    expect((await journal.unfinished('discord')).map((e) => e.key)).toEqual(['m1']);

    // A run already resuming a turn: stop() resolves only once that turn has ended.
    const again = setup();
    await again.leftRunning('m2');
    const open = again.r.hold();
    const resumed = again.r.nextResume();
    const running = again.ledger.sweep(again.r.handlers);
    await resumed;
    let stopped = false;
    const stopping = running.stop().then(() => {
      stopped = true;
    });
    await again.journal.unfinished('discord');
    expect(stopped).toBe(false);
    open();
    await stopping;
    expect(await again.journal.unfinished('discord')).toEqual([]);
    await close();
    await again.close();
  });

  it('runs on setInterval by default every sweepMs, and only at start with sweepMs 0', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const path = join(mkdtempSync(join(tmpdir(), 'sweep-')), 'journal.db');
    const journal = new CountingJournal(path);
    const handlers = { resume: async () => {}, abandon: async () => {} };
    const sweep = new TurnLedger(journal, 'discord', { logger, sweepMs: 1_000 }).sweep(handlers);
    await sweep.first;
    await vi.advanceTimersByTimeAsync(999);
    expect(journal.runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(journal.runs).toBe(2);
    await sweep.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(journal.runs).toBe(2);

    const once = new TurnLedger(journal, 'discord', { logger, sweepMs: 0 }).sweep(handlers);
    await once.first;
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(journal.runs).toBe(3);
    await once.stop();
    await journal.close();
  });
});
