import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AccessSettings } from '../access/access-settings.js';
import type { Platform } from '../message.js';

/**
 * {@link AccessSettings} in SQLite. Reads are cached in memory (checked on every message); writes go
 * through to the file at once, so a change survives a crash.
 */
export class SqliteAccessSettings implements AccessSettings {
  private readonly db: Database.Database;
  private readonly put: Database.Statement<[string, string]>;
  private readonly drop: Database.Statement<[string]>;
  private readonly values = new Map<string, string>();

  /** Opens (and creates) the settings at `path`; `:memory:` works for tests. */
  constructor(path: string) {
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

  dms(): boolean | undefined {
    const value = this.values.get('dms');
    return value === undefined ? undefined : value === 'on';
  }

  channelOff(platform: Platform, channelId: string): boolean {
    return this.values.has(channelKey(platform, channelId));
  }

  offChannels(platform: Platform): string[] {
    const prefix = channelKey(platform, '');
    return [...this.values.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  setDms(on: boolean): void {
    this.write('dms', on ? 'on' : 'off');
  }

  setChannel(platform: Platform, channelId: string, on: boolean): void {
    const key = channelKey(platform, channelId);
    if (on) {
      this.drop.run(key);
      this.values.delete(key);
    } else this.write(key, 'off');
  }

  close(): void {
    this.db.close();
  }

  private write(key: string, value: string): void {
    this.put.run(key, value);
    this.values.set(key, value);
  }
}

const channelKey = (platform: Platform, channelId: string): string => `channel:${platform}:${channelId}`;
