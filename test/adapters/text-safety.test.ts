import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../src/adapters/discord/split-message.js';
import { noticeText as discordNotice, TEXT } from '../../src/adapters/discord/texts.js';
import { splitText } from '../../src/adapters/slack/text-split.js';
import { noticeText as slackNotice } from '../../src/adapters/slack/texts.js';
import { wellFormed } from '../../src/adapters/text-safety.js';

const isWellFormed = (s: string): boolean => wellFormed(s) === s;

describe('text the platforms accept', () => {
  it('replaces lone surrogates and keeps pairs', () => {
    expect(wellFormed('a\uD83D\uDE42b')).toBe('a🙂b');
    expect(wellFormed('a\uD83Db')).toBe('a\uFFFDb');
    expect(wellFormed('a\uDE42')).toBe('a\uFFFD');
    expect(wellFormed('\uDBFF\uDBFF')).toBe('\uFFFD\uFFFD');
  });

  it('never splits an emoji between two messages (Discord and Slack splitters)', () => {
    const emojis = `x${'🙂'.repeat(3_000)}`;
    const discord = splitMessage(emojis, 2_000);
    const slack = splitText(emojis, 3_000);
    for (const part of [...discord, ...slack]) expect(isWellFormed(part)).toBe(true);
    expect(discord.join('')).toBe(emojis);
    expect(slack.join('')).toBe(emojis);
  });

  it('cuts thread names by characters', () => {
    const name = TEXT.threadName('🙂'.repeat(100));
    expect(isWellFormed(name)).toBe(true);
    expect(Array.from(name)).toHaveLength(90);
  });

  it('escapes a file name in a Slack notice so it cannot ping, and sends well-formed notices', () => {
    const text = slackNotice({ code: 'bad_input', details: { name: '<!channel>.png' } });
    expect(text).toContain('&lt;!channel&gt;.png');
    expect(text).not.toContain('<!channel>');
    expect(isWellFormed(discordNotice({ code: 'bad_input', details: { name: 'a\uD83D.png' } }))).toBe(true);
  });

  it('says a pixel bomb has too many pixels', () => {
    const details = { name: 'bomb.png', width: 60_000, height: 60_000, maxPixels: 40_000_000 };
    expect(discordNotice({ code: 'input_too_large', details })).toContain(
      'too many pixels (60000×60000; the limit is 40 megapixels)',
    );
  });
});
