import { afterEach, describe, expect, it } from 'vitest';
import { ok } from '../../../src/core/errors.js';
import type { EngineEvent } from '../../../src/engine/engine.js';
import type { Task } from '../../../src/tasks/task.js';
import type { SlackEmulator } from '../../emulators/slack/slack-emulator.js';
import { WORKSPACE } from '../../emulators/slack/slack-state.js';
import { done } from '../../fakes/fake-engine.js';
import { png, type SlackRig, startRig, TEST_PACING } from './harness.js';

const CHANNEL = 'C0GEN0001';
const MENTION = `<@${WORKSPACE.botUserId}>`;

describe('Slack adapter over HTTP (real Bolt against the emulator)', () => {
  let rig: SlackRig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('answers an app_mention in a thread: streamed text, the PNG uploaded, buttons under it', async () => {
    rig = await startRig();
    const { emu, slack, outcomes } = rig;
    const asked = slack.userPosts({ channel: CHANNEL, text: `${MENTION} draw a red square` });
    const delivery = await slack.mention(asked);
    expect(delivery.status).toBe(200);
    const outcome = await outcomes.of(delivery.eventId);
    expect(outcome.result).toBe('handled');

    const thread = emu.state.botMessages(CHANNEL, asked.ts);
    const reply = thread.find((m) => m.text.startsWith('Here is'));
    expect(reply?.text).toBe('Here is a red square, freshly drawn.');
    // Streaming: the first post held a prefix of the answer, and later text arrived by chat.update.
    const firstPost = emu.callsOf('chat.postMessage')[0];
    expect('Here is a red square, freshly drawn.'.startsWith(String(firstPost?.params.text))).toBe(true);
    expect(reply?.edits).toBeGreaterThan(0);
    expect(emu.callsOf('chat.update').length).toBeLessThanOrEqual(6);

    // files.uploadV2 into the same thread, bytes intact.
    const complete = emu.callsOf('files.completeUploadExternal')[0];
    expect(complete?.params).toMatchObject({ channel_id: CHANNEL, thread_ts: asked.ts });
    const fileMessage = thread.find((m) => (m.files?.length ?? 0) > 0);
    const file = emu.state.files.get(fileMessage?.files?.[0] ?? '');
    expect(file?.mimetype).toBe('image/png');
    expect(file?.bytes).toEqual(rig.generated);
    expect(file?.altText).toBe('a red square');

    // Buttons under the image.
    const buttons = thread.find((m) => m.blocks?.some((b) => (b as { type: string }).type === 'actions'));
    const labels = JSON.stringify(buttons?.blocks);
    for (const label of ['Regenerate', 'Edit', 'Segment', 'Animate']) expect(labels).toContain(label);
    // Status line of the job ends as done.
    expect(thread.some((m) => m.text.includes('Image generation: done'))).toBe(true);
  });

  it('answers a DM in the DM, without a thread', async () => {
    rig = await startRig();
    const { emu, slack, outcomes } = rig;
    const dm = slack.userPosts({ channel: 'D0ADA0001', text: 'hello there' });
    const delivery = await slack.message(dm, 'im');
    await outcomes.of(delivery.eventId);
    const replies = emu.state.botMessages('D0ADA0001');
    expect(replies.map((m) => [m.text, m.thread_ts])).toEqual([
      ['You said: hello there (1 turns)', undefined],
    ]);
  });

  it('follows up in a thread it is part of without a mention, and edits the image it made (multi-turn)', async () => {
    rig = await startRig();
    const { emu, slack, outcomes, tasks } = rig;
    const asked = slack.userPosts({ channel: CHANNEL, text: `${MENTION} draw a cat` });
    await outcomes.of((await slack.mention(asked)).eventId);

    const followUp = slack.userPosts({ channel: CHANNEL, text: 'now make it blue', threadTs: asked.ts });
    const second = await outcomes.of((await slack.message(followUp, 'channel')).eventId);
    expect(second.result).toBe('handled');
    expect(tasks.get('image_editing')?.requests[0]?.inputImage?.bytes).toEqual(rig.generated);
    expect(emu.state.botMessages(CHANNEL, asked.ts).some((m) => m.text === 'Recoloured.')).toBe(true);

    // The message event twin of an app_mention is left to the app_mention listener.
    const mentioned = slack.userPosts({ channel: CHANNEL, text: `${MENTION} again`, threadTs: asked.ts });
    expect((await outcomes.of((await slack.message(mentioned, 'channel')).eventId)).result).toBe('ignored');
    // The author's name was looked up once (users.info), then cached.
    expect(emu.callsOf('users.info')).toHaveLength(1);

    // A plain message in a thread the bot is not part of is not for the bot.
    const other = slack.userPosts({ channel: CHANNEL, text: 'unrelated' });
    const stranger = slack.userPosts({ channel: CHANNEL, text: 'reply', threadTs: other.ts });
    expect((await outcomes.of((await slack.message(stranger, 'channel')).eventId)).result).toBe('ignored');
  });

  it('answers a retried event exactly once (event_id / X-Slack-Retry-Num)', async () => {
    rig = await startRig();
    const { emu, slack, outcomes, engine } = rig;
    const asked = slack.userPosts({ channel: CHANNEL, text: `${MENTION} ping` });
    const first = await slack.mention(asked);
    const retry = await slack.mention(asked, { eventId: first.eventId, retryNum: 1 });
    expect(retry.status).toBe(200);
    const results = await Promise.all([
      outcomes.waitFor((o) => o.id === first.eventId && o.result === 'handled'),
      outcomes.waitFor((o) => o.id === first.eventId && o.result === 'duplicate'),
    ]);
    expect(results.map((r) => r.result)).toEqual(['handled', 'duplicate']);
    await rig.adapter.drain();
    expect(engine.contexts).toHaveLength(1);
    expect(emu.state.botMessages(CHANNEL, asked.ts).map((m) => m.text)).toEqual(['You said: ping (1 turns)']);
  });

  it('refuses a forged or stale signature with 401 and does no work', async () => {
    rig = await startRig();
    const { emu, slack, engine, outcomes } = rig;
    const asked = slack.userPosts({ channel: CHANNEL, text: `${MENTION} draw a trap` });
    expect((await slack.mention(asked, { sign: { secret: 'forged' } })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await slack.mention(asked, { sign: { timestamp: stale } })).status).toBe(401);
    expect((await slack.slashCommand('/llmbind', 'imagine x', { sign: { secret: 'forged' } })).status).toBe(
      401,
    );
    await rig.adapter.drain();
    expect(engine.contexts).toHaveLength(0);
    expect(outcomes.all).toHaveLength(0);
    expect(emu.callsOf('chat.postMessage')).toHaveLength(0);
  });

  it('waits out 429 on chat.update and on the upload: everything still arrives', async () => {
    rig = await startRig();
    const { emu, slack, outcomes } = rig;
    emu.failNext('chat.update', { status: 429, retryAfter: 1 });
    emu.failNext('upload', { status: 429, retryAfter: 1 });
    const asked = slack.userPosts({ channel: CHANNEL, text: `${MENTION} draw a slow snail` });
    expect((await outcomes.of((await slack.mention(asked)).eventId)).result).toBe('handled');

    expect(emu.callsOf('chat.update').map((c) => c.status)).toContain(429);
    expect(emu.callsOf('upload').map((c) => c.status)).toEqual([429, 200]);
    const thread = emu.state.botMessages(CHANNEL, asked.ts);
    expect(thread.some((m) => m.text === 'Here is a slow snail, freshly drawn.')).toBe(true);
    const uploaded = thread.flatMap((m) => m.files ?? []).map((id) => emu.state.files.get(id)?.bytes);
    expect(uploaded).toEqual([rig.generated]);
  });

  it('splits a long reply over several messages within the section limit', async () => {
    const long = `${'word '.repeat(1_300)}end.`; // ~6,500 characters
    rig = await startRig('http', {}, { script: () => [{ type: 'text', delta: long }, done(long)] });
    const { emu, slack, outcomes } = rig;
    const asked = slack.userPosts({ channel: CHANNEL, text: `${MENTION} talk` });
    await outcomes.of((await slack.mention(asked)).eventId);
    const pieces = emu.state.botMessages(CHANNEL, asked.ts).map((m) => m.text);
    expect(pieces.length).toBe(3);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(3_000);
    expect(pieces.join(' ').replace(/\s+/g, ' ')).toBe(long.trim().replace(/\s+/g, ' '));
  });

  it('paces chat.update per channel (Tier 3 pacing from the limiter)', async () => {
    // An engine that waits until each delta has been shown, so every delta costs one edit.
    const deltas = ['one ', 'two ', 'three ', 'four ', 'five.'];
    const shownIn = (emu: SlackEmulator) => ({
      async *respond(): AsyncIterable<EngineEvent> {
        let shown = '';
        for (const [i, delta] of deltas.entries()) {
          shown += delta;
          yield { type: 'text', delta };
          const expected = shown;
          await emu.waitForCall((c) =>
            i === 0
              ? c.method === 'chat.postMessage'
              : c.method === 'chat.update' && c.params.text === expected,
          );
        }
        yield { type: 'done', raw: shown, tokens: 5, finishReason: 'stop', firstTokenMs: 1 };
      },
      async close() {},
    });
    rig = await startRig(
      'http',
      { pacing: { ...TEST_PACING, updateMs: 150 } },
      {
        engine: shownIn,
      },
    );
    const { emu, slack, outcomes } = rig;
    const asked = slack.userPosts({ channel: CHANNEL, text: `${MENTION} count` });
    await outcomes.of((await slack.mention(asked)).eventId);
    const updates = emu.callsOf('chat.update').map((c) => c.at);
    expect(updates).toHaveLength(4);
    for (let i = 1; i < updates.length; i++) {
      expect((updates[i] ?? 0) - (updates[i - 1] ?? 0)).toBeGreaterThanOrEqual(100);
    }
  });

  it('coalesces a fast stream: 200 deltas cost a handful of writes', async () => {
    const deltas = Array.from({ length: 200 }, (_, i): EngineEvent => ({ type: 'text', delta: `w${i} ` }));
    rig = await startRig('http', {}, { script: () => [...deltas, done('...')] });
    const { emu, slack, outcomes } = rig;
    const asked = slack.userPosts({ channel: CHANNEL, text: `${MENTION} go` });
    await outcomes.of((await slack.mention(asked)).eventId);
    const writes = emu.calls.filter((c) => c.method === 'chat.update' || c.method === 'chat.postMessage');
    expect(writes.length).toBeLessThanOrEqual(3);
    expect(emu.state.botMessages(CHANNEL, asked.ts).at(-1)?.text).toBe(
      deltas
        .map((d) => (d.type === 'text' ? d.delta : ''))
        .join('')
        .trim(),
    );
  });

  it('fails to start on a bad bot token (auth.test at init), before taking traffic', async () => {
    await expect(startRig('http', { botToken: 'xoxb-wrong' })).rejects.toThrow(/invalid_auth/);
  });

  it('shows step % and the latest preview image in the job status, then the result', async () => {
    const previews = [await png('#111111'), await png('#555555'), await png('#999999')];
    let emu: SlackEmulator | undefined;
    const previewTask: Task = {
      kind: 'image_generation',
      async run(request, options) {
        for (const [i, preview] of previews.entries()) {
          options.onProgress?.({ step: i + 1, totalSteps: 4, preview });
          // Let each preview be shown before the next (a job that finishes first drops its stale
          // status edits: the result supersedes them), so the status shows every one in turn.
          const current = emu;
          const shown = () =>
            current?.callsOf('chat.update').filter((c) => String(c.params.blocks).includes('slack_file'))
              .length ?? 0;
          await current?.waitForCall((c) => c.method === 'chat.update' && shown() > i);
        }
        return ok({
          media: [
            {
              bytes: previews[2] ?? new Uint8Array(),
              mime: 'image/png',
              filename: 'r.png',
              altText: request.prompt,
            },
          ],
          seed: request.seed,
          computeSeconds: 0,
        });
      },
      async dispose() {},
    };
    rig = await startRig('http', {}, { tasks: [previewTask] });
    emu = rig.emu;
    const asked = rig.slack.userPosts({ channel: CHANNEL, text: `${MENTION} draw a gradient` });
    await rig.outcomes.of((await rig.slack.mention(asked)).eventId);

    const statusMessage = rig.emu.state
      .botMessages(CHANNEL, asked.ts)
      .find((m) => m.text.includes('Image generation'));
    expect(statusMessage?.text).toContain('Image generation: done.');
    // Previews were uploaded unshared (no channel) and shown by file id while running.
    const previewCompletes = rig.emu
      .callsOf('files.completeUploadExternal')
      .filter((c) => !c.params.channel_id);
    expect(previewCompletes.length).toBeGreaterThanOrEqual(1);
    const updates = rig.emu.callsOf('chat.update').map((c) => String(c.params.blocks));
    expect(updates.some((b) => b.includes('slack_file'))).toBe(true);
    expect(rig.emu.callsOf('chat.update').some((c) => String(c.params.text).includes('%'))).toBe(true);
    // The final status carries no preview: the result itself is posted in the thread.
    expect(JSON.stringify(statusMessage?.blocks)).not.toContain('slack_file');
  });
});
