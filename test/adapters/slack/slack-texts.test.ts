import { describe, expect, it } from 'vitest';
import { parseSlashCommand } from '../../../src/adapters/slack/slash-command.js';
import {
  escapeMrkdwn,
  splitEscaped,
  splitText,
  stripMention,
} from '../../../src/adapters/slack/text-split.js';
import { noticeText, progressText } from '../../../src/adapters/slack/texts.js';
import { ERROR_CODES } from '../../../src/core/errors.js';

describe('Slack text helpers', () => {
  it('splits at paragraph, line, then word boundaries, never over the limit', () => {
    const text = `${'a'.repeat(60)}\n\n${'b'.repeat(30)} ${'c'.repeat(30)}`;
    expect(splitText(text, 80)).toEqual(['a'.repeat(60), `${'b'.repeat(30)} ${'c'.repeat(30)}`]);
    expect(splitText('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
    expect(splitText('', 10)).toEqual(['']);
  });

  it('keeps escaped pieces within the limit even when escaping makes text longer', () => {
    const text = '<&>'.repeat(2_000);
    const pieces = splitEscaped(text, 3_000);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(3_000);
    expect(pieces.join('')).toBe(escapeMrkdwn(text));
  });

  it('strips the bot mention in both forms and escapes control characters', () => {
    expect(stripMention('<@U1> draw <@U2> a cat <@U1|bot>', 'U1')).toBe('draw <@U2> a cat');
    expect(escapeMrkdwn('<!channel> & co')).toBe('&lt;!channel&gt; &amp; co');
  });

  it('parses subcommands; an unknown first word is a free prompt', () => {
    expect(parseSlashCommand('imagine a red fox')).toEqual({
      type: 'ask',
      prompt: 'a red fox',
      forcedTask: 'image_generation',
    });
    expect(parseSlashCommand('Video waves')).toMatchObject({
      forcedTask: 'video_generation',
      prompt: 'waves',
    });
    expect(parseSlashCommand('what is LLMBind?')).toEqual({ type: 'ask', prompt: 'what is LLMBind?' });
    expect(parseSlashCommand(' segment ')).toEqual({ type: 'usage', subcommand: 'segment' });
    expect(parseSlashCommand('RESET')).toEqual({ type: 'reset' });
    expect(parseSlashCommand('')).toEqual({ type: 'help' });
  });

  it('has a sentence for every error code and shows queue position and step %', () => {
    for (const code of ERROR_CODES) expect(noticeText({ code }).length).toBeGreaterThan(12);
    expect(progressText({ kind: 'image_generation', phase: 'queued', queuePosition: 3 })).toContain(
      'position 3',
    );
    expect(progressText({ kind: 'video_generation', phase: 'running', step: 5, totalSteps: 20 })).toContain(
      '25%',
    );
  });
});
