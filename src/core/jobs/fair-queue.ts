import type { JobOwner } from './job.js';

/** What the queue needs to know about an entry. */
export interface FairEntry {
  readonly owner: JobOwner;
  /** Level the entry is queued at; read at push time (re-push to move it). */
  readonly priority: number;
  /** Arrival order; breaks ties so equals are served first come, first served. */
  readonly seq: number;
}

type Users<E> = Map<string, E[]>;
type Groups<E> = Map<string, Users<E>>;

interface State<E> {
  /** priority → workspace → user → entries (oldest first). */
  levels: Map<number, Groups<E>>;
  /** When each workspace / user was last served (monotonic counter); absent = never. */
  groupServed: Map<string, number>;
  userServed: Map<string, number>;
  clock: number;
}

/** Workspace key: DMs of one platform share a group so they cannot outvote a guild by count. */
export const groupKeyOf = (o: JobOwner): string =>
  o.workspaceId === undefined ? `${o.platform}:direct` : `${o.platform}:ws:${o.workspaceId}`;

/** User key, unique across platforms. */
export const userKeyOf = (o: JobOwner): string => `${o.platform}:${o.userId}`;

/** Keeps the served-stamps maps bounded on a long-running bot. */
const MAX_STAMPS = 10_000;

/**
 * A priority queue with fair ordering inside each priority: the workspace served least recently goes
 * first, and inside it the user served least recently; ties go to the oldest entry. This is round
 * robin in which newcomers go before anyone already served, so one user with fifty queued jobs gets
 * one slot per round while five others each get theirs in the first round.
 */
export class FairQueue<E extends FairEntry> {
  private state: State<E> = {
    levels: new Map(),
    groupServed: new Map(),
    userServed: new Map(),
    clock: 0,
  };
  private count = 0;

  /** Number of queued entries. */
  get size(): number {
    return this.count;
  }

  /** Adds an entry. */
  push(entry: E): void {
    const { levels } = this.state;
    let groups = levels.get(entry.priority);
    if (!groups) {
      groups = new Map();
      levels.set(entry.priority, groups);
    }
    const g = groupKeyOf(entry.owner);
    let users = groups.get(g);
    if (!users) {
      users = new Map();
      groups.set(g, users);
    }
    // A user is a member of each workspace they use: fairness between users is decided inside a
    // workspace, which also keeps order() exact (serving someone in one guild never reorders another).
    const u = `${g}|${userKeyOf(entry.owner)}`;
    const list = users.get(u);
    if (!list) users.set(u, [entry]);
    else {
      // Oldest first, also for an aged entry moving into a level where its user has newer ones.
      let at = list.length;
      while (at > 0 && (list[at - 1]?.seq ?? 0) > entry.seq) at -= 1;
      list.splice(at, 0, entry);
    }
    this.count += 1;
  }

  /** Removes and returns the next entry to run, if any. */
  pop(): E | undefined {
    const entry = popFrom(this.state);
    if (entry) {
      this.count -= 1;
      this.pruneStamps();
    }
    return entry;
  }

  /** Removes every entry the filter accepts and returns them. */
  remove(filter: (entry: E) => boolean): E[] {
    const removed: E[] = [];
    for (const [priority, groups] of this.state.levels) {
      for (const [g, users] of groups) {
        for (const [u, list] of users) {
          const kept: E[] = [];
          for (const e of list) (filter(e) ? removed : kept).push(e);
          if (kept.length === 0) users.delete(u);
          else users.set(u, kept);
        }
        if (users.size === 0) groups.delete(g);
      }
      if (groups.size === 0) this.state.levels.delete(priority);
    }
    this.count -= removed.length;
    return removed;
  }

  /**
   * Every queued entry in the order it would be served if nothing else arrived. Same result as popping
   * everything, in O(n + k log k): whoever is served gets the newest stamp, so after one sort by
   * (last served, oldest entry) each ring simply rotates.
   */
  order(): E[] {
    const groupServed = new Map(this.state.groupServed);
    const userServed = new Map(this.state.userServed);
    let clock = this.state.clock;
    const out: E[] = [];
    for (const priority of [...this.state.levels.keys()].sort((a, b) => a - b)) {
      const level = this.state.levels.get(priority);
      if (!level) continue;
      const ring = [...level].map(([g, users]) => {
        const members = [...users].map(([u, list]) => ({ u, list, next: 0 }));
        members.sort(
          (a, b) =>
            (userServed.get(a.u) ?? -1) - (userServed.get(b.u) ?? -1) || headSeq(a.list) - headSeq(b.list),
        );
        return {
          g,
          members,
          head: 0,
          seq: members.reduce((min, m) => Math.min(min, headSeq(m.list)), Number.POSITIVE_INFINITY),
        };
      });
      ring.sort((a, b) => (groupServed.get(a.g) ?? -1) - (groupServed.get(b.g) ?? -1) || a.seq - b.seq);
      // Arrays used as queues (read index + push to the back), so each serve is O(1).
      for (let gi = 0; gi < ring.length; gi++) {
        const group = ring[gi];
        const member = group?.members[group.head++];
        if (!group || !member) continue;
        const entry = member.list[member.next++];
        if (!entry) continue;
        out.push(entry);
        clock += 1;
        groupServed.set(group.g, clock);
        userServed.set(member.u, clock);
        if (member.next < member.list.length) group.members.push(member);
        if (group.head < group.members.length) ring.push(group);
      }
    }
    return out;
  }

  private pruneStamps(): void {
    const { groupServed, userServed, levels } = this.state;
    if (groupServed.size + userServed.size <= MAX_STAMPS) return;
    // Forgetting an idle entity only makes it a newcomer again: it loses no fairness it had earned.
    const queuedGroups = new Set<string>();
    const queuedUsers = new Set<string>();
    for (const groups of levels.values())
      for (const [g, users] of groups) {
        queuedGroups.add(g);
        for (const u of users.keys()) queuedUsers.add(u);
      }
    for (const g of groupServed.keys()) if (!queuedGroups.has(g)) groupServed.delete(g);
    for (const u of userServed.keys()) if (!queuedUsers.has(u)) userServed.delete(u);
  }
}

const headSeq = (list: readonly FairEntry[]): number => list[0]?.seq ?? Number.POSITIVE_INFINITY;

/** Picks the key with the smallest (last served, oldest head seq). */
function leastRecent<V>(
  map: Map<string, V>,
  served: Map<string, number>,
  headSeq: (v: V) => number,
): string | undefined {
  let best: string | undefined;
  let bestServed = Number.POSITIVE_INFINITY;
  let bestSeq = Number.POSITIVE_INFINITY;
  for (const [key, value] of map) {
    const s = served.get(key) ?? -1;
    const q = headSeq(value);
    if (s < bestServed || (s === bestServed && q < bestSeq)) {
      best = key;
      bestServed = s;
      bestSeq = q;
    }
  }
  return best;
}

const oldestIn = <E extends FairEntry>(users: Users<E>): number => {
  let min = Number.POSITIVE_INFINITY;
  for (const list of users.values()) min = Math.min(min, list[0]?.seq ?? min);
  return min;
};

function popFrom<E extends FairEntry>(state: State<E>): E | undefined {
  if (state.levels.size === 0) return undefined;
  const priority = Math.min(...state.levels.keys());
  const groups = state.levels.get(priority);
  if (!groups) return undefined;
  const g = leastRecent(groups, state.groupServed, oldestIn);
  const users = g === undefined ? undefined : groups.get(g);
  if (g === undefined || !users) return undefined;
  const u = leastRecent(users, state.userServed, (l) => l[0]?.seq ?? Number.POSITIVE_INFINITY);
  const list = u === undefined ? undefined : users.get(u);
  const entry = list?.shift();
  if (u === undefined || !list || !entry) return undefined;
  if (list.length === 0) users.delete(u);
  if (users.size === 0) groups.delete(g);
  if (groups.size === 0) state.levels.delete(priority);
  state.clock += 1;
  state.groupServed.set(g, state.clock);
  state.userServed.set(u, state.clock);
  return entry;
}
