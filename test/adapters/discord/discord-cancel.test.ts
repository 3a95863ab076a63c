import { afterEach, describe, expect, it } from 'vitest';
import { decodeCancelId, encodeCancelId } from '../../../src/adapters/discord/custom-ids.js';
import { MANAGE_MESSAGES, MEMBER_PERMISSIONS } from '../../emulators/discord/emulator-interactions.js';
import type { ApiMessage } from '../../emulators/discord/emulator-state.js';
import { done } from '../../fakes/fake-engine.js';
import { call, createHarness, png, say } from './harness.js';
import { HeldTask, StallingEngine } from './held.js';

type Harness = Awaited<ReturnType<typeof createHarness>>;
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** The label of each button under a message. */
const labels = (m: ApiMessage | undefined): string[] =>
  ((m?.components ?? []) as Array<{ components: Array<{ label: string }> }>).flatMap((row) =>
    row.components.map((b) => b.label),
  );

describe('Discord adapter: the Cancel button', () => {
  it('stops a streaming reply for the person who asked, and refuses anyone else privately', async () => {
    const engine = new StallingEngine(['Thinking', ' about it']);
    h = await createHarness({ engine });
    const { emu, ada } = h;
    const bob = emu.state.addUser('bob');
    const asked = emu.userSays(h.channel.id, ada, 'think hard', { mention: true });
    const streaming = await emu.waitFor(() =>
      emu.botMessages(asked.id).find((m) => m.content === 'Thinking about it' && labels(m).length > 0),
    );
    expect(labels(streaming)).toEqual(['Cancel']);
    const cancelId = emu.buttonIds(streaming)[0] ?? '';
    expect(decodeCancelId(cancelId)).toEqual({
      userId: ada.id,
      conversationId: `discord:thread:${asked.id}`,
    });

    const refused = emu.click(streaming, bob, cancelId);
    await emu.waitFor(() => refused.callbacks.length > 0);
    expect(refused.callbacks[0]?.type).toBe(4);
    expect(refused.callbacks[0]?.data?.flags).toBe(64);
    expect(String(refused.callbacks[0]?.data?.content)).toContain(`Only <@${ada.id}>`);
    expect(engine.aborted).toBe(false);

    const click = emu.click(streaming, ada, cancelId);
    const [outcome] = await h.turns(1);
    expect(outcome?.error).toBeUndefined();
    expect(click.callbacks.map((c) => c.type)).toEqual([7]);
    expect(engine.aborted).toBe(true);
    const messages = emu.botMessages(asked.id);
    expect(messages.map((m) => m.content)).toEqual(['Thinking about it', 'Cancelled.']);
    // The button is gone from everything once the turn is over.
    for (const m of messages) expect(emu.buttonIds(m)).toEqual([]);
  });

  it('lets someone with Manage Messages cancel a running media job from its progress line', async () => {
    const task = new HeldTask('image_generation', await png('#ff0000'));
    h = await createHarness({
      script: () => [say('Drawing.'), call('image_generation', 'a fox'), done('Drawing.<gen>a fox</gen>')],
      tasks: [task],
    });
    const { emu, ada } = h;
    const moderator = emu.state.addUser('mod');
    const asked = emu.userSays(h.channel.id, ada, 'draw a fox', { mention: true });
    await task.started;
    const status = await emu.waitFor(() =>
      emu.botMessages(asked.id).find((m) => m.content.startsWith('🎨') && labels(m).includes('Cancel')),
    );
    const permissions = (BigInt(MEMBER_PERMISSIONS) | MANAGE_MESSAGES).toString();
    const click = emu.click(status, moderator, emu.buttonIds(status)[0] ?? '', { permissions });
    await h.turns(1);
    expect(click.callbacks.map((c) => c.type)).toEqual([7]);
    expect(task.aborted).toBe(true);
    expect(emu.state.deleted.has(status.id)).toBe(true);
    const messages = emu.botMessages(asked.id);
    expect(messages.map((m) => m.content)).toEqual(['Drawing.', 'Cancelled.']);
    expect(messages.every((m) => m.attachments.length === 0 && emu.buttonIds(m).length === 0)).toBe(true);
  });

  it('cancels a queued turn without touching the running one, and says when nothing runs', async () => {
    const red = await png('#ff0000');
    const task = new HeldTask('image_generation', red);
    h = await createHarness({
      script: (c) =>
        c.turns.at(-1)?.text === 'draw'
          ? [call('image_generation', 'a square'), done('<gen>a square</gen>')]
          : [say('Hello.'), done('Hello.')],
      tasks: [task],
    });
    const { emu, ada } = h;
    const bob = emu.state.addUser('bob');
    const drawing = emu.userSays(h.channel.id, ada, 'draw', { mention: true });
    await task.started;
    // One device slot: bob's reply waits behind ada's image.
    const waiting = emu.userSays(h.channel.id, bob, 'hi', { mention: true });
    const queued = await emu.waitFor(() =>
      emu.botMessages(waiting.id).find((m) => m.content.includes('queued') && labels(m).length > 0),
    );
    expect(queued.content).toContain('position 1');
    const cancelId = encodeCancelId(`discord:thread:${waiting.id}`, bob.id);
    expect(emu.buttonIds(queued)).toEqual([cancelId]);
    emu.click(queued, bob, cancelId);
    await h.turns(1);
    expect(emu.botMessages(waiting.id).map((m) => m.content)).toEqual(['Cancelled.']);
    expect(h.engine.contexts.map((c) => c.turns.at(-1)?.text)).toEqual(['draw']);

    task.release();
    await h.turns(2);
    const made = emu.botMessages(drawing.id);
    expect(made.map((m) => m.attachments[0]?.filename)).toEqual(['image_generation.png']);
    expect(task.aborted).toBe(false);

    // A Cancel click after the turn ended (or after a restart) finds nothing to stop.
    const late = emu.click(queued, bob, cancelId);
    await emu.waitFor(
      () => late.callbacks.length > 0 && emu.calls.some((c) => c.route === '/webhooks/:id/:token'),
    );
    const followUp = emu.calls.find((c) => c.route === '/webhooks/:id/:token');
    expect(followUp?.body?.content).toBe('Nothing is running here any more.');
    expect(followUp?.body?.flags).toBe(64);
  });
});
