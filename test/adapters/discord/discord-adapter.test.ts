import { afterEach, describe, expect, it } from 'vitest';
import { decodeCustomId } from '../../../src/adapters/discord/custom-ids.js';
import { done } from '../../fakes/fake-engine.js';
import { FakeTask } from '../../fakes/fake-task.js';
import { call, createHarness, png, say } from './harness.js';

type Harness = Awaited<ReturnType<typeof createHarness>>;
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('Discord adapter: messages', () => {
  it('answers a mention in a new thread with a streamed reply and a PNG with buttons', async () => {
    const red = await png('#ff0000');
    h = await createHarness({
      script: () => [
        say('Here is'),
        say(' a red'),
        say(' square.'),
        call('image_generation', 'a red square'),
        done('Here is a red square.<gen>a red square</gen>'),
      ],
      tasks: [new FakeTask('image_generation', () => red)],
    });
    const asked = h.emu.userSays(h.channel.id, h.ada, 'draw a red square', { mention: true });
    await h.turns(1);

    const thread = h.emu.threadOf(asked.id);
    expect(thread?.owner_id).toBe(h.emu.bot.id);
    const [text, image] = h.emu.botMessages(asked.id);
    expect(text?.content).toBe('Here is a red square.');
    const revisions = h.emu.state.revisions.get(text?.id ?? '') ?? [];
    expect(revisions.length).toBeGreaterThan(1);
    expect(revisions[0]).toBe('Here is');
    expect(image?.attachments[0]?.content_type).toBe('image/png');
    const served = await fetch(image?.attachments[0]?.url ?? '');
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(red);
    const row = image?.components[0] as { components: Array<{ label: string }> } | undefined;
    expect(row?.components.map((b) => b.label)).toEqual(['Regenerate', 'Edit…', 'Segment…', 'Animate']);
    const actions = h.emu.buttonIds(image).map((id) => decodeCustomId(id)?.action);
    expect(actions).toEqual(['regen', 'edit', 'seg', 'anim']);
    // Nothing went to the channel itself, and the progress line was cleaned up.
    expect(h.emu.botMessages(h.channel.id)).toEqual([]);
    expect(h.emu.botMessages(asked.id)).toHaveLength(2);
  });

  it('keeps talking in its thread without a mention and edits the last image', async () => {
    const red = await png('#ff0000');
    const blue = await png('#0000ff');
    let turn = 0;
    const editor = new FakeTask('image_editing', () => blue);
    h = await createHarness({
      script: () =>
        ++turn === 1
          ? [say('Drawn.'), call('image_generation', 'a square'), done('Drawn.<gen>a square</gen>')]
          : [say('Edited.'), call('image_editing', 'make it blue'), done('Edited.<edit>make it blue</edit>')],
      tasks: [new FakeTask('image_generation', () => red), editor],
    });
    const asked = h.emu.userSays(h.channel.id, h.ada, 'draw a square', { mention: true });
    await h.turns(1);
    h.emu.userSays(asked.id, h.ada, 'make it blue');
    await h.turns(2);
    expect(editor.requests[0]?.inputImage?.bytes).toEqual(red);
    expect(h.engine.contexts[1]?.turns.map((t) => t.role)).toEqual(['user', 'assistant', 'user']);
    expect(h.emu.botMessages(asked.id).map((m) => m.content || m.attachments[0]?.filename)).toEqual([
      'Drawn.',
      'image_generation.png',
      'Edited.',
      'image_editing.png',
    ]);
  });

  it('answers DMs in the DM as one conversation', async () => {
    h = await createHarness({ script: (c) => [say(`turn ${c.turns.length}`), done('x')] });
    const dm = h.emu.state.addDm(h.ada);
    h.emu.userSays(dm.id, h.ada, 'hello');
    await h.turns(1);
    h.emu.userSays(dm.id, h.ada, 'again');
    await h.turns(2);
    expect(h.emu.botMessages(dm.id).map((m) => m.content)).toEqual(['turn 1', 'turn 3']);
  });

  it('splits a 5,000-character reply at sentence boundaries into messages of at most 2,000', async () => {
    const sentence = 'This sentence is part of a long answer. ';
    const long = sentence.repeat(125).trim();
    expect(long.length).toBeGreaterThan(4900);
    h = await createHarness({ script: () => [say(long), done(long)] });
    const asked = h.emu.userSays(h.channel.id, h.ada, 'long please', { mention: true });
    await h.turns(1);
    const parts = h.emu.botMessages(asked.id).map((m) => m.content);
    expect(parts).toHaveLength(3);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(2000);
      expect(part.endsWith('answer.')).toBe(true);
    }
    expect(parts.join(' ')).toBe(long);
  });

  it('answers in the channel, as a reply, when it may not open threads', async () => {
    h = await createHarness({ script: () => [say('In place.'), done('In place.')] });
    h.emu.inject({ method: 'POST', route: /\/threads$/, status: 403, code: 50013, times: 10 });
    const asked = h.emu.userSays(h.channel.id, h.ada, 'hi', { mention: true });
    await h.turns(1);
    const [reply] = h.emu.botMessages(h.channel.id);
    expect(reply?.content).toBe('In place.');
    expect(reply?.message_reference?.message_id).toBe(asked.id);
    // A reply to the bot's answer continues the same conversation.
    h.emu.userSays(h.channel.id, h.ada, 'more', { mention: true, replyTo: reply?.id ?? '' });
    await h.turns(2);
    expect(h.engine.contexts[1]?.turns).toHaveLength(3);
  });

  it('says so in text when it may not attach files, and keeps answering', async () => {
    const green = await png('#00ff00');
    h = await createHarness({
      script: () => [say('Here.'), call('image_generation', 'x'), done('Here.<gen>x</gen>')],
      tasks: [new FakeTask('image_generation', () => green)],
    });
    h.emu.inject({
      method: 'POST',
      route: /\/channels\/:id\/messages$/,
      status: 403,
      code: 50013,
      withFiles: true,
      times: 10,
    });
    const asked = h.emu.userSays(h.channel.id, h.ada, 'draw', { mention: true });
    await h.turns(1);
    const texts = h.emu.botMessages(asked.id).map((m) => m.content);
    expect(texts).toContain('Here.');
    expect(texts.some((t) => t.includes('Attach Files permission is missing'))).toBe(true);
    expect(h.emu.calls.some((c) => c.files.length > 0 && c.status === 200)).toBe(false);
  });

  it('waits out a 429 on every route it uses and still delivers every reply, in order', async () => {
    const red = await png('#ff0000');
    h = await createHarness({
      script: () => [say('One'), say(' two'), call('image_generation', 'x'), say(' three.'), done('x')],
      tasks: [new FakeTask('image_generation', () => red)],
    });
    const routes = [
      /\/typing$/,
      /\/threads$/,
      /\/channels\/:id\/messages$/,
      /\/channels\/:id\/messages\/:id$/,
    ];
    for (const route of routes) h.emu.inject({ route, status: 429, retryAfterMs: 30, times: 1 });
    h.emu.inject({ route: /\/channels\/:id\/messages$/, status: 500, times: 1 });
    const asked = h.emu.userSays(h.channel.id, h.ada, 'go', { mention: true });
    await h.turns(1);
    const limited = new Set(h.emu.calls.filter((c) => c.status === 429).map((c) => `${c.method} ${c.route}`));
    expect(limited).toEqual(
      new Set([
        'POST /channels/:id/typing',
        'POST /channels/:id/messages/:id/threads',
        'POST /channels/:id/messages',
        'PATCH /channels/:id/messages/:id',
      ]),
    );
    const messages = h.emu.botMessages(asked.id);
    expect(messages.map((m) => m.content || m.attachments[0]?.filename)).toEqual([
      'One two three.',
      'image_generation.png',
    ]);
  });

  it('survives a gateway disconnect mid-conversation: resumes and answers', async () => {
    h = await createHarness({ script: (c) => [say(`answer ${c.turns.length}`), done('x')] });
    const asked = h.emu.userSays(h.channel.id, h.ada, 'first', { mention: true });
    await h.turns(1);
    const resumed = h.emu.gateway.nextResume();
    h.emu.gateway.disconnect();
    h.emu.userSays(asked.id, h.ada, 'second');
    await resumed;
    await h.turns(2);
    expect(h.emu.botMessages(asked.id).map((m) => m.content)).toEqual(['answer 1', 'answer 3']);
    expect(h.emu.gateway.stats).toMatchObject({ identifies: 1, resumes: 1 });
  });
});
