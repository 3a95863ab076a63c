import type { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { LiveMessage } from '../../../src/adapters/slack/live-message.js';
import { SlackApi } from '../../../src/adapters/slack/slack-api.js';
import { DEFAULT_PACING } from '../../../src/adapters/slack/slack-pacing.js';
import { silentLogger } from '../../../src/core/logger.js';

/** A WebClient stand-in that records chat calls in order (the limiter in front of it is the real one). */
function recordingClient() {
  const calls: string[] = [];
  let n = 0;
  const client = {
    chat: {
      postMessage: async (a: { text: string }) => {
        calls.push(`post ${a.text}`);
        n += 1;
        return { ok: true, ts: `1.${n}` };
      },
      update: async (a: { ts: string; text: string }) => {
        calls.push(`update ${a.ts} ${a.text}`);
        return { ok: true };
      },
    },
  };
  return { calls, client: client as unknown as webApi.WebClient };
}

describe('LiveMessage under a shared chat.update budget', () => {
  it('sends a final text before other messages’ streaming edits and drops its own stale ones', async () => {
    const { calls, client } = recordingClient();
    const api = new SlackApi(client, { ...DEFAULT_PACING, postMessageMs: 0, updateMs: 30 });
    const a = new LiveMessage(api, 'C1', undefined, silentLogger(), 3_000);
    const b = new LiveMessage(api, 'C2', undefined, silentLogger(), 3_000);
    a.show('a1');
    b.show('b1');
    await a.settle('a1'); // both first posts exist once A's is out
    await b.settle('b1');
    calls.length = 0;
    // A streams; its edits queue behind each other at the pace. B then settles: B's final jumps the queue,
    // and when A settles, its streaming edit still waiting is dropped.
    for (const t of ['a2', 'a3']) a.show(t);
    b.show('b2');
    const bFinal = b.settle('b final');
    const aFinal = a.settle('a final');
    await Promise.all([bFinal, aFinal]);
    expect(calls.filter((c) => c.includes('final'))).toEqual(['update 1.2 b final', 'update 1.1 a final']);
    // At most the one streaming edit already being sent went out; none arrives after a final.
    const lastA = calls.filter((c) => c.startsWith('update 1.1')).at(-1);
    expect(lastA).toBe('update 1.1 a final');
    expect(calls.filter((c) => c.startsWith('update 1.1')).length).toBeLessThanOrEqual(2);
    await api.close();
  });
});
