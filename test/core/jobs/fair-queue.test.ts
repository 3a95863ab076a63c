import { describe, expect, it } from 'vitest';
import { type FairEntry, FairQueue } from '../../../src/core/jobs/fair-queue.js';

/** A small deterministic PRNG, so a failure reproduces. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe('FairQueue.order', () => {
  it('predicts exactly the order in which pop() serves, for mixed priorities, workspaces and users', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const rnd = lcg(seed);
      const q = new FairQueue<FairEntry>();
      let seq = 0;
      const add = (n: number) => {
        for (let i = 0; i < n; i++) {
          const ws = Math.floor(rnd() * 4);
          q.push({
            owner: {
              platform: ws === 3 ? 'slack' : 'discord',
              ...(ws === 0 ? {} : { workspaceId: `w${ws}` }),
              userId: `u${Math.floor(rnd() * 6)}`,
            },
            priority: Math.floor(rnd() * 3),
            seq: seq++,
          });
        }
      };
      add(40);
      // Serve some first, so last-served stamps are in play when the order is predicted.
      for (let i = 0; i < 7; i++) q.pop();
      add(30);
      const predicted = q.order();
      const served: FairEntry[] = [];
      for (let e = q.pop(); e; e = q.pop()) served.push(e);
      expect(predicted.map((e) => e.seq)).toEqual(served.map((e) => e.seq));
      expect(served).toHaveLength(63);
      expect(q.size).toBe(0);
    }
  });

  it('removes entries by filter and keeps the rest in order', () => {
    const q = new FairQueue<FairEntry & { tag: string }>();
    for (const [i, tag] of ['a', 'b', 'a', 'c'].entries())
      q.push({ owner: { platform: 'cli', userId: `u${i}` }, priority: 0, seq: i, tag });
    expect(q.remove((e) => e.tag === 'a').map((e) => e.seq)).toEqual([0, 2]);
    expect(q.order().map((e) => e.tag)).toEqual(['b', 'c']);
    expect(q.size).toBe(2);
  });
});
