import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobOwner } from '../../../src/core/jobs/job.js';
import { RollingQuotas } from '../../../src/core/quotas/rolling-quotas.js';
import { describeQuotaSpec } from './quota-spec.js';

const HOUR = 60 * 60_000;
const ada: JobOwner = { platform: 'discord', workspaceId: 'g1', userId: 'ada' };
const bob: JobOwner = { platform: 'discord', workspaceId: 'g1', userId: 'bob' };
const slackAda: JobOwner = { platform: 'slack', workspaceId: 'T1', userId: 'ada' };

/** Admits, charges and releases one job; fails the test when admission is refused. */
function spend(q: RollingQuotas, who: JobOwner, seconds: number): void {
  const r = q.admit(who);
  if (!r.ok) throw new Error(`refused: ${r.error.message}`);
  r.value.charge(seconds, 'image_generation');
  r.value.release();
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2025-01-01T00:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
});

// One process: both "frontends" are the same instance. RedisQuotas plays the same table on two.
describeQuotaSpec('RollingQuotas', async (limits, now) => {
  const quotas = new RollingQuotas({ limits, now });
  return { a: quotas, b: quotas };
});

describe('RollingQuotas', () => {
  it('refuses a user over budget with the reset time, and admits again exactly then', () => {
    const q = new RollingQuotas({ limits: { windowMs: HOUR, userComputeSeconds: 60 } });
    const t0 = Date.now();
    spend(q, ada, 60);
    const refused = q.admit(ada);
    expect(refused).toEqual({
      ok: false,
      error: {
        code: 'quota_exceeded',
        message: expect.any(String),
        details: { scope: 'user', limit: 60, used: 60, resetAt: t0 + HOUR, retryAfterSeconds: 3600 },
      },
    });
    vi.advanceTimersByTime(HOUR - 1);
    expect(q.admit(ada)).toMatchObject({ ok: false, error: { details: { retryAfterSeconds: 1 } } });
    vi.advanceTimersByTime(1);
    expect(q.admit(ada).ok).toBe(true);
  });

  it('is a rolling window: charges leave one by one, not all at the top of the hour', () => {
    const q = new RollingQuotas({ limits: { windowMs: HOUR, userComputeSeconds: 60 } });
    const t0 = Date.now();
    spend(q, ada, 30);
    vi.advanceTimersByTime(HOUR / 2);
    spend(q, ada, 30);
    expect(q.admit(ada)).toMatchObject({ ok: false, error: { details: { resetAt: t0 + HOUR } } });
    vi.advanceTimersByTime(HOUR / 2);
    expect(q.usage(ada).userSeconds).toBe(30);
    spend(q, ada, 30);
    // The charge from half an hour ago still counts: the next reset is when it leaves the window.
    expect(q.admit(ada)).toMatchObject({ ok: false, error: { details: { resetAt: t0 + HOUR * 1.5 } } });
  });

  it('keeps a workspace budget shared by its users, apart from other workspaces', () => {
    const q = new RollingQuotas({
      limits: { windowMs: HOUR, userComputeSeconds: 1_000, workspaceComputeSeconds: 100 },
    });
    spend(q, ada, 70);
    spend(q, bob, 30);
    expect(q.admit(bob)).toMatchObject({ ok: false, error: { details: { scope: 'workspace', limit: 100 } } });
    // Same user name on Slack is another person in another workspace.
    expect(q.admit(slackAda).ok).toBe(true);
    expect(q.usage(ada)).toEqual({ userSeconds: 70, workspaceSeconds: 100, concurrent: 0 });
  });

  it('caps the jobs one user holds at once and frees the slot on release (once)', () => {
    const q = new RollingQuotas({ limits: { maxConcurrentPerUser: 2 } });
    const a = q.admit(ada);
    const b = q.admit(ada);
    expect(q.admit(ada)).toMatchObject({
      ok: false,
      error: { code: 'quota_exceeded', details: { scope: 'concurrent', limit: 2, used: 2 } },
    });
    expect(q.admit(bob).ok).toBe(true);
    if (!a.ok || !b.ok) throw new Error('expected tickets');
    a.value.release();
    a.value.release();
    expect(q.usage(ada).concurrent).toBe(1);
    expect(q.admit(ada).ok).toBe(true);
    expect(q.admit(ada).ok).toBe(false);
  });

  it('reports every charge by kind for the compute-seconds metric', () => {
    const charged: string[] = [];
    const q = new RollingQuotas({ onCharge: (o, kind, s) => charged.push(`${o.userId}:${kind}:${s}`) });
    const t = q.admit(ada);
    if (!t.ok) throw new Error('expected a ticket');
    t.value.charge(2.5, 'video_generation');
    t.value.charge(0, 'chat');
    expect(charged).toEqual(['ada:video_generation:2.5']);
  });
});
