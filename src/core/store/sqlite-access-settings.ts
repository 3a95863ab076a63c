import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AccessSettings } from '../access/access-settings.js';
import { CachedAccessSettings } from '../access/cached-access-settings.js';

/**
 * {@link AccessSettings} in SQLite. Reads are cached in memory (checked on every message); writes go
 * through to the file at once, so a change survives a crash.
 */
export class SqliteAccessSettings extends CachedAccessSettings {
  private readonly db: Database.Database;
  private readonly put: Database.Statement<[string, string]>;
  private readonly drop: Database.Statement<[string]>;

  /** Opens (and creates) the settings at `path`; `:memory:` works for tests. */
  constructor(path: string) {
    super();
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS access_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    this.put = this.db.prepare('INSERT OR REPLACE INTO access_settings (key, value) VALUES (?, ?)');
    this.drop = this.db.prepare('DELETE FROM access_settings WHERE key = ?');
    const rows = this.db.prepare('SELECT key, value FROM access_settings').all() as {
      key: string;
      value: string;
    }[];
    for (const row of rows) this.values.set(row.key, row.value);
  }

  close(): void {
    this.db.close();
  }

  protected write(key: string, value: string | undefined): void {
    if (value === undefined) {
      this.drop.run(key);
      this.values.delete(key);
    } else {
      this.put.run(key, value);
      this.values.set(key, value);
    }
  }
}
