import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** Slack retries an event for a few minutes at most; ids older than this are forgotten. */
const KEEP_MS = 60 * 60 * 1000;

/**
 * Remembers seen event ids so that a Slack retry (same event_id, X-Slack-Retry-Num > 0) never produces
 * a second answer, even across a restart: Bolt does not de-duplicate. Kept in the adapter's SQLite file.
 */
export class EventDedupe {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, number]>;
  private readonly prune: Database.Statement<[number]>;
  private inserts = 0;

  constructor(
    path: string,
    private readonly now: () => number = Date.now,
  ) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS seen_events (id TEXT PRIMARY KEY, at INTEGER NOT NULL)');
    this.insert = this.db.prepare('INSERT OR IGNORE INTO seen_events (id, at) VALUES (?, ?)');
    this.prune = this.db.prepare('DELETE FROM seen_events WHERE at < ?');
  }

  /** Records `id`; returns false when it was seen before (a duplicate). */
  firstSighting(id: string): boolean {
    const now = this.now();
    if (++this.inserts % 1000 === 0) this.prune.run(now - KEEP_MS);
    return this.insert.run(id, now).changes === 1;
  }

  /** Closes the file. */
  close(): void {
    this.db.close();
  }
}
