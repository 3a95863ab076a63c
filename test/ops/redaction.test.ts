import { describe, expect, it } from 'vitest';
import { createRedactingLogger, scrubbingDestination } from '../../src/ops/redaction.js';

const secrets = {
  discord: 'MTA5ODc2NTQzMjEwOTg3NjU0Mw.GaBcDe.abcdefghijklmnopqrstuvwxyz0123',
  slackBot: 'xoxb-1111-2222-abcdefABCDEF',
  signing: '8f14e45fceea167a5a36dedd4bea2543',
  apiKey: 'sk-local-0123456789abcdef',
};

function capture() {
  const lines: string[] = [];
  return { lines, sink: { write: (l: string) => lines.push(l) } };
}

describe('log redaction', () => {
  it('never writes a token, secret or API key, however deep or wherever it hides', () => {
    const { lines, sink } = capture();
    const log = createRedactingLogger(
      'info',
      [secrets.discord, secrets.slackBot, secrets.signing, secrets.apiKey],
      sink,
    );
    log.info(
      { config: { discord: { token: secrets.discord }, slack: { botToken: secrets.slackBot } } },
      'config',
    );
    log.info(
      { slack: { signingSecret: secrets.signing }, engine: { remote: { apiKey: secrets.apiKey } } },
      'x',
    );
    log.info({ req: { headers: { authorization: `Bot ${secrets.discord}` } } }, 'request');
    log.error({ err: new Error(`auth.test failed for ${secrets.slackBot}`) }, 'slack failed');
    log.warn(`remote said: Bearer ${'a'.repeat(40)}`);
    // A token config does not know about is still recognised by its shape.
    log.info({ pasted: 'xoxp-9999-8888-zzzzzzzzzzzz' }, 'user pasted a token');
    const out = lines.join('');
    for (const value of [...Object.values(secrets), 'a'.repeat(40), 'xoxp-9999-8888-zzzzzzzzzzzz'])
      expect(out).not.toContain(value);
    expect(lines).toHaveLength(6);
    // Ordinary fields survive, so logs stay useful.
    expect(JSON.parse(lines[3] ?? '{}')).toMatchObject({ msg: 'slack failed', err: { type: 'Error' } });
    expect(out).toContain('[redacted]');
  });

  it('does not scrub short values that would censor ordinary words', () => {
    const { lines, sink } = capture();
    scrubbingDestination(['abc', ''], sink).write('abc def\n');
    expect(lines).toEqual(['abc def\n']);
  });
});
