import { describe, expect, it } from 'vitest';
import type { ButtonRecord, ButtonStoreLike } from '../../../src/adapters/slack/button-store.js';

/**
 * One behaviour for every Slack button store frontends share: `make` gives two stores of one bot (two
 * handles on one SQLite file, or two Redis connections) over fresh, empty data.
 */
export type MakeButtonStores = () => Promise<readonly [ButtonStoreLike, ButtonStoreLike]>;

const record = (id: string, prompt: string, threadTs?: string): ButtonRecord => ({
  id,
  mediaId: 'ab'.repeat(32),
  kind: 'image_generation',
  prompt,
  conversationId: 'slack:T1:C1:1.0',
  channel: 'C1',
  ...(threadTs ? { threadTs } : {}),
  ref: {
    sha256: 'ab'.repeat(32),
    mime: 'image/png',
    name: 'cat.png',
    size: 42,
    kind: 'image',
    producedBy: 'image_generation',
  },
});

/** Registers the shared button store behaviour for the implementation `make` builds. */
export function describeButtonStoreContract(name: string, make: MakeButtonStores): void {
  describe(`${name} (shared button store contract)`, () => {
    it('gives back what was saved, field for field; an unknown id is undefined', async () => {
      const [a] = await make();
      expect(await a.get('nobody')).toBeUndefined();
      const withThread = record('b1', 'a cat <gen>literal</gen> 🐱', '1.0');
      const withoutThread = record('b2', 'a dog');
      await a.save(withThread);
      await a.save(withoutThread);
      expect(await a.get('b1')).toEqual(withThread);
      const loaded = await a.get('b2');
      expect(loaded).toEqual(withoutThread);
      // An absent threadTs stays absent (not null).
      expect(loaded && 'threadTs' in loaded).toBe(false);
    });

    it('replaces a record saved again under the same id and keeps others apart', async () => {
      const [a] = await make();
      await a.save(record('b1', 'first'));
      await a.save(record('b2', 'other'));
      await a.save(record('b1', 'second'));
      expect((await a.get('b1'))?.prompt).toBe('second');
      expect((await a.get('b2'))?.prompt).toBe('other');
    });

    it('a click on one frontend finds the buttons another frontend posted', async () => {
      const [a, b] = await make();
      const saved = Array.from({ length: 10 }, (_, i) => record(`x${i}`, `prompt ${i}`));
      await Promise.all(saved.map((r, i) => (i % 2 === 0 ? a : b).save(r)));
      for (const [i, r] of saved.entries()) expect(await (i % 2 === 0 ? b : a).get(r.id)).toEqual(r);
    });
  });
}
