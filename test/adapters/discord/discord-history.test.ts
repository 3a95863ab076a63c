import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../../emulators/discord/discord-emulator.js';
import { done } from '../../fakes/fake-engine.js';
import { FakeTask } from '../../fakes/fake-task.js';
import { call, createHarness, png, say } from './harness.js';

type Harness = Awaited<ReturnType<typeof createHarness>>;
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** Every history read of a channel's messages (GET with a `before` cursor). */
const historyReads = (calls: readonly RecordedCall[], channelId: string): RecordedCall[] =>
  calls.filter((c) => c.method === 'GET' && c.path === `/channels/${channelId}/messages`);

/** Echoes the user's last words; an "edit" request becomes an image edit. */
const script = (c: { turns: readonly { text: string }[] }) => {
  const last = c.turns.at(-1)?.text ?? '';
  return last.includes('blue')
    ? [say('Edited.'), call('image_editing', 'make it blue'), done('Edited.<edit>make it blue</edit>')]
    : [say(`Read ${c.turns.length} turns.`), done('x')];
};

describe('Discord adapter: a thread history from before the bot was there', () => {
  it('reads a thread it is mentioned in once, oldest first, and its image is the one edited', async () => {
    const red = await png('#ff0000');
    const editor = new FakeTask('image_editing', () => red);
    h = await createHarness({ script, tasks: [editor] });
    const { emu, ada, channel } = h;
    const bob = emu.state.addUser('bob');
    // Said in the channel before the bot was there; the thread is opened on it.
    const starter = emu.state.addMessage(channel.id, ada, { content: 'a thread about shapes' });
    const redPng = { name: 'red.png', bytes: red, type: 'image/png' };
    const thread = emu.userOpensThread(
      channel.id,
      ada,
      'shapes',
      [
        { author: ada, text: 'here is my drawing', files: [redPng] },
        { author: bob, text: 'nice' },
        { author: emu.bot, text: `An earlier answer, <@${ada.id}>.` },
        { author: bob, text: `<@${emu.bot.id}> hello?` },
      ],
      starter,
    );
    const asked = emu.userSays(thread.id, ada, 'make it blue', { mention: true });
    await h.turns(1);

    const context = h.engine.contexts[0]?.turns ?? [];
    expect(context.map((t) => [t.role, t.text])).toEqual([
      ['user', 'a thread about shapes'],
      ['user', 'here is my drawing'],
      ['user', 'nice'],
      ['assistant', `An earlier answer, <@${ada.id}>.`],
      ['user', 'hello?'],
      ['user', 'make it blue'],
    ]);
    const stored = (await h.store.load(`discord:thread:${thread.id}`)).turns;
    expect(stored.slice(0, 5).map((t) => t.authorId)).toEqual([ada.id, ada.id, bob.id, undefined, bob.id]);
    expect(editor.requests[0]?.inputImage?.bytes).toEqual(red);
    const [read] = historyReads(emu.calls, thread.id);
    expect(read?.query.get('before')).toBe(asked.id);

    // Never twice: not on the next mention, nor after a restart.
    emu.userSays(thread.id, bob, 'and now?', { mention: true });
    await h.turns(2);
    await h.restart();
    emu.userSays(thread.id, ada, 'still there?', { mention: true });
    await h.turns(3);
    expect(historyReads(emu.calls, thread.id)).toHaveLength(1);
    expect(h.engine.contexts.map((c) => c.turns.length)).toEqual([6, 8, 10]);
  });

  it('pages backwards with `before` and stops at the configured number of messages', async () => {
    h = await createHarness({ script, adapter: { historyMaxMessages: 5, historyPageSize: 2 } });
    const { emu, ada, channel } = h;
    const history = Array.from({ length: 8 }, (_, i) => ({ author: ada, text: `m${i + 1}` }));
    const thread = emu.userOpensThread(channel.id, ada, 'long', history);
    const asked = emu.userSays(thread.id, ada, 'summarise', { mention: true });
    await h.turns(1);

    const reads = historyReads(emu.calls, thread.id);
    expect(reads.map((c) => c.query.get('limit'))).toEqual(['2', '2', '1']);
    const ids = emu.state.messagesIn(thread.id).map((m) => m.id);
    expect(reads.map((c) => c.query.get('before'))).toEqual([asked.id, ids[6], ids[4]]);
    expect(h.engine.contexts[0]?.turns.map((t) => t.text)).toEqual([
      'm4',
      'm5',
      'm6',
      'm7',
      'm8',
      'summarise',
    ]);
  });

  it('reads a thread of its own that the store does not know, but never one it opened itself', async () => {
    h = await createHarness({ script });
    const { emu, ada, channel } = h;
    // Its own thread from before its state was kept: no mention is needed there.
    const old = emu.userOpensThread(channel.id, emu.bot, 'old', [
      { author: ada, text: 'first question' },
      { author: emu.bot, text: 'first answer' },
    ]);
    emu.userSays(old.id, ada, 'second question');
    await h.turns(1);
    expect(h.engine.contexts[0]?.turns.map((t) => t.text)).toEqual([
      'first question',
      'first answer',
      'second question',
    ]);

    // A thread it opened is known from its first message, so /reset there is not undone by a read.
    const asked = emu.userSays(channel.id, ada, 'new topic', { mention: true });
    await h.turns(2);
    const reset = emu.command(asked.id, ada, 'reset');
    await emu.waitFor(() => emu.state.messages.get(reset.originalId ?? '')?.content.includes('forgot'));
    emu.userSays(asked.id, ada, 'fresh start');
    await h.turns(3);
    expect(historyReads(emu.calls, asked.id)).toEqual([]);
    expect(h.engine.contexts[2]?.turns.map((t) => t.text)).toEqual(['fresh start']);
  });
});
