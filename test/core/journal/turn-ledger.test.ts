import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../../src/core/journal/turn-journal.js';
import { TurnLedger } from '../../../src/core/journal/turn-ledger.js';
import { silentLogger } from '../../../src/core/logger.js';
import { SqliteTurnJournal } from '../../../src/core/store/sqlite-turn-journal.js';

const logger = silentLogger();

function ledger(journal = new SqliteTurnJournal(':memory:'), now = () => 1_000) {
  return { journal, ledger: new TurnLedger(journal, 'discord', { logger, now }) };
}

/** Collects what recovery did with each entry. */
function recorder() {
  const resumed: JournalEntry[] = [];
  const abandoned: JournalEntry[] = [];
  return {
    resumed,
    abandoned,
    handlers: {
      resume: async (e: JournalEntry) => void resumed.push(e),
      abandon: async (e: JournalEntry) => void abandoned.push(e),
    },
  };
}

describe('TurnLedger', () => {
  it('drops a redelivered event and never recovers a delivered turn', async () => {
    const { ledger: l, journal } = ledger();
    expect(await l.admit('m1', { channel: 'c1' })).toBe(true);
    expect(await l.admit('m1', { channel: 'c1' })).toBe(false);
    await l.attempt('m1', async () => {});
    expect(await journal.unfinished('discord')).toEqual([]);
    expect(await l.admit('m1', { channel: 'c1' })).toBe(false);
  });

  it('survives a reopen: queued turns run, a running one is retried once, then abandoned', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'journal-')), 'journal.db');
    const first = ledger(new SqliteTurnJournal(path));
    await first.ledger.admit('queued', { n: 1 });
    await first.ledger.admit('running', { n: 2 });
    // The process dies inside the attempt: the work never settles and the journal is left as it was.
    void first.ledger.attempt('running', () => new Promise(() => {}));
    await first.journal.close();

    const second = ledger(new SqliteTurnJournal(path));
    const r1 = recorder();
    expect(await second.ledger.recover(r1.handlers)).toEqual({ resumed: 2, abandoned: 0 });
    expect(r1.resumed.map((e) => [e.key, e.state, e.attempts, e.route])).toEqual([
      ['queued', 'received', 0, { n: 1 }],
      ['running', 'running', 1, { n: 2 }],
    ]);
    // The queued one completes now; the retried one dies again.
    await second.ledger.attempt('queued', async () => {});
    void second.ledger.attempt('running', () => new Promise(() => {}));
    await second.journal.close();

    const third = ledger(new SqliteTurnJournal(path));
    const r3 = recorder();
    expect(await third.ledger.recover(r3.handlers)).toEqual({ resumed: 0, abandoned: 1 });
    expect(r3.abandoned.map((e) => e.key)).toEqual(['running']);
    expect(await third.journal.unfinished('discord')).toEqual([]);
    await third.journal.close();
  });

  it('marks a turn whose work threw as failed, and keeps one cut by shutdown for the next start', async () => {
    const { ledger: l, journal } = ledger();
    await l.admit('bug', {});
    await expect(l.attempt('bug', async () => Promise.reject(new Error('boom')))).rejects.toThrow();
    const stopping = new AbortController();
    const s = new TurnLedger(journal, 'discord', { logger, stopping: stopping.signal });
    await s.admit('cut', {});
    await s.attempt('cut', async () => stopping.abort());
    const left = await journal.unfinished('discord');
    expect(left.map((e) => [e.key, e.state, e.attempts])).toEqual([['cut', 'received', 0]]);
  });

  it('fails a turn it cannot resume and prunes finished ones past retention', async () => {
    let now = 0;
    const path = join(mkdtempSync(join(tmpdir(), 'journal-')), 'journal.db');
    const journal = new SqliteTurnJournal(path);
    const l = new TurnLedger(journal, 'discord', { logger, now: () => now, retentionMs: 100 });
    await l.admit('old', {});
    await l.attempt('old', async () => {});
    await l.admit('gone', {});
    now = 1_000;
    // The next start: the turn this process admitted (and held) is free for recovery again.
    const restarted = new TurnLedger(new SqliteTurnJournal(path), 'discord', {
      logger,
      now: () => now,
      retentionMs: 100,
    });
    const result = await restarted.recover({
      resume: async () => Promise.reject(new Error('message deleted')),
      abandon: async () => {},
    });
    expect(result).toEqual({ resumed: 1, abandoned: 0 });
    expect(await journal.unfinished('discord')).toEqual([]);
    // `old` was pruned: its key is new again.
    expect(await l.admit('old', {})).toBe(true);
  });

  it('keeps platforms apart', async () => {
    const journal = new SqliteTurnJournal(':memory:');
    await new TurnLedger(journal, 'slack', { logger }).admit('e1', {});
    expect(await journal.unfinished('discord')).toEqual([]);
    expect((await journal.unfinished('slack')).map((e) => e.key)).toEqual(['e1']);
  });
});
