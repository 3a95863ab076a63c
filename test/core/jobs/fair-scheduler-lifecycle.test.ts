import { describe, expect, it, vi } from 'vitest';
import { DurationEstimator } from '../../../src/core/jobs/duration-estimator.js';
import { FairScheduler } from '../../../src/core/jobs/fair-scheduler.js';
import type { JobEvent, JobKind, JobOwner } from '../../../src/core/jobs/job.js';
import { Gate } from '../../helpers/gate.js';

// Split from fair-scheduler.test.ts: what the scheduler does over time (aging, progress, shutdown).
const owner = (userId: string, workspaceId: string | undefined = 'g1'): JobOwner => ({
  platform: 'discord',
  userId,
  ...(workspaceId === undefined ? {} : { workspaceId }),
});

describe('FairScheduler priority aging', () => {
  /** One slot; a blocker, a video job, then chat jobs arriving while minutes pass. */
  async function scenario(agingMs: number): Promise<string[]> {
    let now = 0;
    const s = new FairScheduler({ resources: { gpu: 1 }, agingMs, now: () => now });
    const started: string[] = [];
    const gates = new Map<string, Gate>();
    const submit = (label: string, kind: JobKind) => {
      const gate = new Gate();
      gates.set(label, gate);
      return s.submit({
        owner: owner(label),
        kind,
        run: async () => {
          started.push(label);
          await gate.opened;
        },
      });
    };
    const finish = async (label: string, at: number, handle: ReturnType<typeof submit>) => {
      now = at;
      gates.get(label)?.open();
      await handle.result;
    };
    const blocker = submit('blocker', 'chat');
    const video = submit('video', 'video_generation');
    const c1 = submit('c1', 'chat');
    await finish('blocker', 61_000, blocker);
    const c2 = submit('c2', 'chat');
    await finish('c1', 125_000, c1);
    await vi.waitFor(() => expect(started).toHaveLength(3));
    gates.get(started[2] ?? '')?.open();
    await vi.waitFor(() => expect(started).toHaveLength(4));
    for (const g of gates.values()) g.open();
    await Promise.all([video.result, c2.result]);
    return started;
  }

  it('lets a media job that waited two minutes go before newer text', async () => {
    expect(await scenario(60_000)).toEqual(['blocker', 'c1', 'video', 'c2']);
  });

  it('keeps strict priorities with aging off', async () => {
    expect(await scenario(0)).toEqual(['blocker', 'c1', 'c2', 'video']);
  });
});

describe('FairScheduler progress and shutdown', () => {
  it('reports queue positions and ETAs that move up as jobs finish', async () => {
    let now = 0;
    const s = new FairScheduler({
      resources: { gpu: 1 },
      estimator: new DurationEstimator({
        chat: 1_000,
        segmentation: 1_000,
        image_generation: 10_000,
        image_editing: 10_000,
        audio_generation: 10_000,
        video_generation: 30_000,
      }),
      now: () => now,
    });
    const gates = [new Gate(), new Gate(), new Gate()];
    const events: JobEvent[][] = [[], [], []];
    const handles = [0, 1, 2].map((i) =>
      s.submit({
        owner: owner(`u${i}`),
        kind: i === 2 ? 'video_generation' : 'image_generation',
        onEvent: (e) => events[i]?.push(e),
        run: () => gates[i]?.opened ?? Promise.resolve(),
      }),
    );
    expect(events[0]).toEqual([{ type: 'started', waitedMs: 0 }]);
    expect(events[1]).toEqual([{ type: 'queued', position: 1, etaMs: 10_000 }]);
    expect(events[2]).toEqual([{ type: 'queued', position: 2, etaMs: 20_000 }]);
    now = 4_000;
    gates[0]?.open();
    await handles[0]?.result;
    await vi.waitFor(() => expect(events[1]?.at(-1)).toEqual({ type: 'started', waitedMs: 4_000 }));
    // The estimator learned that images take 4 s here, so the ETA follows the device.
    expect(events[2]?.at(-1)).toEqual({ type: 'queued', position: 1, etaMs: 4_000 });
    gates[1]?.open();
    gates[2]?.open();
    await Promise.all(handles.map((h) => h.result));
    expect(events[2]?.at(-1)).toMatchObject({ type: 'finished', outcome: 'ok' });
  });

  it('tells the observer how every job ended', async () => {
    const settled: string[] = [];
    const s = new FairScheduler({
      observer: { settled: (job, outcome) => settled.push(`${job.kind}:${outcome}`) },
    });
    await s.submit({ owner: owner('a'), kind: 'chat', run: async () => 1 }).result;
    const h = s.submit({ owner: owner('a'), kind: 'segmentation', run: () => new Promise(() => {}) });
    const q = s.submit({ owner: owner('a'), kind: 'image_editing', run: async () => 1 });
    q.cancel();
    h.cancel();
    await Promise.all([h.result, q.result]);
    expect(settled).toEqual(['chat:ok', 'image_editing:cancelled', 'segmentation:cancelled']);
  });

  it('closes gracefully: refuses new work, cancels the queue on request, waits for running jobs', async () => {
    const s = new FairScheduler({ resources: { gpu: 1 } });
    const gate = new Gate();
    const running = s.submit({ owner: owner('a'), kind: 'chat', run: () => gate.opened.then(() => 'done') });
    const queued = s.submit({ owner: owner('b'), kind: 'chat', run: async () => 'never' });
    let closed = false;
    const closing = s.close({ cancelQueued: true }).then(() => {
      closed = true;
    });
    // Marked as a shutdown so the turn is kept for the next start, not reported as the user's cancel.
    expect(await queued.result).toMatchObject({
      ok: false,
      error: { code: 'cancelled', details: { reason: 'shutdown' } },
    });
    const late = s.submit({ owner: owner('c'), kind: 'chat', run: async () => 'late' });
    expect(await late.result).toMatchObject({
      ok: false,
      error: { code: 'cancelled', details: { reason: 'shutdown' } },
    });
    await Promise.resolve();
    expect(closed).toBe(false);
    gate.open();
    await closing;
    expect(await running.result).toMatchObject({ ok: true, value: { value: 'done' } });
  });
});
