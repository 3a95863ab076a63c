import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_HISTORY_LIMITS } from '../../../src/adapters/slack/thread-history.js';
import type { SlackEventDelivery } from '../../emulators/slack/event-delivery.js';
import { type EmuMessage, WORKSPACE } from '../../emulators/slack/slack-state.js';
import { type SlackRig, startRig } from './harness.js';

const CHANNEL = 'C0GEN0001';
const MENTION = `<@${WORKSPACE.botUserId}>`;

/** A parent `message 0`, replies `message 1…n-1` from two users, then the bot is mentioned in the thread. */
function longThread(
  slack: SlackEventDelivery,
  n: number,
  beforeBurst?: () => void,
  burstFrom = n,
): EmuMessage {
  const parent = slack.userPosts({ channel: CHANNEL, text: 'message 0' });
  for (let i = 1; i < n; i++) {
    if (i === burstFrom) beforeBurst?.();
    slack.userPosts({
      channel: CHANNEL,
      text: `message ${i}`,
      threadTs: parent.ts,
      user: i % 2 ? 'U0ADA0001' : 'U0BOB0001',
    });
  }
  return slack.userPosts({ channel: CHANNEL, text: `${MENTION} what was said?`, threadTs: parent.ts });
}

describe('Slack thread history of long threads (real Bolt against the emulator)', () => {
  let rig: SlackRig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('keeps the newest messages of a 2,500-message thread, in two conversations.replies calls', async () => {
    rig = await startRig();
    const { emu, slack, outcomes, engine } = rig;
    const asked = longThread(slack, 2_499);
    expect(emu.state.thread(CHANNEL, asked.thread_ts ?? '')).toHaveLength(2_500);
    expect((await outcomes.of((await slack.mention(asked)).eventId)).result).toBe('handled');

    const calls = emu.callsOf('conversations.replies');
    expect(calls).toHaveLength(2);
    // The second call reads only the end of the thread, before the message being answered.
    expect(calls[1]?.params).toMatchObject({ latest: asked.ts });
    expect(calls[1]?.params.oldest).toEqual(expect.any(String));
    const turns = engine.contexts[0]?.turns.map((t) => t.text) ?? [];
    const kept = DEFAULT_HISTORY_LIMITS.maxTurns;
    expect(turns).toEqual([
      ...Array.from({ length: kept }, (_, i) => `message ${2_499 - kept + i}`),
      'what was said?',
    ]);
  });

  it('reads a burst at the end of a long thread to its end with the cursor (three calls)', async () => {
    rig = await startRig();
    const { emu, slack, outcomes, engine } = rig;
    // 2,000 messages a minute apart, an hour of silence, then 400 messages within 0.4 s.
    emu.state.pace(60_000_000);
    const asked = longThread(slack, 2_400, () => emu.state.pace(1_000, 3_600_000_000), 2_000);
    await outcomes.of((await slack.mention(asked)).eventId);

    const calls = emu.callsOf('conversations.replies');
    expect(calls).toHaveLength(3);
    expect(calls[2]?.params.cursor).toEqual(expect.any(String));
    const turns = engine.contexts[0]?.turns.map((t) => t.text) ?? [];
    expect(turns.at(-2)).toBe('message 2399');
    expect(turns[0]).toBe(`message ${2_400 - DEFAULT_HISTORY_LIMITS.maxTurns}`);
  });

  it('trims a 1,000-message thread to a token budget with an injected counter (characters without one)', async () => {
    const counted: string[] = [];
    // A fake tokenizer: one token per word, plus one for the number's digits.
    const countTokens = (text: string) => {
      counted.push(text);
      return text.split(/\s+/).length + 1;
    };
    const limits = { ...DEFAULT_HISTORY_LIMITS, maxTurns: 100, maxTokens: 60, maxChars: 100_000 };
    rig = await startRig('http', { history: { ...limits, countTokens } });
    let asked = longThread(rig.slack, 999);
    await rig.outcomes.of((await rig.slack.mention(asked)).eventId);
    const turns = rig.engine.contexts[0]?.turns.map((t) => t.text) ?? [];
    // "message N" costs 3 tokens: 20 messages fill 60 tokens.
    expect(turns).toHaveLength(21);
    expect(turns[0]).toBe('message 979');
    expect(turns.at(-2)).toBe('message 998');
    expect(counted).toContain('message 998');
    await rig.stop();

    // The same thread without a counter: the character budget allows all 100 turns.
    rig = await startRig('http', { history: limits });
    asked = longThread(rig.slack, 999);
    await rig.outcomes.of((await rig.slack.mention(asked)).eventId);
    expect(rig.engine.contexts[0]?.turns).toHaveLength(101);
  });
});
