import type { RepliesPage, RepliesWindow, ThreadMessage } from './slack-api.js';

/** One conversations.replies call for a window of the thread. */
export type ReadRepliesPage = (window: RepliesWindow) => Promise<RepliesPage>;

/** Which messages of a thread to read, and at what cost at most. */
export interface TailRequest {
  /** ts of the thread's parent message. */
  readonly threadTs: string;
  /** Only messages strictly before this ts (the message being answered). */
  readonly before: string;
  /** How many of the newest messages are wanted. */
  readonly want: number;
  /** Messages per call (the `limit` Slack is asked for). */
  readonly pageSize: number;
  /** Calls at most (conversations.replies may be limited to about one a minute). */
  readonly maxCalls: number;
}

/** What reading a thread's tail found. */
export interface ThreadTail {
  /** The newest messages before `before`, oldest first, with no gap between them and `before`. */
  readonly messages: ThreadMessage[];
  /** True when `messages` is the whole thread before `before`. */
  readonly complete: boolean;
  /** conversations.replies calls made. */
  readonly calls: number;
}

const MICROS = 1_000_000;
/** A window aims at this share of a page, so that one call reads it whole. */
const FILL = 0.75;
/** Windows aim at this many times the messages still wanted (some have no text and are skipped). */
const MARGIN = 1.5;
/** A window too dense for one page is finished with its cursor only when the rest looks this small. */
const FOLLOW_PAGES = 2;

/** A Slack ts ("seconds.micros") as an integer number of microseconds (exact below 2^53). */
export function tsToMicros(ts: string): number {
  const [seconds = '0', fraction = ''] = ts.split('.');
  return Number(seconds) * MICROS + Number(fraction.padEnd(6, '0').slice(0, 6));
}

/** Microseconds back to a Slack ts. */
export function microsToTs(micros: number): string {
  const seconds = Math.floor(micros / MICROS);
  return `${seconds}.${String(micros - seconds * MICROS).padStart(6, '0')}`;
}

/** Messages per microsecond between the first and the last of a run of messages. */
function density(messages: readonly ThreadMessage[]): number | undefined {
  const first = messages[0];
  const last = messages.at(-1);
  if (!first || !last || messages.length < 2) return undefined;
  return (messages.length - 1) / Math.max(1, tsToMicros(last.ts) - tsToMicros(first.ts));
}

/** The messages of a page inside the exclusive bounds (Slack may add the parent whatever they say). */
function within(page: RepliesPage, lo: number, hi: number): ThreadMessage[] {
  return page.messages.filter((m) => {
    const t = tsToMicros(m.ts);
    return t > lo && t < hi;
  });
}

/**
 * Reads the newest `want` messages of a thread before `before` in a bounded number of calls, however long
 * the thread. conversations.replies pages oldest first, so the cursor alone reaches the end of a long
 * thread only after reading all of it. Instead: one call for the whole thread (most threads fit in a page,
 * and then it is complete); if it has more, walk back from `before` in time windows (`oldest`/`latest`),
 * each sized from the message rate seen so far to fit in one page. A window that fits is kept and the next
 * one ends where it began. A window with more than a page is finished with its cursor when the rest looks
 * short (a recent burst), else read again at most half as wide. What is kept is thus always the newest
 * messages with no gap, even when calls run out; reaching the end of the first page joins the two.
 */
export async function readThreadTail(read: ReadRepliesPage, request: TailRequest): Promise<ThreadTail> {
  const { want, pageSize, maxCalls } = request;
  const before = tsToMicros(request.before);
  const start = tsToMicros(request.threadTs);
  const first = await read({ latest: request.before });
  let calls = 1;
  const head = within(first, start - 1, before);
  if (!first.hasMore) return { messages: head, complete: true, calls };

  // Everything up to headEnd is in `head`. The parent may be much older than the replies: rate from these.
  const headEnd = tsToMicros(head.at(-1)?.ts ?? request.threadTs);
  let rate = density(head.slice(1)) ?? density(head) ?? 1 / Math.max(1, before - start);
  let tail: ThreadMessage[] = [];
  let hi = before;
  while (tail.length < want && calls < maxCalls) {
    const aim = Math.max(1, Math.min(pageSize * FILL, (want - tail.length) * MARGIN));
    const lo = Math.max(headEnd, hi - Math.max(1, Math.round(aim / rate)));
    const bounds = { oldest: microsToTs(lo), latest: microsToTs(hi) };
    let page = await read(bounds);
    calls += 1;
    let got = within(page, lo, hi);
    while (page.hasMore && page.nextCursor && calls < maxCalls) {
      const pace = density(got);
      const rest =
        pace === undefined ? Number.POSITIVE_INFINITY : pace * (hi - tsToMicros(got.at(-1)?.ts ?? '0'));
      if (rest > pageSize * Math.min(FOLLOW_PAGES, maxCalls - calls)) break;
      page = await read({ ...bounds, cursor: page.nextCursor });
      calls += 1;
      got = [...got, ...within(page, lo, hi)];
    }
    if (page.hasMore) {
      // Not read to its end, so not kept (it would leave a gap): try again at most half as wide.
      rate = Math.max((2 * aim) / (hi - lo), (pageSize + 1) / (hi - lo));
      continue;
    }
    tail = [...got, ...tail];
    if (lo === headEnd) return { messages: [...head, ...tail], complete: true, calls };
    // Sparser than hoped: from what this window held, or sixteen times wider when it was empty.
    rate = got.length > 0 ? got.length / (hi - lo) : rate / 16;
    // Both bounds are exclusive: the next window must still see a message at exactly `lo`.
    hi = lo + 1;
  }
  return { messages: tail, complete: false, calls };
}
