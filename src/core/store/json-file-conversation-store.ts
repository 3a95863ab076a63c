import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Conversation, Turn } from '../conversation.js';
import type { ConversationStore } from '../conversation-store.js';
import { LlmbindError } from '../errors.js';

const MediaRefSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  mime: z.string(),
  name: z.string(),
  size: z.number().int().nonnegative(),
  kind: z.enum(['image', 'video', 'audio', 'file']),
  producedBy: z.string().optional(),
});

const TurnSchema = z.object({
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  media: z.array(MediaRefSchema),
  messageId: z.string().optional(),
  authorId: z.string().optional(),
  createdAt: z.number(),
});

const ThreadFileSchema = z.object({ format: z.literal('llmbind-thread/1'), turns: z.array(TurnSchema) });

/**
 * One conversation in one JSON file: what `llmbind ask --thread FILE` keeps between calls. The file is
 * created on the first append and rewritten atomically (write + rename).
 */
export class JsonFileConversationStore implements ConversationStore {
  constructor(private readonly path: string) {}

  private read(): Turn[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const parsed = ThreadFileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new LlmbindError('bad_input', `${this.path} is not an llmbind thread file`, { path: this.path });
    }
    // zod's optional fields come back as `T | undefined`; drop the undefined ones for exact types.
    return parsed.data.turns.map((t) => JSON.parse(JSON.stringify(t)) as Turn);
  }

  async load(conversationId: string): Promise<Conversation> {
    return { id: conversationId, turns: this.read() };
  }

  async append(_conversationId: string, turn: Turn): Promise<void> {
    const turns = [...this.read(), turn];
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ format: 'llmbind-thread/1', turns }, null, 2)}\n`);
    renameSync(tmp, this.path);
  }

  async reset(): Promise<void> {
    writeFileSync(this.path, `${JSON.stringify({ format: 'llmbind-thread/1', turns: [] }, null, 2)}\n`);
  }

  async close(): Promise<void> {}
}
