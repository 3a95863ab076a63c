import type { Conversation, Turn } from './conversation.js';

/** Where conversations live. SQLite is the embedded default; the CLI's --thread uses a JSON file. */
export interface ConversationStore {
  /** Loads a conversation; an unknown id is an empty conversation. */
  load(conversationId: string): Promise<Conversation>;
  /** Appends one turn. */
  append(conversationId: string, turn: Turn): Promise<void>;
  /** Forgets a conversation (`/reset`). */
  reset(conversationId: string): Promise<void>;
  /** Releases handles. */
  close(): Promise<void>;
}
