import { afterEach, describe, expect, it } from 'vitest';
import { BUTTON_ACTIONS, EDIT_MODAL } from '../../../src/adapters/slack/media-buttons.js';
import type { TaskKind } from '../../../src/engine/protocol/task-kind.js';
import { type SlackRig, startRig } from './harness.js';

const CHANNEL = 'C0GEN0001';

describe('Slack slash command and buttons (real Bolt against the emulator)', () => {
  let rig: SlackRig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  /** Runs `/llmbind <text>`, waits for the turn it started, and returns the ack body. */
  async function run(r: SlackRig, text: string): Promise<{ text?: string; response_type?: string }> {
    const before = r.outcomes.all.length;
    const ack = await r.slack.slashCommand('/llmbind', text);
    expect(ack.status).toBe(200);
    const outcome = await r.outcomes.waitFor(
      (o) => r.outcomes.all.indexOf(o) >= before && o.result !== 'answered',
    );
    expect(outcome.result).toBe('handled');
    return JSON.parse(ack.body || '{}') as { text?: string; response_type?: string };
  }

  it('answers help, usage and an unknown first word (free prompt) from the ack', async () => {
    rig = await startRig();
    const help = await rig.slack.slashCommand('/llmbind', 'help');
    expect(JSON.parse(help.body)).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.parse(help.body).text).toContain('/llmbind imagine <prompt>');
    const empty = await rig.slack.slashCommand('/llmbind', '');
    expect(JSON.parse(empty.body).text).toContain('/llmbind reset');
    const usage = await rig.slack.slashCommand('/llmbind', 'imagine   ');
    expect(JSON.parse(usage.body).text).toBe('Usage: /llmbind imagine <prompt>. Try /llmbind help.');
    expect(rig.engine.contexts).toHaveLength(0);
  });

  it.each<[string, TaskKind]>([
    ['imagine', 'image_generation'],
    ['segment', 'segmentation'],
    ['video', 'video_generation'],
    ['audio', 'audio_generation'],
  ])('%s <prompt> forces %s and posts the result in a thread under a root message', async (sub, kind) => {
    rig = await startRig();
    const r = rig;
    // Segmentation needs an image: make one first in the same command conversation.
    if (kind === 'segmentation') await run(r, 'imagine a dog');
    const ack = await run(r, `${sub} a small thing`);
    expect(ack).toMatchObject({ response_type: 'ephemeral', text: 'On it…' });
    expect(r.engine.contexts.at(-1)?.forcedTask).toBe(kind);
    expect(r.tasks.get(kind)?.requests.at(-1)?.prompt).toBe('a small thing');
    const root = r.emu.state
      .botMessages(CHANNEL)
      .filter((m) => !m.thread_ts)
      .at(-1);
    expect(root?.text).toBe(`<@U0ADA0001> used /llmbind ${sub} a small thing`);
    const thread = r.emu.state.botMessages(CHANNEL, root?.ts);
    expect(thread.some((m) => m.text === 'On it.')).toBe(true);
    expect(thread.flatMap((m) => m.files ?? [])).toHaveLength(1);
  });

  it('edit acts on the image imagine made (multi-turn), and reset forgets it', async () => {
    rig = await startRig();
    const r = rig;
    await run(r, 'imagine a red circle');
    await run(r, 'edit make it blue');
    expect(r.tasks.get('image_editing')?.requests[0]?.inputImage?.bytes).toEqual(r.generated);

    const reset = await r.slack.slashCommand('/llmbind', 'reset');
    expect(JSON.parse(reset.body).text).toContain('forgot');
    const conversation = r.outcomes.all.find((o) => o.source === 'command')?.conversationId ?? '';
    expect((await r.store.load(conversation)).turns).toHaveLength(0);
    await run(r, 'edit make it green');
    const root = r.emu.state
      .botMessages(CHANNEL)
      .filter((m) => !m.thread_ts)
      .at(-1);
    const texts = r.emu.state.botMessages(CHANNEL, root?.ts).map((m) => m.text);
    expect(texts.some((t) => t.includes('There is no image to use for image editing'))).toBe(true);
  });

  it('Regenerate, Segment and Edit buttons act on the image they sit under', async () => {
    rig = await startRig();
    const r = rig;
    await run(r, 'imagine a teapot');
    const withButtons = r.emu.state
      .botMessages(CHANNEL)
      .find((m) => m.blocks?.some((b) => (b as { type: string }).type === 'actions'));
    if (!withButtons) throw new Error('no buttons posted');

    await r.slack.clickButton(withButtons, BUTTON_ACTIONS.regenerate);
    await r.outcomes.waitFor((o) => o.source === 'action' && o.result === 'handled');
    const gens = r.tasks.get('image_generation')?.requests ?? [];
    expect(gens.map((g) => g.prompt)).toEqual(['a teapot', 'a teapot']);
    expect(
      r.emu.state.botMessages(CHANNEL, withButtons.thread_ts).flatMap((m) => m.files ?? []),
    ).toHaveLength(2);

    await r.slack.clickButton(withButtons, BUTTON_ACTIONS.segment);
    await r.outcomes.waitFor(
      (o) => o.source === 'action' && o.id.startsWith('segment') && o.result === 'handled',
    );
    expect(r.tasks.get('segmentation')?.requests[0]?.inputImage?.bytes).toEqual(r.generated);

    await r.slack.clickButton(withButtons, BUTTON_ACTIONS.animate);
    await r.outcomes.waitFor(
      (o) => o.source === 'action' && o.id.startsWith('animate') && o.result === 'handled',
    );
    expect(r.tasks.get('video_generation')?.requests[0]?.prompt).toBe('animate: a teapot');

    await r.slack.clickButton(withButtons, BUTTON_ACTIONS.edit);
    await r.outcomes.waitFor((o) => o.source === 'action' && o.id.startsWith('edit'));
    expect(r.emu.callsOf('views.open')).toHaveLength(1);
    await r.slack.submitView(EDIT_MODAL.blockId, EDIT_MODAL.actionId, 'add a lid');
    await r.outcomes.waitFor((o) => o.source === 'view' && o.result === 'handled');
    const edit = r.tasks.get('image_editing')?.requests[0];
    expect(edit?.prompt).toBe('add a lid');
    expect(edit?.inputImage?.bytes).toEqual(r.generated);
  });
});
