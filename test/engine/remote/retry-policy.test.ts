import { describe, expect, it } from 'vitest';
import { codeForStatus, safeUrl, scrub } from '../../../src/engine/remote/http-call.js';
import { isRetryableStatus, parseRetryAfter, retryDelayMs } from '../../../src/engine/remote/retry-policy.js';

const policy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000 };

describe('retry policy', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('prefers Retry-After, caps every wait, and backs off exponentially with jitter otherwise', () => {
    expect(retryDelayMs(policy, 1, 400)).toBe(400);
    expect(retryDelayMs(policy, 1, 60_000)).toBe(1000);
    expect([1, 2, 3, 4, 5].map((a) => retryDelayMs(policy, a, undefined, () => 1))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
    expect(retryDelayMs(policy, 3, undefined, () => 0.5)).toBe(200);
  });

  it('retries rate limits and server errors, not client errors', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 413, 422, 501].some(isRetryableStatus)).toBe(false);
  });

  it('maps final statuses to stable codes', () => {
    expect(codeForStatus(429, '', 'engine_failed')).toBe('rate_limited');
    expect(codeForStatus(504, '', 'engine_failed')).toBe('timeout');
    expect(codeForStatus(400, 'prompt is too long for the context window', 'engine_failed')).toBe(
      'input_too_large',
    );
    expect(codeForStatus(400, 'bad image', 'task_failed')).toBe('bad_input');
    expect(codeForStatus(401, '', 'engine_failed')).toBe('engine_failed');
  });

  it('never lets a secret through a logged URL or a scrubbed text', () => {
    expect(safeUrl('https://user:sk-1@llm.example:8443/v1/chat/completions?key=sk-2#x')).toBe(
      'https://llm.example:8443/v1/chat/completions',
    );
    expect(scrub('a sk-1 b sk-1', ['sk-1', ''])).toBe('a [redacted] b [redacted]');
  });
});
