/** One job waiting in (or running from) the {@link TurnQueue}. */
interface QueuedJob {
  readonly run: () => Promise<void>;
  readonly onPosition: (position: number) => void;
  readonly done: () => void;
  readonly signal: AbortSignal | undefined;
}

/**
 * A first-in, first-out line of turns with a fixed number of slots. Waiting jobs hear their position
 * (1 = next) whenever it changes, which the page shows as "queued, position N"; a job whose signal
 * aborts while waiting leaves the line without running.
 */
export class TurnQueue {
  private readonly waiting: QueuedJob[] = [];
  private running = 0;

  constructor(private readonly slots: number) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be ≥ 1, got ${slots}`);
  }

  /** Jobs waiting for a slot. */
  get length(): number {
    return this.waiting.length;
  }

  /**
   * Runs `run` when a slot is free. Resolves when it has run (or left the line because `signal`
   * aborted); `run`'s own failures are the caller's to catch inside `run`.
   */
  push(
    run: () => Promise<void>,
    onPosition: (position: number) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    return new Promise<void>((resolve) => {
      const job: QueuedJob = { run, onPosition, done: resolve, signal };
      this.waiting.push(job);
      signal?.addEventListener(
        'abort',
        () => {
          const index = this.waiting.indexOf(job);
          if (index < 0) return;
          this.waiting.splice(index, 1);
          resolve();
          this.announce(index);
        },
        { once: true },
      );
      if (!this.pump()) job.onPosition(this.waiting.length);
    });
  }

  /** Starts jobs while slots are free; true when it started at least one. */
  private pump(): boolean {
    let started = false;
    while (this.running < this.slots) {
      const job = this.waiting.shift();
      if (!job) break;
      started = true;
      this.running += 1;
      void job
        .run()
        .catch(() => undefined)
        .finally(() => {
          this.running -= 1;
          job.done();
          this.pump();
        });
    }
    if (started) this.announce(0);
    return started;
  }

  /** Tells the jobs from `from` on their new positions. */
  private announce(from: number): void {
    for (let i = from; i < this.waiting.length; i++) this.waiting[i]?.onPosition(i + 1);
  }
}
