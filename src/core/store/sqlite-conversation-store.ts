import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Conversation, MediaRef, Turn } from '../conversation.js';
import type { ConversationStore } from '../conversation-store.js';

interface TurnRow {
  role: 'user' | 'assistant';
  text: string;
  media: string;
  message_id: string | null;
  author_id: string | null;
  created_at: number;
}

/** The embedded default store: one SQLite file (WAL) in the data dir. */
export class SqliteConversationStore implements ConversationStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly select: Database.Statement<[string], TurnRow>;
  private readonly remove: Database.Statement;

  /** Opens (and creates) the database at `path`; `:memory:` works for tests. */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS turns (
      conversation_id TEXT NOT NULL,
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
      text TEXT NOT NULL,
      media TEXT NOT NULL,
      message_id TEXT,
      author_id TEXT,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS turns_by_conversation ON turns (conversation_id, seq);`);
    this.insert = this.db.prepare(
      'INSERT INTO turns (conversation_id, role, text, media, message_id, author_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.select = this.db.prepare(
      'SELECT role, text, media, message_id, author_id, created_at FROM turns WHERE conversation_id = ? ORDER BY seq',
    );
    this.remove = this.db.prepare('DELETE FROM turns WHERE conversation_id = ?');
  }

  async load(conversationId: string): Promise<Conversation> {
    const turns = this.select.all(conversationId).map(
      (row): Turn => ({
        role: row.role,
        text: row.text,
        media: JSON.parse(row.media) as MediaRef[],
        createdAt: row.created_at,
        ...(row.message_id === null ? {} : { messageId: row.message_id }),
        ...(row.author_id === null ? {} : { authorId: row.author_id }),
      }),
    );
    return { id: conversationId, turns };
  }

  async append(conversationId: string, turn: Turn): Promise<void> {
    this.insert.run(
      conversationId,
      turn.role,
      turn.text,
      JSON.stringify(turn.media),
      turn.messageId ?? null,
      turn.authorId ?? null,
      turn.createdAt,
    );
  }

  async reset(conversationId: string): Promise<void> {
    this.remove.run(conversationId);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
