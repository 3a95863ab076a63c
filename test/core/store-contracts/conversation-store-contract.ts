import { describe, expect, it } from 'vitest';
import type { Turn } from '../../../src/core/conversation.js';
import type { ConversationStore } from '../../../src/core/conversation-store.js';

/**
 * One behaviour for every ConversationStore that frontends share: `make` gives two stores of one bot
 * (two handles on one SQLite file, or two Redis connections) over fresh, empty data.
 */
export type MakeConversationStores = () => Promise<readonly [ConversationStore, ConversationStore]>;

const image = {
  sha256: 'ab'.repeat(32),
  mime: 'image/png',
  name: 'cat.png',
  size: 42,
  kind: 'image',
} as const;
const user = (text: string, createdAt: number): Turn => ({
  role: 'user',
  text,
  media: [],
  createdAt,
  messageId: `m-${text}`,
  authorId: 'U1',
});
const assistant = (text: string, createdAt: number): Turn => ({
  role: 'assistant',
  text,
  media: [{ ...image, producedBy: 'image_generation' }],
  createdAt,
});

/** Registers the shared ConversationStore behaviour for the implementation `make` builds. */
export function describeConversationStoreContract(name: string, make: MakeConversationStores): void {
  describe(`${name} (shared conversation store contract)`, () => {
    it('loads what was appended, field for field and in order; an unknown id is empty', async () => {
      const [a] = await make();
      expect(await a.load('nobody')).toEqual({ id: 'nobody', turns: [] });
      const turns = [user('draw a cat <gen>not a task</gen>', 1), assistant('<gen>a cat</gen>', 2)];
      for (const turn of turns) await a.append('slack:C1:1.0', turn);
      const loaded = await a.load('slack:C1:1.0');
      expect(loaded).toEqual({ id: 'slack:C1:1.0', turns });
      // Absent optional fields stay absent (not null or undefined keys).
      expect(Object.keys(loaded.turns[1] ?? {}).sort()).toEqual(['createdAt', 'media', 'role', 'text']);
    });

    it('keeps conversations apart and forgets one on reset', async () => {
      const [a] = await make();
      await a.append('c1', user('one', 1));
      await a.append('c2', user('two', 2));
      await a.reset('c1');
      expect((await a.load('c1')).turns).toEqual([]);
      expect((await a.load('c2')).turns).toEqual([user('two', 2)]);
      await a.append('c1', user('again', 3));
      expect((await a.load('c1')).turns).toEqual([user('again', 3)]);
    });

    it('two frontends read each other’s turns, and a reset on one is seen by the other', async () => {
      const [a, b] = await make();
      await a.append('thread', user('hi', 1));
      await b.append('thread', assistant('hello', 2));
      await a.append('thread', user('more', 3));
      const expected = [user('hi', 1), assistant('hello', 2), user('more', 3)];
      expect((await b.load('thread')).turns).toEqual(expected);
      expect((await a.load('thread')).turns).toEqual(expected);
      await b.reset('thread');
      expect((await a.load('thread')).turns).toEqual([]);
    });

    it('keeps every turn two frontends append at once', async () => {
      const [a, b] = await make();
      const turns = Array.from({ length: 30 }, (_, i) => user(`t${i}`, i));
      await Promise.all(turns.map((t, i) => (i % 2 === 0 ? a : b).append('busy', t)));
      const loaded = (await b.load('busy')).turns;
      expect(loaded).toHaveLength(30);
      expect([...loaded].sort((x, y) => x.createdAt - y.createdAt)).toEqual(turns);
    });
  });
}
