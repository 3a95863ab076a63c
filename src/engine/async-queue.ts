/**
 * A push → pull bridge: producers push items (from callbacks), one consumer iterates them. Ending
 * with an error makes the iterator throw it after the items already pushed.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private error: unknown;
  private failed = false;

  /** Adds an item. */
  push(item: T): void {
    this.items.push(item);
    this.notify();
  }

  /** Ends the stream, optionally with an error. */
  end(error?: unknown): void {
    this.ended = true;
    if (error !== undefined) {
      this.failed = true;
      this.error = error;
    }
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.ended) {
        if (this.failed) throw this.error;
        return;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}
