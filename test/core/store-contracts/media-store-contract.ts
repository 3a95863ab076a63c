import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MediaRef } from '../../../src/core/conversation.js';
import { LlmbindError } from '../../../src/core/errors.js';
import type { MediaStore } from '../../../src/core/media-store.js';

/**
 * One behaviour for every MediaStore that frontends share: `make` gives two stores of one bot (two
 * handles on one media dir, or two Redis connections) over fresh, empty data.
 */
export type MakeMediaStores = () => Promise<readonly [MediaStore, MediaStore]>;

const bytesOf = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Registers the shared MediaStore behaviour for the implementation `make` builds. */
export function describeMediaStoreContract(name: string, make: MakeMediaStores): void {
  describe(`${name} (shared media store contract)`, () => {
    it('gives back the bytes it was given, under their sha256, with the ref fields filled in', async () => {
      const [a] = await make();
      // Every byte value, so no text encoding can sneak in.
      const bytes = new Uint8Array(Array.from({ length: 512 }, (_, i) => i % 256));
      const ref = await a.put(bytes, { mime: 'image/png', name: 'cat.png', producedBy: 'image_generation' });
      expect(ref).toEqual({
        sha256: sha(bytes),
        mime: 'image/png',
        name: 'cat.png',
        size: 512,
        kind: 'image',
        producedBy: 'image_generation',
      });
      expect(Buffer.from(await a.get(ref)).equals(Buffer.from(bytes))).toBe(true);
      const upload = await a.put(bytesOf('a user clip'), { mime: 'video/mp4', name: 'clip.mp4' });
      expect(upload.kind).toBe('video');
      expect('producedBy' in upload).toBe(false);
    });

    it('is idempotent: the same bytes twice give one sha256 and stay readable', async () => {
      const [a] = await make();
      const bytes = bytesOf('same bytes');
      // At once: two turns can store the same bytes in the same millisecond.
      const [first, second] = await Promise.all([
        a.put(bytes, { mime: 'image/png', name: 'one.png' }),
        a.put(bytes, { mime: 'image/png', name: 'two.png' }),
      ]);
      expect(first.sha256).toBe(second.sha256);
      expect(second.name).toBe('two.png');
      expect(Buffer.from(await a.get(first)).toString('utf8')).toBe('same bytes');
    });

    it('fails an unknown ref with bad_input naming the sha256', async () => {
      const [a] = await make();
      const ref: MediaRef = {
        sha256: 'cd'.repeat(32),
        mime: 'image/png',
        name: 'x.png',
        size: 1,
        kind: 'image',
      };
      const failure = await a.get(ref).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(LlmbindError);
      expect((failure as LlmbindError).code).toBe('bad_input');
      expect((failure as LlmbindError).details).toEqual({ sha256: 'cd'.repeat(32) });
    });

    it('two frontends read each other’s media', async () => {
      const [a, b] = await make();
      const fromA = await a.put(bytesOf('made on A'), { mime: 'image/png', name: 'a.png' });
      const fromB = await b.put(bytesOf('made on B'), { mime: 'image/jpeg', name: 'b.jpg' });
      expect(Buffer.from(await b.get(fromA)).toString('utf8')).toBe('made on A');
      expect(Buffer.from(await a.get(fromB)).toString('utf8')).toBe('made on B');
    });
  });
}
