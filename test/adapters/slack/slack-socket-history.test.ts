import { afterEach, describe, expect, it } from 'vitest';
import { WORKSPACE } from '../../emulators/slack/slack-state.js';
import { png, type SlackRig, startRig } from './harness.js';

const CHANNEL = 'C0GEN0001';
const MENTION = `<@${WORKSPACE.botUserId}>`;

describe('Slack adapter: Socket Mode, thread history and files', () => {
  let rig: SlackRig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('runs the mention scenario over Socket Mode (hello, envelopes, acks), retries included', async () => {
    rig = await startRig('socket');
    const { emu, slack, outcomes } = rig;
    expect(emu.callsOf('apps.connections.open')).toHaveLength(1);
    const asked = slack.userPosts({ channel: CHANNEL, text: `${MENTION} draw a green kite` });
    const first = await slack.mention(asked);
    await slack.mention(asked, { eventId: first.eventId, retryNum: 1 });
    await outcomes.waitFor((o) => o.id === first.eventId && o.result === 'handled');
    await outcomes.waitFor((o) => o.id === first.eventId && o.result === 'duplicate');
    await rig.adapter.drain();
    const thread = emu.state.botMessages(CHANNEL, asked.ts);
    expect(thread.filter((m) => m.text === 'Here is a green kite, freshly drawn.')).toHaveLength(1);
    expect(thread.flatMap((m) => m.files ?? []).map((id) => emu.state.files.get(id)?.bytes)).toEqual([
      rig.generated,
    ]);

    const ack = await slack.slashCommand('/llmbind', 'help');
    expect(JSON.parse(ack.body).text).toContain('/llmbind imagine');
  });

  it('reads a 1,000-message thread in two calls, trimmed to the context window, then uses its cache', async () => {
    rig = await startRig('http', {
      history: { maxTurns: 30, maxTokens: 100_000, maxChars: 100_000, pageSize: 200, maxPages: 10 },
    });
    const { emu, slack, outcomes, engine } = rig;
    const parent = slack.userPosts({ channel: CHANNEL, text: 'message 0' });
    // Parent, 998 replies and the mention: 1,000 messages. One call finds a long thread, one reads its end.
    for (let i = 1; i < 999; i++) {
      slack.userPosts({
        channel: CHANNEL,
        text: `message ${i}`,
        threadTs: parent.ts,
        user: i % 2 ? 'U0ADA0001' : 'U0BOB0001',
      });
    }
    const asked = slack.userPosts({
      channel: CHANNEL,
      text: `${MENTION} what was said?`,
      threadTs: parent.ts,
    });
    await outcomes.of((await slack.mention(asked)).eventId);

    expect(emu.callsOf('conversations.replies')).toHaveLength(2);
    const turns = engine.contexts[0]?.turns ?? [];
    expect(turns).toHaveLength(31);
    expect(turns[0]?.text).toBe('message 969');
    expect(turns.at(-2)?.text).toBe('message 998');
    expect(turns.at(-1)?.text).toBe('what was said?');

    const again = slack.userPosts({ channel: CHANNEL, text: 'and now?', threadTs: parent.ts });
    await outcomes.of((await slack.message(again, 'channel')).eventId);
    expect(emu.callsOf('conversations.replies')).toHaveLength(2);
    expect(engine.contexts[1]?.turns.at(-1)?.text).toBe('and now?');
  });

  it('edits an image posted earlier in the thread, downloaded with the bot token', async () => {
    rig = await startRig();
    const { emu, slack, outcomes, tasks } = rig;
    const blue = await png('blue');
    const parent = slack.userPosts({
      channel: CHANNEL,
      text: 'look at this',
      files: [{ name: 'photo.png', bytes: blue }],
    });
    const asked = slack.userPosts({
      channel: CHANNEL,
      text: `${MENTION} make it blue please`,
      threadTs: parent.ts,
    });
    await outcomes.of((await slack.mention(asked)).eventId);
    expect(tasks.get('image_editing')?.requests[0]?.inputImage?.bytes).toEqual(blue);
    expect(emu.callsOf('file.download').map((c) => c.status)).toEqual([200]);
  });

  it('takes an image attached to the mention itself', async () => {
    rig = await startRig();
    const { slack, outcomes, engine } = rig;
    const green = await png('green');
    const asked = slack.userPosts({
      channel: CHANNEL,
      text: `${MENTION} what is this`,
      files: [{ name: 'g.png', bytes: green }],
    });
    await outcomes.of((await slack.mention(asked)).eventId);
    expect(engine.contexts[0]?.turns.at(-1)?.images[0]?.bytes).toEqual(green);
  });

  it('never sends the bot token to a file URL off the Slack file host', async () => {
    rig = await startRig('http', { fileOrigins: ['https://files.slack.com'] });
    const { emu, slack, outcomes } = rig;
    const asked = slack.userPosts({
      channel: CHANNEL,
      text: `${MENTION} see`,
      files: [{ name: 'x.png', bytes: await png('red') }],
    });
    await outcomes.of((await slack.mention(asked)).eventId);
    expect(emu.callsOf('file.download')).toHaveLength(0);
    expect(
      emu.state.botMessages(CHANNEL, asked.ts).some((m) => m.text.includes('I could not read "x.png"')),
    ).toBe(true);
  });

  it('keeps arrival order when a follow-up lands while the thread history is still being read', async () => {
    rig = await startRig();
    const { emu, slack, outcomes, engine } = rig;
    const parent = slack.userPosts({ channel: CHANNEL, text: 'plans for friday?' });
    slack.userPosts({ channel: CHANNEL, text: 'pizza', threadTs: parent.ts, user: 'U0BOB0001' });
    const asked = slack.userPosts({ channel: CHANNEL, text: `${MENTION} summarise`, threadTs: parent.ts });
    const followUp = slack.userPosts({ channel: CHANNEL, text: 'and drinks?', threadTs: parent.ts });
    const first = await slack.mention(asked);
    const second = await slack.message(followUp, 'channel');
    expect((await outcomes.of(first.eventId)).result).toBe('handled');
    expect((await outcomes.of(second.eventId)).result).toBe('handled');

    expect(emu.callsOf('conversations.replies')).toHaveLength(1);
    expect(engine.contexts.map((c) => c.turns.map((t) => t.text))).toEqual([
      ['plans for friday?', 'pizza', 'summarise'],
      ['plans for friday?', 'pizza', 'summarise', 'You said: summarise (3 turns)', 'and drinks?'],
    ]);
  });
});
