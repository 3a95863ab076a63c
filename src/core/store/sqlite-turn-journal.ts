import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { JournalEntry, JournalState, JsonValue, TurnJournal } from '../journal/turn-journal.js';
import type { Platform } from '../message.js';

interface Row {
  key: string;
  platform: Platform;
  route: string;
  state: JournalState;
  attempts: number;
  received_at: number;
}

/**
 * The embedded {@link TurnJournal}: one SQLite table. Each write is its own transaction and SQLite in WAL
 * mode with `synchronous = NORMAL` survives a killed process (only a power loss may drop the last writes).
 * One process owns the file, so the turns it holds (see {@link TurnJournal.claim}) are kept in memory:
 * a process that dies holds nothing, and its successor claims every unfinished turn.
 */
export class SqliteTurnJournal implements TurnJournal {
  private readonly db: Database.Database;
  private readonly statements;
  /** Turns this process recorded, started or claimed and has not finished or suspended. */
  private readonly held = new Set<string>();

  /** Opens (and creates) the journal at `path`; `:memory:` works for tests. */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS turn_journal (
      key TEXT PRIMARY KEY,
      platform TEXT NOT NULL,
      route TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('received', 'running', 'done', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0,
      received_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS turn_journal_open ON turn_journal (platform, state, received_at);`);
    this.statements = {
      insert: this.db.prepare(
        `INSERT INTO turn_journal (key, platform, route, state, received_at) VALUES (?, ?, ?, 'received', ?)
         ON CONFLICT (key) DO NOTHING`,
      ),
      start: this.db.prepare<[string], { attempts: number }>(
        `UPDATE turn_journal SET state = 'running', attempts = attempts + 1 WHERE key = ? RETURNING attempts`,
      ),
      finish: this.db.prepare('UPDATE turn_journal SET state = ? WHERE key = ?'),
      update: this.db.prepare('UPDATE turn_journal SET route = ? WHERE key = ?'),
      suspend: this.db.prepare(
        `UPDATE turn_journal SET state = 'received', attempts = MAX(attempts - 1, 0)
         WHERE key = ? AND state = 'running'`,
      ),
      unfinished: this.db.prepare<[string], Row>(
        `SELECT * FROM turn_journal WHERE platform = ? AND state IN ('received', 'running')
         ORDER BY received_at, rowid`,
      ),
      open: this.db.prepare<[string], { n: number }>(
        `SELECT 1 AS n FROM turn_journal WHERE key = ? AND state IN ('received', 'running')`,
      ),
      prune: this.db.prepare(
        `DELETE FROM turn_journal WHERE state IN ('done', 'failed') AND received_at < ?`,
      ),
    };
  }

  async record(entry: {
    key: string;
    platform: Platform;
    route: JsonValue;
    receivedAt: number;
  }): Promise<boolean> {
    const { changes } = this.statements.insert.run(
      entry.key,
      entry.platform,
      JSON.stringify(entry.route),
      entry.receivedAt,
    );
    if (changes === 1) this.held.add(entry.key);
    return changes === 1;
  }

  async update(key: string, route: JsonValue): Promise<void> {
    this.statements.update.run(JSON.stringify(route), key);
  }

  async start(key: string): Promise<number> {
    const row = this.statements.start.get(key);
    if (!row) throw new Error(`turn ${key} was never recorded`);
    this.held.add(key);
    return row.attempts;
  }

  async finish(key: string, state: 'done' | 'failed'): Promise<void> {
    this.statements.finish.run(state, key);
    this.held.delete(key);
  }

  async suspend(key: string): Promise<void> {
    this.statements.suspend.run(key);
    this.held.delete(key);
  }

  async claim(key: string): Promise<boolean> {
    if (this.held.has(key) || !this.statements.open.get(key)) return false;
    this.held.add(key);
    return true;
  }

  async unfinished(platform: Platform): Promise<JournalEntry[]> {
    return this.statements.unfinished.all(platform).map((row) => ({
      key: row.key,
      platform: row.platform,
      route: JSON.parse(row.route) as JsonValue,
      state: row.state,
      attempts: row.attempts,
      receivedAt: row.received_at,
    }));
  }

  async prune(before: number): Promise<number> {
    return this.statements.prune.run(before).changes;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
