import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { isTaskKind, type TaskKind } from '../../engine/protocol/task-kind.js';

/** How a posted media was made: what its buttons need after a restart. */
export interface MediaOrigin {
  readonly mediaId: string;
  readonly kind: TaskKind;
  readonly prompt: string;
  readonly conversationId: string;
}

/**
 * The adapter's own small SQLite state: media origins (for buttons), which conversation a bot
 * message belongs to (reply chains outside threads), and which threads' history the bot knows. Kept here until the core can answer these.
 */
export class DiscordState {
  private readonly db: Database.Database;

  /** Opens (and creates) the database; `:memory:` for tests that need no restart. */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS media_origin (
      media_id TEXT PRIMARY KEY, kind TEXT NOT NULL, prompt TEXT NOT NULL, conversation_id TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS message_conversation (
      message_id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS known_thread (thread_id TEXT PRIMARY KEY);`);
  }

  /** Records (or updates) how a media was made. */
  rememberMedia(origin: MediaOrigin): void {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO media_origin (media_id, kind, prompt, conversation_id) VALUES (?, ?, ?, ?)',
      )
      .run(origin.mediaId, origin.kind, origin.prompt, origin.conversationId);
  }

  /** How a media was made, if this bot made it. */
  mediaOrigin(mediaId: string): MediaOrigin | undefined {
    const row = this.db
      .prepare('SELECT kind, prompt, conversation_id FROM media_origin WHERE media_id = ?')
      .get(mediaId) as { kind: string; prompt: string; conversation_id: string } | undefined;
    if (!row || !isTaskKind(row.kind)) return undefined;
    return { mediaId, kind: row.kind, prompt: row.prompt, conversationId: row.conversation_id };
  }

  /** Records that a bot message belongs to a conversation. */
  rememberMessage(messageId: string, conversationId: string): void {
    this.db
      .prepare('INSERT OR REPLACE INTO message_conversation (message_id, conversation_id) VALUES (?, ?)')
      .run(messageId, conversationId);
  }

  /** The conversation a bot message belongs to. */
  conversationOf(messageId: string): string | undefined {
    const row = this.db
      .prepare('SELECT conversation_id FROM message_conversation WHERE message_id = ?')
      .get(messageId) as { conversation_id: string } | undefined;
    return row?.conversation_id;
  }

  /**
   * Records that the bot knows a thread's history (it opened the thread, or read it once). Returns
   * whether this call was the first, so a history is read at most once, across restarts too.
   */
  claimThread(threadId: string): boolean {
    return (
      this.db.prepare('INSERT OR IGNORE INTO known_thread (thread_id) VALUES (?)').run(threadId).changes > 0
    );
  }

  /** Forgets a claim (its history read failed before anything was stored, so it may be tried again). */
  releaseThread(threadId: string): void {
    this.db.prepare('DELETE FROM known_thread WHERE thread_id = ?').run(threadId);
  }

  close(): void {
    this.db.close();
  }
}
