import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import { LoggerAuditLog, MemoryAuditLog } from '../../../src/core/safety/audit-log.js';
import { BlocklistPolicy } from '../../../src/core/safety/blocklist-policy.js';
import { cleanText, matchKey, spelledOutRuns } from '../../../src/core/safety/normalize-text.js';
import { allowAllOutputs } from '../../../src/core/safety/output-check.js';

const user = { from: 'user' } as const;
const gen = { from: 'task', kind: 'image_generation' } as const;

describe('cleanText', () => {
  it('removes zero-width, bidi override and tag characters but keeps visible text and emoji', () => {
    const hostile = 'he\u200Bllo \u202Egnp.exe\u202C \u{E0049}\u{E0047}ok\uFEFF\u0007';
    expect(cleanText(hostile)).toEqual({ text: 'hello gnp.exe ok', removed: 7 });
    const family = '👨\u200D👩\u200D👧 café naïve';
    expect(cleanText(family)).toEqual({ text: family, removed: 0 });
    // A joiner that only splits a word is removed; one between Persian letters is orthography.
    expect(cleanText('\u200Dword\u200C ').text).toBe('word ');
    expect(cleanText('می\u200Cخواهم').text).toBe('می\u200Cخواهم');
    expect(cleanText('a\r\nb').text).toBe('a\nb');
  });

  it('folds width, case and accents for matching, and joins spelled-out words only', () => {
    expect(matchKey('ＮＳＦＷ  Nüde\u200D')).toBe('nsfw nude');
    expect(spelledOutRuns('a n.u.d.e b')).toEqual(['anudeb']);
    expect(spelledOutRuns('a cat is here')).toEqual([]);
  });
});

describe('BlocklistPolicy', () => {
  const policy = new BlocklistPolicy({
    blocklist: ['nude', 'Gore Scene'],
    patterns: ['\\bkill\\s+all\\b'],
    maxUserChars: 100,
    maxTaskPromptChars: 20,
    maxTaskPromptCharsByKind: { video_generation: 40 },
  });

  it('passes ordinary text, returning it cleaned', () => {
    expect(policy.check('draw a \u200Bcat', user)).toEqual({ ok: true, value: 'draw a cat' });
    // Whole words only: no Scunthorpe problem.
    expect(policy.check('a denuded hillside', user).ok).toBe(true);
  });

  it('blocks terms however they are disguised, in user text and in model-written task prompts', () => {
    const disguises = [
      'a NUDE man',
      'a ｎｕｄｅ man',
      'a nu\u200Bde man',
      'a n.u.d.e man',
      'a n u d e',
      'a nüde man',
    ];
    for (const text of [...disguises, 'GORE  scene']) {
      expect(policy.check(text, user)).toMatchObject({
        ok: false,
        error: { code: 'bad_input', details: { reason: 'blocked', source: 'user' } },
      });
    }
    expect(policy.check('nude portrait', gen)).toMatchObject({
      ok: false,
      error: {
        code: 'bad_input',
        details: { reason: 'blocked', source: 'task', kind: 'image_generation', rule: 'term:nude' },
      },
    });
    expect(policy.check('Kill  All humans', user)).toMatchObject({
      ok: false,
      error: { details: { rule: 'pattern:\\bkill\\s+all\\b' } },
    });
  });

  it('applies length limits per source, counted after cleaning, in code points', () => {
    expect(policy.check('x'.repeat(101), user)).toMatchObject({
      ok: false,
      error: { code: 'input_too_large', details: { source: 'user', limit: 100, length: 101 } },
    });
    expect(policy.check(`${'x'.repeat(100)}${'\u200B'.repeat(5000)}`, user).ok).toBe(true);
    expect(policy.check('🐱'.repeat(20), gen).ok).toBe(true);
    expect(policy.check('y'.repeat(21), gen)).toMatchObject({ error: { details: { limit: 20 } } });
    expect(policy.check('y'.repeat(40), { from: 'task', kind: 'video_generation' }).ok).toBe(true);
    expect(policy.check(' \u200B ', gen)).toMatchObject({ error: { details: { reason: 'empty' } } });
  });

  it('handles a 100 KB hostile message quickly', () => {
    // One 100 KB run of spelled-out letters, invisible characters between them, the term at the end.
    const big = `${'a \u200B\u202E'.repeat(25_000)}n u d e`;
    const started = performance.now();
    const r = new BlocklistPolicy({ blocklist: ['nude'], maxUserChars: 1_000_000 }).check(big, user);
    expect(r.ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('refuses a broken pattern at construction, not on the first message', () => {
    expect(() => new BlocklistPolicy({ patterns: ['(unclosed'] })).toThrow();
  });
});

describe('audit log and output check', () => {
  const record = {
    at: 1,
    event: 'media_job',
    platform: 'slack',
    userId: 'U1',
    conversationId: 'c',
    messageId: 'm',
    kind: 'image_generation',
    prompt: 'a cat',
    model: 'image_generation/unet.onnx',
    seed: 7,
    outcome: 'ok',
  } as const;

  it('keeps the newest records within capacity', () => {
    const log = new MemoryAuditLog(2);
    for (const seed of [1, 2, 3]) log.record({ ...record, seed });
    expect(log.records.map((r) => r.seed)).toEqual([2, 3]);
    expect(() => new LoggerAuditLog(silentLogger()).record(record)).not.toThrow();
  });

  it('lets every output through by default', async () => {
    expect(
      await allowAllOutputs({
        bytes: new Uint8Array(),
        mime: 'image/png',
        kind: 'image_generation',
        prompt: '',
      }),
    ).toEqual({ ok: true, value: undefined });
  });
});
