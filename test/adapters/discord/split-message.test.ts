import { describe, expect, it } from 'vitest';
import { decodeCustomId, encodeCustomId } from '../../../src/adapters/discord/custom-ids.js';
import { splitMessage } from '../../../src/adapters/discord/split-message.js';

describe('splitMessage', () => {
  it('keeps short text whole and drops empty text', () => {
    expect(splitMessage('hello')).toEqual(['hello']);
    expect(splitMessage('   ')).toEqual([]);
  });

  it('prefers paragraph breaks over sentence ends', () => {
    const a = 'a'.repeat(1200);
    const b = `${'b'.repeat(500)}. ${'c'.repeat(700)}`;
    expect(splitMessage(`${a}\n\n${b}`)).toEqual([a, b]);
  });

  it('closes and reopens a code block cut in two, each part within the limit', () => {
    const code = Array.from({ length: 300 }, (_, i) => `  const x${i} = ${i};`).join('\n');
    const parts = splitMessage(`Here:\n\`\`\`ts\n${code}\n\`\`\`\nDone.`);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(2000);
      expect((part.match(/```/g) ?? []).length % 2).toBe(0);
    }
    expect(parts[1]?.startsWith('```ts\n  const')).toBe(true);
    expect(parts.at(-1)?.endsWith('Done.')).toBe(true);
  });

  it('hard-cuts text with no boundary at all', () => {
    const parts = splitMessage('x'.repeat(4500));
    expect(parts.map((p) => p.length)).toEqual([1996, 1996, 508]);
  });
});

describe('custom ids', () => {
  it('round-trips and refuses foreign ids', () => {
    const id = 'f'.repeat(64);
    expect(decodeCustomId(encodeCustomId('regen', id))).toEqual({
      action: 'regen',
      mediaId: id,
      modal: false,
    });
    expect(decodeCustomId(encodeCustomId('edit', id, true))).toEqual({
      action: 'edit',
      mediaId: id,
      modal: true,
    });
    expect(encodeCustomId('regen', id).length).toBeLessThanOrEqual(100);
    expect(decodeCustomId('other:v1:regen:abc')).toBeUndefined();
    expect(decodeCustomId(`llmbind:v1:delete:${id}`)).toBeUndefined();
  });
});
