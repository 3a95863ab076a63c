import { afterEach, describe, expect, it } from 'vitest';
import { TEXT } from '../../../src/adapters/discord/texts.js';
import { done } from '../../fakes/fake-engine.js';
import { FakeTask } from '../../fakes/fake-task.js';
import { call, createHarness, png, say } from './harness.js';

type Harness = Awaited<ReturnType<typeof createHarness>>;
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const FALLBACK_WARNING = 'cannot post here (missing permission); answering by DM';

describe('Discord adapter: no Send Messages where it was asked', () => {
  it('answers by DM with a one-line note, and warns once per channel', async () => {
    const red = await png('#ff0000');
    h = await createHarness({
      script: () => [say('Here.'), call('image_generation', 'x'), done('Here.<gen>x</gen>')],
      tasks: [new FakeTask('image_generation', () => red)],
    });
    const { emu, ada, channel } = h;
    // Neither a thread nor a post in the channel is allowed.
    emu.inject({ method: 'POST', route: /\/threads$/, status: 403, code: 50013, times: 10 });
    emu.state.sendDenied.add(channel.id);
    emu.userSays(channel.id, ada, 'draw', { mention: true });
    await h.turns(1);
    emu.userSays(channel.id, ada, 'draw again', { mention: true });
    await h.turns(2);

    expect(emu.botMessages(channel.id)).toEqual([]);
    const refused = emu.calls.filter((c) => c.route === '/channels/:id/messages' && c.status === 403);
    expect(refused.map((c) => c.path)).toEqual([
      `/channels/${channel.id}/messages`,
      `/channels/${channel.id}/messages`,
    ]);
    const dm = emu.state.dmWith(ada);
    const note = TEXT.answeringByDm(channel.id);
    expect(note.split('\n')).toHaveLength(1);
    const seen = emu.botMessages(dm.id).map((m) => m.content || m.attachments[0]?.filename);
    expect(seen).toEqual([note, 'Here.', 'image_generation.png', note, 'Here.', 'image_generation.png']);
    const dmImage = emu.botMessages(dm.id)[2];
    expect(emu.buttonIds(dmImage)).toHaveLength(4);
    const warnings = h.logs.filter((r) => r.msg === FALLBACK_WARNING);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.channel).toBe(channel.id);
  });

  it('gives up cleanly when the DM is refused too, and keeps serving others', async () => {
    h = await createHarness({ script: (c) => [say(`answer ${c.turns.length}`), done('x')] });
    const { emu, ada, channel } = h;
    emu.inject({ method: 'POST', route: /\/threads$/, status: 403, code: 50013, times: 10 });
    emu.state.sendDenied.add(channel.id);
    emu.state.closedDms.add(ada.id);
    emu.userSays(channel.id, ada, 'hello', { mention: true });
    const [outcome] = await h.turns(1);
    expect(outcome?.error).toBeUndefined();
    expect(emu.calls.filter((c) => c.status === 403).map((c) => c.body?.content ?? c.route)).toContain(
      TEXT.answeringByDm(channel.id),
    );
    expect(h.logs.map((r) => r.msg)).toEqual(
      expect.arrayContaining([FALLBACK_WARNING, 'cannot answer by DM either; this answer is dropped']),
    );
    // Nothing half-delivered anywhere, and no post was tried after giving up.
    expect(emu.botMessages(channel.id)).toEqual([]);
    expect(emu.botMessages(emu.state.dmWith(ada).id)).toEqual([]);
    expect(emu.calls.filter((c) => c.method === 'POST' && c.route === '/channels/:id/messages')).toHaveLength(
      2,
    );

    const bob = emu.state.addUser('bob');
    const dm = emu.state.addDm(bob);
    emu.userSays(dm.id, bob, 'are you there?');
    await h.turns(2);
    expect(emu.botMessages(dm.id).map((m) => m.content)).toEqual(['answer 1']);
  });
});
