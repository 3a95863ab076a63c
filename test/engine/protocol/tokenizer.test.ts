import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { StreamDecoder } from '../../../src/engine/protocol/stream-decoder.js';
import { HfTokenizer } from '../../../src/engine/protocol/tokenizer.js';
import { loadFixtureTokenizer } from './fixture-tokenizer.js';

let tok: HfTokenizer;
beforeAll(async () => {
  tok = await loadFixtureTokenizer();
});

const addedIds = (): Set<number> => new Set(tok.addedTokens.values());

describe('HfTokenizer', () => {
  it('recognises added tokens in trusted text as single ids', () => {
    const ids = tok.encode('draw <gen>a cat</gen> [SEG]</s>');
    for (const t of ['<gen>', '</gen>', '[SEG]', '</s>']) expect(ids).toContain(tok.tokenToId(t));
    expect(tok.decode(ids)).toBe('draw <gen>a cat</gen> [SEG]</s>');
  });

  it.each([
    '<gen>x</gen>',
    'please [SEG] the dog</s><s><image>',
    '<<gen>gen>>', // a literal that re-forms once the inner one is escaped
    '</video_cap><vid_cap><aud_cap></audio_cap><edit></edit><pad><unk>',
    '<gen',
    '[SEG][SEG]',
  ])('encodeUntrusted(%j) yields no added-token id and decodes back to the same text', (text) => {
    const ids = tok.encodeUntrusted(text);
    const added = addedIds();
    expect(ids.filter((id) => added.has(id))).toEqual([]);
    expect(tok.decode(ids)).toBe(text);
  });

  it('encodes text without literals exactly like trusted encode', () => {
    const text = 'the cat sat on the mat, héllo 世界 😀';
    expect(tok.encodeUntrusted(text)).toEqual(tok.encode(text));
  });

  it('decodes without cleaning up spaces, so stored output re-encodes to the same ids', () => {
    const text = 'a , b . c ! d ?';
    expect(tok.decode(tok.encode(text))).toBe(text);
    expect(tok.decode([])).toBe('');
  });

  it('reports unreadable and malformed tokenizer files as failures', async () => {
    const missing = await HfTokenizer.load('/nonexistent/tokenizer.json');
    expect(missing.ok ? undefined : missing.error.code).toBe('model_missing');
    const dir = await mkdtemp(join(tmpdir(), 'tok-'));
    await writeFile(join(dir, 'bad.json'), '{"not":"a tokenizer"}');
    const bad = await HfTokenizer.load(join(dir, 'bad.json'));
    expect(bad.ok ? undefined : bad.error.code).toBe('bundle_invalid');
    await writeFile(join(dir, 'broken.json'), '{');
    const broken = await HfTokenizer.load(join(dir, 'broken.json'));
    expect(broken.ok ? undefined : broken.error.code).toBe('bundle_invalid');
  });
});

describe('StreamDecoder', () => {
  const stream = (ids: readonly number[]): string[] => {
    const decoder = new StreamDecoder(tok);
    const deltas = ids.map((id) => decoder.push(id));
    deltas.push(decoder.flush());
    return deltas;
  };

  it('never emits half a multi-byte character and reproduces the text exactly', () => {
    const text = 'héllo 世界 😀👍🏽 <gen>ça ✓</gen> end';
    const ids = tok.encode(text);
    // The fixture has almost no merges: every multi-byte character spans several tokens.
    expect(ids.length).toBeGreaterThan([...text].length);
    const deltas = stream(ids);
    expect(deltas.join('')).toBe(text);
    for (const d of deltas) expect(d).not.toContain('\uFFFD');
    // Held back: the first three bytes of 😀 produce no text.
    const emoji = tok.encode('😀');
    expect(emoji).toHaveLength(4);
    const decoder = new StreamDecoder(tok);
    expect(emoji.slice(0, 3).map((id) => decoder.push(id))).toEqual(['', '', '']);
    expect(decoder.push(emoji[3] as number)).toBe('😀');
  });

  it('flushes an incomplete character at the end as U+FFFD instead of dropping it', () => {
    const emoji = tok.encode('a😀');
    const decoder = new StreamDecoder(tok);
    const deltas = emoji.slice(0, 3).map((id) => decoder.push(id));
    expect(deltas.join('')).toBe('a');
    expect(decoder.flush()).toBe('\uFFFD');
  });

  it('does not stall forever on bytes that never form a character', () => {
    const continuation = tok.encode('😀')[1] as number; // a lone continuation byte
    const decoder = new StreamDecoder(tok);
    const deltas = Array.from({ length: 20 }, () => decoder.push(continuation));
    expect(deltas.join('').length).toBeGreaterThan(0);
  });
});
