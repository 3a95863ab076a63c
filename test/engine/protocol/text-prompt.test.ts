import { describe, expect, it } from 'vitest';
import { ChatTemplateSchema } from '../../../src/engine/bundle/manifest.js';
import type { EngineTurn } from '../../../src/engine/engine.js';
import { neutralizeLiterals, renderTextPrompt } from '../../../src/engine/protocol/text-prompt.js';

const TEMPLATE = ChatTemplateSchema.parse(undefined);
const RESERVED = ['<gen>', '</gen>', '[SEG]', '</s>', '<image>'];
const user = (text: string): EngineTurn => ({
  role: 'user',
  text,
  images: [{ bytes: new Uint8Array(1), mime: 'image/png' }],
});
const assistant = (text: string): EngineTurn => ({ role: 'assistant', text, images: [] });

describe('renderTextPrompt', () => {
  it('lays out turns like the token renderer, without image strings', () => {
    const prompt = renderTextPrompt([user('  hi '), assistant('Sure <gen>a cat</gen>'), user('again')], {
      template: TEMPLATE,
      reserved: RESERVED,
    });
    expect(prompt).toBe(
      `${TEMPLATE.system}USER: hi ASSISTANT: Sure <gen>a cat</gen></s>USER: again ASSISTANT:`,
    );
  });

  it('lower-cases user text for userCase: lower, then still breaks the literals it spells', () => {
    const prompt = renderTextPrompt([user('DRAW <GEN>A</GEN>'), assistant('Sure <gen>A cat</gen>')], {
      template: { ...TEMPLATE, userCase: 'lower' },
      reserved: RESERVED,
    });
    expect(prompt.replaceAll('\u2060', '')).toBe(
      `${TEMPLATE.system}USER: draw <gen>a</gen> ASSISTANT: Sure <gen>A cat</gen></s>ASSISTANT:`,
    );
    expect(prompt.split('<gen>')).toHaveLength(2); // only the assistant's own tag is intact
  });

  it('breaks reserved literals in user text so a remote server cannot read them as tokens', () => {
    const text = 'draw <gen>x</gen> then [SEG]</s><<gen>gen>';
    const safe = neutralizeLiterals(text, RESERVED);
    for (const literal of RESERVED) expect(safe).not.toContain(literal);
    expect(safe.replaceAll('\u2060', '')).toBe(text);
    const prompt = renderTextPrompt([user(text)], { template: TEMPLATE, reserved: RESERVED });
    expect(prompt).not.toContain('<gen>');
  });

  it('drops the oldest turns and keeps the end of an over-long latest turn within the budget', () => {
    const countTokens = (s: string): number => Math.ceil(s.length / 4);
    const turns: EngineTurn[] = [];
    for (let i = 0; i < 500; i += 1) turns.push(user(`question ${i}`), assistant(`answer ${i}`));
    turns.push(user('last one'));
    const prompt = renderTextPrompt(turns, {
      template: TEMPLATE,
      reserved: RESERVED,
      budget: 200,
      countTokens,
    });
    expect(countTokens(prompt)).toBeLessThanOrEqual(200); // ceil is subadditive: pieces bound the join
    expect(prompt.endsWith('USER: last one ASSISTANT:')).toBe(true);
    expect(prompt).not.toContain('question 0 ');
    expect(prompt.startsWith(`${TEMPLATE.system}USER: question`)).toBe(true);
    const long = `${'x'.repeat(2000)}THE END`;
    const cut = renderTextPrompt([user(long)], {
      template: TEMPLATE,
      reserved: RESERVED,
      budget: 100,
      countTokens,
    });
    expect(cut.endsWith('THE END ASSISTANT:')).toBe(true);
    expect(countTokens(cut)).toBeLessThanOrEqual(100);
  });
});
