import { describe, expect, it } from 'vitest';
import type { JournalEntry, TurnJournal } from '../../../src/core/journal/turn-journal.js';
import { TurnLedger } from '../../../src/core/journal/turn-ledger.js';
import { silentLogger } from '../../../src/core/logger.js';

/**
 * One behaviour for every TurnJournal: SQLite (one process per data dir) and Redis (several frontends,
 * each on its own connection). Each test builds a fresh harness: a new file, or a new key prefix.
 */
export interface JournalHarness {
  /** One frontend process of the bot (SQLite: on the shared file; Redis: its own connection). */
  open(): Promise<TurnJournal>;
  /** Two live frontends of one bot. SQLite's are one instance: it supports one process per data dir. */
  pair(): Promise<readonly [TurnJournal, TurnJournal]>;
  /** kill -9: nothing is let go or renewed, and the time its holds last (if any) passes. */
  crash(journal: TurnJournal): Promise<void>;
  /** kill -9 and an immediate restart of the same frontend (same data dir, host and identity). */
  restart(journal: TurnJournal): Promise<TurnJournal>;
}

const logger = silentLogger();
const route = (n: number) => ({ channel: 'c1', n });
const entry = (key: string, receivedAt: number, platform: 'discord' | 'slack' = 'discord') => ({
  key,
  platform,
  route: route(receivedAt),
  receivedAt,
});
const ledger = (journal: TurnJournal) => new TurnLedger(journal, 'discord', { logger, now: () => 10 });

/** An attempt whose work never settles (the process dies in it); resolves once it is running. */
async function dieInside(l: TurnLedger, key: string): Promise<void> {
  await new Promise<void>((running) => {
    void l.attempt(key, () => {
      running();
      return new Promise(() => {});
    });
  });
}

/**
 * Recovery whose resumes run the turn to the end through the ledger, as the adapters do, once `gate`
 * opens (until then the turns stay unfinished, so another recovery sees them open).
 */
function recorder(l: TurnLedger, gate: Promise<unknown> = Promise.resolve()) {
  const resumed: string[] = [];
  const abandoned: string[] = [];
  const handlers = {
    resume: async (e: JournalEntry) => {
      resumed.push(e.key);
      await gate;
      await l.attempt(e.key, async () => {});
    },
    abandon: async (e: JournalEntry) => {
      abandoned.push(e.key);
      await gate;
    },
  };
  return { resumed, abandoned, handlers };
}

const keys = (entries: readonly JournalEntry[]) => entries.map((e) => e.key);

/** The journal, with a promise that resolves once `n` of its claims were answered. */
function watchClaims(journal: TurnJournal, n: number): { journal: TurnJournal; claimed: Promise<void> } {
  let answered = 0;
  let done = () => {};
  const claimed = new Promise<void>((resolve) => {
    done = resolve;
  });
  const watched: TurnJournal = {
    record: (e) => journal.record(e),
    update: (key, r) => journal.update(key, r),
    start: (key) => journal.start(key),
    finish: (key, state) => journal.finish(key, state),
    suspend: (key) => journal.suspend(key),
    claim: async (key) => {
      const won = await journal.claim(key);
      answered += 1;
      if (answered === n) done();
      return won;
    },
    unfinished: (platform) => journal.unfinished(platform),
    prune: (before) => journal.prune(before),
    close: () => journal.close(),
  };
  return { journal: watched, claimed };
}

/** Registers the shared TurnJournal behaviour for the implementation `make` builds. */
export function describeTurnJournalContract(name: string, make: () => Promise<JournalHarness>): void {
  describe(`${name} (shared turn journal contract)`, () => {
    it('records an event once, lists unfinished turns oldest first per platform, and counts attempts', async () => {
      const j = await (await make()).open();
      expect(await j.record(entry('late', 30))).toBe(true);
      expect(await j.record(entry('b-same-ms', 20))).toBe(true);
      expect(await j.record(entry('a-same-ms', 20))).toBe(true);
      expect(await j.record(entry('other', 5, 'slack'))).toBe(true);
      expect(await j.record(entry('late', 99))).toBe(false);
      // Same millisecond: in the order they were recorded.
      expect(keys(await j.unfinished('discord'))).toEqual(['b-same-ms', 'a-same-ms', 'late']);
      expect(keys(await j.unfinished('slack'))).toEqual(['other']);
      expect(await j.start('late')).toBe(1);
      await j.suspend('late');
      expect(await j.start('late')).toBe(1);
      expect(await j.start('late')).toBe(2);
      await j.update('late', { channel: 'c1', posted: ['p1'] });
      const [late] = (await j.unfinished('discord')).filter((e) => e.key === 'late');
      expect(late).toEqual({
        key: 'late',
        platform: 'discord',
        route: { channel: 'c1', posted: ['p1'] },
        state: 'running',
        attempts: 2,
        receivedAt: 30,
      });
      await j.finish('late', 'done');
      await j.finish('a-same-ms', 'failed');
      expect(keys(await j.unfinished('discord'))).toEqual(['b-same-ms']);
      expect(await j.record(entry('late', 31))).toBe(false);
      await expect(j.start('never-recorded')).rejects.toThrow(/never recorded/);
      await j.close();
    });

    it('prunes finished turns received before the cut, never unfinished ones', async () => {
      const j = await (await make()).open();
      for (const [key, at] of [
        ['old-done', 1],
        ['old-failed', 2],
        ['old-open', 3],
        ['new-done', 50],
      ] as const)
        await j.record(entry(key, at));
      await j.finish('old-done', 'done');
      await j.finish('old-failed', 'failed');
      await j.finish('new-done', 'done');
      expect(await j.prune(50)).toBe(2);
      expect(await j.prune(50)).toBe(0);
      expect(keys(await j.unfinished('discord'))).toEqual(['old-open']);
      // A pruned key is new again; one kept is still a redelivery.
      expect(await j.record(entry('old-done', 60))).toBe(true);
      expect(await j.record(entry('new-done', 60))).toBe(false);
      await j.close();
    });

    it('two frontends recording the same events at once: exactly one records each', async () => {
      const [a, b] = await (await make()).pair();
      const events = Array.from({ length: 20 }, (_, i) => entry(`evt-${i}`, i));
      const results = await Promise.all(events.flatMap((e) => [a.record(e), b.record(e)]));
      for (let i = 0; i < events.length; i++)
        expect([results[2 * i], results[2 * i + 1]].filter(Boolean), `evt-${i}`).toHaveLength(1);
      expect(keys(await b.unfinished('discord'))).toEqual(events.map((e) => e.key));
    });

    it('two frontends recovering what a crashed one left: each turn resumed or abandoned exactly once', async () => {
      const harness = await make();
      const dead = await harness.open();
      const d = ledger(dead);
      for (const key of ['q1', 'q2', 'q3', 'q4']) await d.admit(key, route(1));
      await d.admit('running', route(2));
      await dieInside(d, 'running');
      await d.admit('twice', route(3));
      await dead.start('twice');
      await dieInside(d, 'twice');
      await harness.crash(dead);

      const [first, second] = await harness.pair();
      // No turn ends before both recoveries have claimed all six: each sees every turn still open.
      const wa = watchClaims(first, 6);
      const wb = watchClaims(second, 6);
      const bothClaimed = Promise.all([wa.claimed, wb.claimed]);
      const [a, la, lb] = [wa.journal, ledger(wa.journal), ledger(wb.journal)];
      const ra = recorder(la, bothClaimed);
      const rb = recorder(lb, bothClaimed);
      const [sa, sb] = await Promise.all([la.recover(ra.handlers), lb.recover(rb.handlers)]);
      expect([...ra.resumed, ...rb.resumed].sort()).toEqual(['q1', 'q2', 'q3', 'q4', 'running']);
      expect([...ra.abandoned, ...rb.abandoned]).toEqual(['twice']);
      expect(sa.resumed + sb.resumed).toBe(5);
      expect(sa.abandoned + sb.abandoned).toBe(1);
      expect(await a.unfinished('discord')).toEqual([]);
      // Nothing is left to recover a second time.
      const again = recorder(la);
      expect(await la.recover(again.handlers)).toEqual({ resumed: 0, abandoned: 0 });
    });

    it('never recovers turns a live frontend holds; takes them once it crashed', async () => {
      const harness = await make();
      const [live, other] = await harness.pair();
      const l = ledger(live);
      await l.admit('queued', route(1));
      await l.admit('running', route(2));
      await dieInside(l, 'running');
      const early = recorder(ledger(other));
      expect(await ledger(other).recover(early.handlers)).toEqual({ resumed: 0, abandoned: 0 });
      expect(keys(await other.unfinished('discord'))).toEqual(['queued', 'running']);

      await harness.crash(live);
      const [next] = await harness.pair();
      const late = recorder(ledger(next));
      expect(await ledger(next).recover(late.handlers)).toEqual({ resumed: 2, abandoned: 0 });
      expect(late.resumed).toEqual(['queued', 'running']);
    });

    it('a frontend restarted after a crash takes its own unfinished turns back at once', async () => {
      const harness = await make();
      const first = await harness.open();
      const l = ledger(first);
      await l.admit('queued', route(1));
      await l.admit('running', route(2));
      await dieInside(l, 'running');
      const restarted = await harness.restart(first);
      const r = recorder(ledger(restarted));
      expect(await ledger(restarted).recover(r.handlers)).toEqual({ resumed: 2, abandoned: 0 });
      expect(await restarted.unfinished('discord')).toEqual([]);
    });

    it('claims only unfinished turns, and each once per holder', async () => {
      const [a, b] = await (await make()).pair();
      await a.record(entry('done', 1));
      await a.finish('done', 'done');
      await a.record(entry('open', 2));
      expect(await b.claim('done')).toBe(false);
      expect(await b.claim('unknown')).toBe(false);
      // `a` recorded it and still holds it.
      expect(await b.claim('open')).toBe(false);
      await a.start('open');
      await a.suspend('open');
      // Suspended (graceful shutdown): let go, so one claim wins.
      expect([await b.claim('open'), await a.claim('open')].filter(Boolean)).toHaveLength(1);
    });
  });
}
