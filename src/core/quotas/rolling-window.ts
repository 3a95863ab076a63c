/** One charge: when it happened and how many compute-seconds it cost. */
interface Charge {
  readonly at: number;
  readonly amount: number;
}

/**
 * Sums charges per key over the last `windowMs` (a rolling window, not a fixed one that resets at the
 * top of the hour: a user who spends a budget in one burst waits a full window, never gets two budgets
 * back to back).
 */
export class RollingWindow {
  private readonly charges = new Map<string, Charge[]>();

  constructor(readonly windowMs: number) {
    if (!(windowMs > 0)) throw new Error(`windowMs must be positive, got ${windowMs}`);
  }

  /** Records `amount` for `key` at time `at` (charges arrive in time order). */
  add(key: string, at: number, amount: number): void {
    if (!(amount > 0)) return;
    const list = this.charges.get(key);
    if (list) list.push({ at, amount });
    else this.charges.set(key, [{ at, amount }]);
  }

  /** Total charged to `key` in the window ending at `now`. */
  used(key: string, now: number): number {
    const list = this.live(key, now);
    let sum = 0;
    for (const c of list) sum += c.amount;
    return sum;
  }

  /**
   * The earliest time at which `key` is back under `limit`, as old charges leave the window;
   * `now` when it already is.
   */
  underLimitAt(key: string, now: number, limit: number): number {
    let remaining = this.used(key, now);
    if (remaining < limit) return now;
    for (const c of this.live(key, now)) {
      remaining -= c.amount;
      if (remaining < limit) return c.at + this.windowMs;
    }
    return now;
  }

  /** Drops every expired charge (call now and then so idle users do not keep memory). */
  prune(now: number): void {
    for (const key of [...this.charges.keys()]) this.live(key, now);
  }

  /** Number of keys with live charges. */
  get keys(): number {
    return this.charges.size;
  }

  private live(key: string, now: number): readonly Charge[] {
    const list = this.charges.get(key);
    if (!list) return [];
    const from = now - this.windowMs;
    let drop = 0;
    while (drop < list.length && (list[drop]?.at ?? now) <= from) drop += 1;
    if (drop === list.length) {
      this.charges.delete(key);
      return [];
    }
    if (drop > 0) list.splice(0, drop);
    return list;
  }
}
