import { beforeAll, describe, expect, it } from 'vitest';
import type { TaskTokens } from '../../../src/engine/bundle/manifest.js';
import type { ParsedEvent } from '../../../src/engine/protocol/parsed-event.js';
import { StreamDecoder } from '../../../src/engine/protocol/stream-decoder.js';
import { TaskStreamParser } from '../../../src/engine/protocol/task-parser.js';
import {
  DEFAULT_TASK_TOKENS,
  type TaskTag,
  taskTagIds,
  taskTagsOf,
} from '../../../src/engine/protocol/task-tags.js';
import type { HfTokenizer } from '../../../src/engine/protocol/tokenizer.js';
import { loadFixtureTokenizer } from './fixture-tokenizer.js';

const unwrap = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const TAGS = unwrap(taskTagsOf(DEFAULT_TASK_TOKENS));
let tok: HfTokenizer;
let tagIds: ReadonlyMap<number, TaskTag>;
beforeAll(async () => {
  tok = await loadFixtureTokenizer();
  tagIds = unwrap(taskTagIds(TAGS, tok));
});

/** Summarises a stream: visible text, and each call/warning with the visible text length when it came. */
function summarise(events: readonly ParsedEvent[]) {
  let text = '';
  const calls: { kind: string; prompt: string; index: number; at: number }[] = [];
  const warnings: { kind: string; prompt: string; at: number }[] = [];
  for (const e of events) {
    if (e.type === 'text') text += e.delta;
    else if (e.type === 'task')
      calls.push({ kind: e.call.kind, prompt: e.call.prompt, index: e.call.index, at: text.length });
    else warnings.push({ kind: e.kind, prompt: e.prompt, at: text.length });
  }
  return { text, calls, warnings };
}

function parseChunks(chunks: readonly string[]) {
  const parser = new TaskStreamParser({ tags: TAGS });
  const events = chunks.flatMap((c) => parser.feedText(c));
  events.push(...parser.finish());
  return { ...summarise(events), raw: parser.raw };
}

function parseTokens(ids: readonly number[], hidden?: Map<number, Float32Array>) {
  const parser = new TaskStreamParser({ tags: TAGS, tagIds });
  const decoder = new StreamDecoder(tok);
  const events: ParsedEvent[] = [];
  ids.forEach((id, i) => {
    events.push(...parser.feedToken(id, decoder.push(id), hidden?.get(i)));
  });
  const tail = decoder.flush();
  if (tail) events.push(...parser.feedToken(-1, tail));
  events.push(...parser.finish());
  return { ...summarise(events), raw: parser.raw, events };
}

const REPLY =
  'Sure! <gen>a red fox</gen> Here is a clip: <vid_cap>waves at dusk</video_cap> and the sound ' +
  '<aud_cap>rain on a roof</aud_cap>. Done, “ça va” 😀.';
const EXPECTED = {
  text: 'Sure!  Here is a clip:  and the sound . Done, “ça va” 😀.',
  calls: [
    { kind: 'image_generation', prompt: 'a red fox', index: 0, at: 6 },
    { kind: 'video_generation', prompt: 'waves at dusk', index: 1, at: 23 },
    { kind: 'audio_generation', prompt: 'rain on a roof', index: 2, at: 38 },
  ],
  warnings: [],
};

describe('TaskStreamParser, text level', () => {
  it('parses a reply with three tasks in one chunk', () => {
    expect(parseChunks([REPLY])).toEqual({ ...EXPECTED, raw: REPLY });
  });

  it('gives the same result at every split point and character by character', () => {
    for (let i = 0; i <= REPLY.length; i += 1) {
      expect(parseChunks([REPLY.slice(0, i), REPLY.slice(i)]), `split at ${i}`).toEqual({
        ...EXPECTED,
        raw: REPLY,
      });
    }
    expect(parseChunks([...REPLY])).toEqual({ ...EXPECTED, raw: REPLY });
  });

  it('gives the same result for every pair of split points', () => {
    for (let i = 0; i <= REPLY.length; i += 3) {
      for (let j = i; j <= REPLY.length; j += 1) {
        const got = parseChunks([REPLY.slice(0, i), REPLY.slice(i, j), REPLY.slice(j)]);
        if (got.text !== EXPECTED.text || got.calls.length !== 3)
          expect(got, `split at ${i},${j}`).toEqual(EXPECTED);
      }
    }
  });

  it('accepts both spellings of the video and audio tags', () => {
    const got = parseChunks([
      '<video_cap>a</video_cap><vid_cap>b</vid_cap><audio_cap>c</audio_cap><aud_cap>d</aud_cap>',
    ]);
    expect(got.calls.map((c) => `${c.kind}:${c.prompt}`)).toEqual([
      'video_generation:a',
      'video_generation:b',
      'audio_generation:c',
      'audio_generation:d',
    ]);
    expect(got.text).toBe('');
  });

  it('reports an unclosed tag at the end as a warning with the partial prompt, at every split point', () => {
    const reply = 'Here you go: <gen>a cat  sitting on';
    for (let i = 0; i <= reply.length; i += 1) {
      const got = parseChunks([reply.slice(0, i), reply.slice(i)]);
      expect(got.calls).toEqual([]);
      expect(got.warnings).toEqual([{ kind: 'image_generation', prompt: 'a cat sitting on', at: 13 }]);
      expect(got.text).toBe('Here you go: ');
    }
  });

  it('leaves text that only looks like a tag alone, also when it ends the stream', () => {
    const reply = 'I like <genre> films; a < b and b<c, [SEGMENT] or [SEG, <gen <edi';
    for (let i = 0; i <= reply.length; i += 1) {
      const got = parseChunks([reply.slice(0, i), reply.slice(i)]);
      expect(got).toEqual({ text: reply, calls: [], warnings: [], raw: reply });
    }
  });

  it('closes a span on a mismatched close tag, keeping the kind of the open tag', () => {
    const got = parseChunks(['<gen>a cat</edit> ok']);
    expect(got.calls).toEqual([{ kind: 'image_generation', prompt: 'a cat', index: 0, at: 0 }]);
    expect(got.text).toBe(' ok');
  });

  it('abandons a span when another opens inside it (reported, never executed)', () => {
    const got = parseChunks(['<gen>a cat <edit>make it blue</edit>!']);
    expect(got.warnings).toEqual([{ kind: 'image_generation', prompt: 'a cat', at: 0 }]);
    expect(got.calls).toEqual([{ kind: 'image_editing', prompt: 'make it blue', index: 0, at: 0 }]);
    expect(got.text).toBe('!');
  });

  it('drops a close tag with no open span and reports an empty span', () => {
    const got = parseChunks(['done</gen> ok <gen></gen>']);
    expect(got.text).toBe('done ok ');
    expect(got.calls).toEqual([{ kind: 'image_generation', prompt: '', index: 0, at: 8 }]);
  });

  it('reports [SEG] when its sentence ends, with the sentence as prompt, and keeps tag order', () => {
    const got = parseChunks(['The dog on the left is [SEG]', '. <gen>a dog</gen> Anything else?']);
    // The space the removed marker leaves before punctuation goes too.
    expect(got.text).toBe('The dog on the left is.  Anything else?');
    expect(got.calls).toEqual([
      { kind: 'segmentation', prompt: 'The dog on the left is.', index: 0, at: 23 },
      { kind: 'image_generation', prompt: 'a dog', index: 1, at: 24 },
    ]);
    const sameSentence = parseChunks(['It is [SEG] and here <gen>x</gen> too. Bye']);
    expect(sameSentence.calls.map((c) => [c.kind, c.index])).toEqual([
      ['segmentation', 0],
      ['image_generation', 1],
    ]);
    expect(sameSentence.calls[0]?.at).toBe(sameSentence.text.indexOf(' Bye'));
  });

  it('uses the spellings of the manifest', () => {
    const custom: TaskTokens = {
      ...DEFAULT_TASK_TOKENS,
      image_generation: { open: ['<img>'], close: ['</img>'] },
    };
    const parser = new TaskStreamParser({ tags: unwrap(taskTagsOf(custom)) });
    const got = summarise([...parser.feedText('<gen>x</gen> <img>a fox</img>'), ...parser.finish()]);
    expect(got.text).toBe('<gen>x</gen> ');
    expect(got.calls.map((c) => c.prompt)).toEqual(['a fox']);
    expect(unwrap(taskTagIds(unwrap(taskTagsOf(DEFAULT_TASK_TOKENS)), tok)).size).toBe(TAGS.length);
    const missing = taskTagIds(unwrap(taskTagsOf(custom)), tok);
    expect(missing.ok ? undefined : missing.error.code).toBe('bundle_invalid');
    const twice = taskTagsOf({
      ...DEFAULT_TASK_TOKENS,
      image_editing: { open: ['<gen>'], close: ['</edit>'] },
    });
    expect(twice.ok ? undefined : twice.error.code).toBe('bundle_invalid');
  });

  it('refuses mixed feed modes and feeding after finish', () => {
    const parser = new TaskStreamParser({ tags: TAGS, tagIds: new Map() });
    parser.feedText('a');
    expect(() => parser.feedToken(1, 'b')).toThrow(TypeError);
    parser.finish();
    expect(() => parser.feedText('c')).toThrow(TypeError);
  });
});

describe('TaskStreamParser, token level', () => {
  it('parses task tags from ids fed through the stream decoder like the text-level parser', () => {
    const got = parseTokens(tok.encode(REPLY));
    expect({ text: got.text, calls: got.calls, warnings: got.warnings, raw: got.raw }).toEqual({
      ...EXPECTED,
      raw: REPLY,
    });
  });

  it('treats a tag spelled with ordinary tokens as text: only tag ids open spans', () => {
    const literal = 'I typed <gen>x</gen> and [SEG].';
    const got = parseTokens(tok.encodeUntrusted(literal));
    expect(got).toMatchObject({ text: literal, calls: [], warnings: [] });
  });

  it('attaches the hidden state given with [SEG] to its segmentation call', () => {
    const ids = tok.encode('The cat [SEG] is here. And <gen>a hat</gen> [SEG]');
    const segAt = ids.flatMap((id, i) => (id === tok.tokenToId('[SEG]') ? [i] : []));
    const hidden = new Map(segAt.map((i, k) => [i, new Float32Array([k, k + 0.5])]));
    const { events } = parseTokens(ids, hidden);
    const calls = events.flatMap((e) => (e.type === 'task' ? [e.call] : []));
    expect(calls.map((c) => [c.kind, c.prompt, c.index])).toEqual([
      ['segmentation', 'The cat is here.', 0],
      ['image_generation', 'a hat', 1],
      ['segmentation', 'And', 2],
    ]);
    expect(calls[0]?.segHiddenState).toBe(hidden.get(segAt[0] as number));
    expect(calls[2]?.segHiddenState).toBe(hidden.get(segAt[1] as number));
    expect(calls[1]?.segHiddenState).toBeUndefined();
  });

  it('uses text the decoder held back before a tag id', () => {
    const parser = new TaskStreamParser({ tags: TAGS, tagIds });
    const gen = tok.tokenToId('<gen>') as number;
    const close = tok.tokenToId('</gen>') as number;
    const got = summarise([
      ...parser.feedToken(gen, 'ok <gen>'),
      ...parser.feedToken(99, 'x'),
      ...parser.feedToken(close, ''),
      ...parser.finish(),
    ]);
    expect(got.text).toBe('ok ');
    expect(got.calls.map((c) => c.prompt)).toEqual(['x']);
    expect(parser.raw).toBe('ok <gen>x</gen>');
  });
});
