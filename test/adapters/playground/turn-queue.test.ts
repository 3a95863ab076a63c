import { describe, expect, it } from 'vitest';
import { TurnQueue } from '../../../src/adapters/playground/web/turn-queue.js';

/** A job that runs until released, recording the positions it was told. */
function gatedJob(log: string[], name: string) {
  let release: () => void = () => {};
  const positions: number[] = [];
  const run = () =>
    new Promise<void>((resolve) => {
      log.push(`start ${name}`);
      release = () => {
        log.push(`end ${name}`);
        resolve();
      };
    });
  return { run, positions, onPosition: (p: number) => positions.push(p), release: () => release() };
}

describe('TurnQueue', () => {
  it('runs jobs in order, one per slot, and tells waiting jobs their positions', async () => {
    const log: string[] = [];
    const queue = new TurnQueue(1);
    const [a, b, c] = [gatedJob(log, 'a'), gatedJob(log, 'b'), gatedJob(log, 'c')];
    const done = [a, b, c].map((j) => queue.push(j.run, j.onPosition));
    expect(log).toEqual(['start a']);
    expect(queue.length).toBe(2);
    expect([a.positions, b.positions, c.positions]).toEqual([[], [1], [2]]);
    a.release();
    await done[0];
    await expect.poll(() => log.at(-1)).toBe('start b');
    expect(c.positions).toEqual([2, 1]);
    b.release();
    await expect.poll(() => log.at(-1)).toBe('start c');
    c.release();
    await Promise.all(done);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('drops a waiting job whose signal aborts and moves the others up', async () => {
    const log: string[] = [];
    const queue = new TurnQueue(1);
    const [a, b, c] = [gatedJob(log, 'a'), gatedJob(log, 'b'), gatedJob(log, 'c')];
    const abort = new AbortController();
    const done = [
      queue.push(a.run, a.onPosition),
      queue.push(b.run, b.onPosition, abort.signal),
      queue.push(c.run, c.onPosition),
    ];
    abort.abort();
    await done[1];
    expect(c.positions).toEqual([2, 1]);
    a.release();
    await expect.poll(() => log.at(-1)).toBe('start c');
    c.release();
    await Promise.all(done);
    expect(log).not.toContain('start b');
  });

  it('runs as many jobs at once as it has slots', () => {
    const log: string[] = [];
    const queue = new TurnQueue(2);
    for (const name of ['a', 'b', 'c']) {
      const job = gatedJob(log, name);
      void queue.push(job.run, job.onPosition);
    }
    expect(log).toEqual(['start a', 'start b']);
    expect(() => new TurnQueue(0)).toThrow(RangeError);
  });
});
