/**
 * Remembers recently seen event ids so that a Slack retry (same event_id, X-Slack-Retry-Num > 0) never
 * produces a second answer; Bolt does not de-duplicate. Bounded: the oldest ids are forgotten first.
 */
export class EventDedupe {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 10_000) {}

  /** Records `id`; returns false when it was seen before (a duplicate). */
  firstSighting(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }
}
