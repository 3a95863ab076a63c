import { describe, expect, it } from 'vitest';
import type { RepliesPage, RepliesWindow, ThreadMessage } from '../../../src/adapters/slack/slack-api.js';
import { microsToTs, readThreadTail, tsToMicros } from '../../../src/adapters/slack/thread-tail.js';

/** A thread as conversations.replies serves it: bounds exclusive, oldest first, parent on every first page. */
class FakeThread {
  readonly windows: RepliesWindow[] = [];
  readonly messages: ThreadMessage[];

  constructor(times: readonly number[]) {
    this.messages = times.map((t, i) => ({ ts: microsToTs(t), text: `m${i}`, files: [] }));
  }

  readonly read = async (window: RepliesWindow): Promise<RepliesPage> => {
    this.windows.push(window);
    const lo = window.oldest ? tsToMicros(window.oldest) : Number.NEGATIVE_INFINITY;
    const hi = window.latest ? tsToMicros(window.latest) : Number.POSITIVE_INFINITY;
    const inside = this.messages.filter((m) => tsToMicros(m.ts) > lo && tsToMicros(m.ts) < hi);
    const start = Number(window.cursor ?? 0);
    const page = inside.slice(start, start + PAGE);
    const parent = this.messages[0];
    if (start === 0 && parent && page[0] !== parent) page.unshift(parent);
    const more = start + PAGE < inside.length;
    return { messages: page, hasMore: more, ...(more ? { nextCursor: String(start + PAGE) } : {}) };
  };
}

const PAGE = 200;
const T0 = 1_700_000_000_000_000;
const SECOND = 1_000_000;

/** Message times: `n` messages `step` apart after `from`. */
const run = (from: number, n: number, step: number) =>
  Array.from({ length: n }, (_, i) => from + (i + 1) * step);

/** Reads the tail before one more message at the end; checks it is a gap-free suffix of the thread. */
async function tailOf(times: number[], want = 40, maxCalls = 10) {
  const thread = new FakeThread(times);
  const last = times.at(-1) ?? T0;
  const tail = await readThreadTail(thread.read, {
    threadTs: microsToTs(times[0] ?? T0),
    before: microsToTs(last + 1),
    want,
    pageSize: PAGE,
    maxCalls,
  });
  const texts = tail.messages.map((m) => m.text);
  const n = texts.length;
  expect(texts).toEqual(thread.messages.slice(thread.messages.length - n).map((m) => m.text));
  expect(tail.calls).toBe(thread.windows.length);
  expect(tail.calls).toBeLessThanOrEqual(maxCalls);
  return { tail, thread };
}

describe('readThreadTail: the newest messages of a long thread in a few calls, never with a gap', () => {
  it('reads a short thread whole in one call', async () => {
    const { tail } = await tailOf([T0, ...run(T0, 150, SECOND)]);
    expect(tail).toMatchObject({ complete: true, calls: 1 });
    expect(tail.messages).toHaveLength(151);
  });

  it('keeps the newest of 2,500 evenly spaced messages in two calls', async () => {
    const { tail, thread } = await tailOf([T0, ...run(T0, 2_499, SECOND)]);
    expect(tail.calls).toBe(2);
    expect(tail.messages.length).toBeGreaterThanOrEqual(40);
    expect(tail.messages.at(-1)?.text).toBe('m2499');
    expect(thread.windows[1]?.oldest).toBeDefined();
  });

  it('finishes a recent burst with its cursor instead of narrowing forever', async () => {
    const calm = run(T0, 2_000, 60 * SECOND);
    const burst = run((calm.at(-1) ?? T0) + 3_600 * SECOND, 300, 1_000);
    const { tail } = await tailOf([T0, ...calm, ...burst]);
    expect(tail.calls).toBeLessThanOrEqual(3);
    expect(tail.messages.length).toBeGreaterThanOrEqual(40);
  });

  it('joins the first page when the thread is only a little longer than a page', async () => {
    const { tail } = await tailOf([T0, ...run(T0, 230, SECOND)], 100);
    expect(tail).toMatchObject({ complete: true });
    expect(tail.messages).toHaveLength(231);
  });

  it('stays gap-free and within the call cap on random timelines (bursts and quiet spells)', async () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 40; trial++) {
      const times = [T0];
      while (times.length < 300 + trial * 60) {
        // Stretches of messages between 1 ms and 1 h apart, separated by gaps of up to a week.
        const from = (times.at(-1) ?? T0) + Math.floor(random() ** 4 * 7 * 86_400 * SECOND);
        times.push(
          ...run(from, 1 + Math.floor(random() * 400), 1_000 + Math.floor(random() ** 3 * 3_600 * SECOND)),
        );
      }
      const { tail } = await tailOf(times, 40, 10);
      expect(tail.messages.length).toBeGreaterThan(0);
    }
  });
});
