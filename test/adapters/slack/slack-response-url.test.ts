import { afterEach, describe, expect, it } from 'vitest';
import { BUTTON_ACTIONS, EDIT_MODAL, mediaButtons } from '../../../src/adapters/slack/media-buttons.js';
import { WORKSPACE } from '../../emulators/slack/slack-state.js';
import { done } from '../../fakes/fake-engine.js';
import { type SlackRig, startRig } from './harness.js';

const PRIVATE = 'C0PRIV001';

/** The text of every section block of a response_url post. */
const sections = (body: Record<string, unknown>): string[] =>
  ((body.blocks ?? []) as Array<{ text?: { text?: string } }>).map((b) => b.text?.text ?? '');

describe('Slack slash command where the bot is not a member: the answer goes through response_url', () => {
  let rig: SlackRig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('posts the final text once, ephemeral, saying the image needs the app invited; edit follows up', async () => {
    rig = await startRig();
    const { emu, slack, outcomes, tasks } = rig;
    emu.state.notMemberOf.add(PRIVATE);
    const ack = await slack.slashCommand('/llmbind', 'imagine a secret', { channel: PRIVATE });
    expect(JSON.parse(ack.body)).toMatchObject({ text: 'On it…' });
    expect((await outcomes.waitFor((o) => o.source === 'command')).result).toBe('handled');

    expect(tasks.get('image_generation')?.requests.map((r) => r.prompt)).toEqual(['a secret']);
    expect(emu.responses).toHaveLength(1);
    const body = emu.responses[0]?.body ?? {};
    expect(body.response_type).toBe('ephemeral');
    expect(sections(body)).toEqual([
      'On it.',
      `:paperclip: I made an image for you, but I can only upload files to channels I am in: /invite <@${WORKSPACE.botUserId}> here, then ask again.`,
    ]);
    // Final text only: no streaming edits, no status message, no upload anywhere.
    expect(emu.callsOf('chat.update')).toHaveLength(0);
    expect(emu.callsOf('files.getUploadURLExternal')).toHaveLength(0);
    expect(emu.state.botMessages(PRIVATE)).toHaveLength(0);

    // The command conversation still holds the image: edit acts on it, answered through its own URL.
    await slack.slashCommand('/llmbind', 'edit make it blue', { channel: PRIVATE });
    await outcomes.waitFor(
      (o) => o.source === 'command' && o.result === 'handled' && outcomes.all.indexOf(o) > 0,
    );
    expect(tasks.get('image_editing')?.requests[0]?.inputImage?.bytes).toEqual(rig.generated);
    expect(emu.responses.map((r) => r.id)).toHaveLength(2);
    expect(new Set(emu.responses.map((r) => r.id)).size).toBe(2);
  });

  it('answers in a DM between two people (channel_not_found), a long answer in section blocks of one post', async () => {
    const long = `${'word '.repeat(1_300)}end.`;
    rig = await startRig('http', {}, { script: () => [{ type: 'text', delta: long }, done(long)] });
    const { emu, slack, outcomes } = rig;
    emu.state.hidden.add('D0ADABOB1');
    await slack.slashCommand('/llmbind', 'talk to me', { channel: 'D0ADABOB1' });
    expect((await outcomes.waitFor((o) => o.source === 'command')).result).toBe('handled');
    expect(emu.responses).toHaveLength(1);
    const pieces = sections(emu.responses[0]?.body ?? {});
    expect(pieces).toHaveLength(3);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(3_000);
    expect(pieces.join(' ').replace(/\s+/g, ' ')).toBe(long.trim());
  });

  it('says so and runs nothing when posting fails for another reason (archived channel)', async () => {
    rig = await startRig();
    const { emu, slack, outcomes, engine } = rig;
    emu.state.archived.add('C0OLD0001');
    await slack.slashCommand('/llmbind', 'imagine a ghost', { channel: 'C0OLD0001' });
    expect((await outcomes.waitFor((o) => o.source === 'command')).result).toBe('failed');
    expect(emu.responses.map((r) => r.body.text)).toEqual([
      'I cannot post in this channel right now, so I did not start. Try again, or DM me.',
    ]);
    expect(engine.contexts).toHaveLength(0);
  });

  it('answers a click on an expired button through its response_url, retried after a 429', async () => {
    rig = await startRig();
    const { emu, slack, outcomes, engine } = rig;
    const old = emu.state.add({
      channel: 'C0GEN0001',
      bot_id: WORKSPACE.botId,
      text: 'What next?',
      blocks: mediaButtons('forgotten-record'),
    });
    emu.failNext('response_url', { status: 429, retryAfter: 1 });
    await slack.clickButton(old, BUTTON_ACTIONS.regenerate);
    expect((await outcomes.waitFor((o) => o.source === 'action')).result).toBe('answered');
    expect(emu.callsOf('response_url').map((c) => c.status)).toEqual([429, 200]);
    expect(emu.responses[0]?.body).toMatchObject({
      response_type: 'ephemeral',
      replace_original: false,
      text: 'This button has expired; ask me again.',
    });
    expect(engine.contexts).toHaveLength(0);
  });

  it('waits out a 429 on the response_url post: the answer still arrives', async () => {
    rig = await startRig();
    const { emu, slack, outcomes } = rig;
    emu.state.notMemberOf.add(PRIVATE);
    emu.failNext('response_url', { status: 429, retryAfter: 1 });
    await slack.slashCommand('/llmbind', 'hello', { channel: PRIVATE });
    await outcomes.waitFor((o) => o.source === 'command');
    await rig.adapter.drain();
    const posts = emu.callsOf('response_url');
    expect(posts.map((c) => c.status)).toEqual([429, 200]);
    expect((posts[1]?.at ?? 0) - (posts[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect(sections(emu.responses[0]?.body ?? {})).toEqual(['You said: hello (1 turns)']);
  });
});

describe('Slack limiters on views.open and users.info', () => {
  let rig: SlackRig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('waits out 429s on users.info and views.open; the name and the modal still arrive', async () => {
    rig = await startRig();
    const { emu, slack, outcomes } = rig;
    emu.failNext('users.info', { status: 429, retryAfter: 1 });
    const asked = slack.userPosts({ channel: 'C0GEN0001', text: `<@${WORKSPACE.botUserId}> draw a lamp` });
    expect((await outcomes.of((await slack.mention(asked)).eventId)).result).toBe('handled');
    expect(emu.callsOf('users.info').map((c) => c.status)).toEqual([429, 200]);
    expect(rig.messages[0]?.author.name).toBe('ada');

    const withButtons = emu.state
      .botMessages('C0GEN0001', asked.ts)
      .find((m) => m.blocks?.some((b) => (b as { type: string }).type === 'actions'));
    if (!withButtons) throw new Error('no buttons posted');
    emu.failNext('views.open', { status: 429, retryAfter: 1 });
    await slack.clickButton(withButtons, BUTTON_ACTIONS.edit);
    await outcomes.waitFor((o) => o.source === 'action' && o.id.startsWith('edit'));
    expect(emu.callsOf('views.open').map((c) => c.status)).toEqual([429, 200]);
    await slack.submitView(EDIT_MODAL.blockId, EDIT_MODAL.actionId, 'add a shade');
    expect((await outcomes.waitFor((o) => o.source === 'view')).result).toBe('handled');
  });

  it('paces users.info and views.open calls through their limiters', async () => {
    const pacing = { postMessageMs: 0, updateMs: 20, uploadMs: 0, repliesMs: 0 };
    rig = await startRig('http', {
      pacing: { ...pacing, usersInfoMs: 250, viewsOpenMs: 250, responseUrlMs: 0 },
    });
    const { emu, slack, outcomes } = rig;
    // Two users at once: two users.info lookups, one limiter.
    const a = slack.userPosts({ channel: 'C0GEN0001', text: `<@${WORKSPACE.botUserId}> draw a lamp` });
    const b = slack.userPosts({
      channel: 'C0GEN0001',
      text: `<@${WORKSPACE.botUserId}> yo`,
      user: 'U0BOB0001',
    });
    const [da, db] = await Promise.all([slack.mention(a), slack.mention(b)]);
    await Promise.all([outcomes.of(da.eventId), outcomes.of(db.eventId)]);
    const lookups = emu.callsOf('users.info').map((c) => c.at);
    expect(lookups).toHaveLength(2);
    expect(Math.abs((lookups[1] ?? 0) - (lookups[0] ?? 0))).toBeGreaterThanOrEqual(200);

    // Two Edit clicks at once: two modals, one limiter.
    const withButtons = emu.state
      .botMessages('C0GEN0001', a.ts)
      .find((m) => m.blocks?.some((x) => (x as { type: string }).type === 'actions'));
    if (!withButtons) throw new Error('no buttons posted');
    await Promise.all([
      slack.clickButton(withButtons, BUTTON_ACTIONS.edit),
      slack.clickButton(withButtons, BUTTON_ACTIONS.edit),
    ]);
    await emu.waitForCall((c) => c.method === 'views.open' && emu.callsOf('views.open').length === 2);
    const opens = emu.callsOf('views.open').map((c) => c.at);
    expect((opens[1] ?? 0) - (opens[0] ?? 0)).toBeGreaterThanOrEqual(200);
  });
});
