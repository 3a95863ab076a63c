import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCustomId } from '../../../src/adapters/discord/custom-ids.js';
import type { EngineContext, EngineEvent } from '../../../src/engine/engine.js';
import type { TaskKind } from '../../../src/engine/protocol/task-kind.js';
import { fitMediaToLimit } from '../../../src/media/fit-to-limit.js';
import type { ApiMessage } from '../../emulators/discord/emulator-state.js';
import { done } from '../../fakes/fake-engine.js';
import { FakeTask } from '../../fakes/fake-task.js';
import { createHarness, noisyPng, png, say } from './harness.js';

type Harness = Awaited<ReturnType<typeof createHarness>>;
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** Answers with the forced task (if any) run on the user's last words. */
const forcedScript = (c: EngineContext): EngineEvent[] => {
  const prompt = c.turns.at(-1)?.text ?? '';
  return c.forcedTask
    ? [say('On it.'), { type: 'task', call: { kind: c.forcedTask, prompt, index: 0 } }, done(prompt)]
    : [say(`You said: ${prompt}`), done(prompt)];
};

const ALL_TASKS: TaskKind[] = [
  'image_generation',
  'image_editing',
  'segmentation',
  'video_generation',
  'audio_generation',
];

describe('Discord adapter: slash commands and buttons', () => {
  it('registers the commands, defers each one, and answers by editing the deferred reply', async () => {
    const image = await png('#00ff00');
    h = await createHarness({
      script: forcedScript,
      tasks: ALL_TASKS.map((k) => new FakeTask(k, () => image)),
    });
    const registered = h.emu.rest.commands.get('global')?.map((c) => c.name);
    expect(registered).toEqual([
      'ask',
      'imagine',
      'edit',
      'segment',
      'video',
      'audio',
      'reset',
      'help',
      'settings',
    ]);

    const cases: Array<[string, Record<string, string>, TaskKind | undefined]> = [
      ['ask', { prompt: 'what is LLMBind?' }, undefined],
      ['imagine', { prompt: 'a cat' }, 'image_generation'],
      ['edit', { instruction: 'make it blue' }, 'image_editing'],
      ['segment', { target: 'the cat' }, 'segmentation'],
      ['video', { prompt: 'a ball rolling' }, 'video_generation'],
      ['audio', { prompt: 'a bell' }, 'audio_generation'],
    ];
    for (const [index, [name, options, forced]] of cases.entries()) {
      const files =
        name === 'edit' ? { image: { name: 'in.png', bytes: image, type: 'image/png' } } : undefined;
      const interaction = h.emu.command(h.channel.id, h.ada, name, options, files);
      await h.turns(index + 1);
      expect(interaction.callbacks.map((c) => c.type)).toEqual([5]);
      expect(h.engine.contexts[index]?.forcedTask).toBe(forced);
      const original = h.emu.state.messages.get(interaction.originalId ?? '');
      expect(original?.flags).toBe(0);
      if (forced) {
        expect(original?.content).toBe('On it.');
        const followUp = h.emu.botMessages(h.channel.id).at(-1);
        expect(followUp?.attachments).toHaveLength(1);
      } else {
        expect(original?.content).toBe('You said: what is LLMBind?');
      }
    }
    // /edit used the attached image.
    expect(h.engine.contexts[2]?.turns.at(-1)?.images).toHaveLength(1);
  });

  it('answers /help at once, privately, and /reset forgets the conversation', async () => {
    h = await createHarness({ script: (c) => [say(`turns ${c.turns.length}`), done('x')] });
    const help = h.emu.command(h.channel.id, h.ada, 'help');
    await h.emu.waitFor(() => help.callbacks.length > 0);
    expect(help.callbacks[0]?.type).toBe(4);
    expect(help.callbacks[0]?.data?.flags).toBe(64);
    expect(String(help.callbacks[0]?.data?.content)).toContain('/imagine');

    h.emu.command(h.channel.id, h.ada, 'ask', { prompt: 'one' });
    await h.turns(1);
    const reset = h.emu.command(h.channel.id, h.ada, 'reset');
    await h.emu.waitFor(() => h?.emu.state.messages.get(reset.originalId ?? '')?.content.includes('forgot'));
    h.emu.command(h.channel.id, h.ada, 'ask', { prompt: 'two' });
    await h.turns(2);
    expect(h.engine.contexts.map((c) => c.turns.length)).toEqual([1, 1]);
  });

  it('fits an oversized image under the upload limit the interaction reports', async () => {
    const big = await noisyPng(96);
    const limit = 4_000;
    expect(big.byteLength).toBeGreaterThan(limit * 4);
    h = await createHarness({
      script: forcedScript,
      tasks: [new FakeTask('image_generation', () => big)],
      fit: fitMediaToLimit,
      guildUploadLimit: limit,
    });
    h.emu.command(h.channel.id, h.ada, 'imagine', { prompt: 'noise' });
    await h.turns(1);
    const upload = h.emu.calls.find((c) => c.files.length > 0 && c.status === 200);
    expect(upload?.files[0]?.bytes.byteLength).toBeLessThanOrEqual(limit);
    // Whatever format fitting chose, the file name says it.
    const meta = await sharp(upload?.files[0]?.bytes).metadata();
    expect(upload?.files[0]?.name).toBe(`image_generation.${meta.format === 'jpeg' ? 'jpg' : meta.format}`);
  });

  it('says so clearly when the output cannot fit, instead of failing silently', async () => {
    h = await createHarness({
      script: forcedScript,
      tasks: [new FakeTask('image_generation', () => new Uint8Array(5_000))],
      guildUploadLimit: 1_000,
    });
    h.emu.command(h.channel.id, h.ada, 'imagine', { prompt: 'big' });
    await h.turns(1);
    const texts = h.emu.botMessages(h.channel.id).map((m) => m.content);
    expect(texts.some((t) => t.includes('too large to upload'))).toBe(true);
    expect(h.emu.calls.some((c) => c.files.length > 0)).toBe(false);
  });

  it('regenerates from a button after a restart, with a new seed', async () => {
    let seeds = 0;
    const generator = new FakeTask('image_generation', () => {
      seeds += 1;
      return new Uint8Array([137, 80, 78, 71, seeds]);
    });
    h = await createHarness({ script: forcedScript, tasks: [generator] });
    h.emu.command(h.channel.id, h.ada, 'imagine', { prompt: 'a lighthouse' });
    await h.turns(1);
    const withImage = h.emu.botMessages(h.channel.id).find((m) => m.attachments.length > 0);
    const regen = h.emu.buttonIds(withImage)[0] ?? '';
    expect(regen).toMatch(/^llmbind:v1:regen:[0-9a-f]{64}$/);

    await h.restart();
    const click = h.emu.click(withImage as ApiMessage, h.ada, regen);
    await h.turns(2);
    expect(click.callbacks.map((c) => c.type)).toEqual([5]);
    expect(h.engine.contexts[1]?.forcedTask).toBe('image_generation');
    expect(generator.requests.map((r) => r.prompt)).toEqual(['a lighthouse', 'a lighthouse']);
    expect(new Set(generator.requests.map((r) => r.seed)).size).toBe(2);
    expect(h.emu.botMessages(h.channel.id).filter((m) => m.attachments.length > 0)).toHaveLength(2);

    // An id the bot never issued gets a short private explanation.
    const unknown = h.emu.click(withImage as ApiMessage, h.ada, encodeCustomId('regen', 'ab'.repeat(32)));
    await h.emu.waitFor(() => unknown.callbacks.length > 0);
    expect(unknown.callbacks[0]?.data?.flags).toBe(64);
  });

  it('opens a modal for Edit… and edits the image of that message', async () => {
    const red = await png('#ff0000');
    const editor = new FakeTask('image_editing', () => red);
    h = await createHarness({
      script: forcedScript,
      tasks: [new FakeTask('image_generation', () => red), editor],
    });
    h.emu.command(h.channel.id, h.ada, 'imagine', { prompt: 'a boat' });
    await h.turns(1);
    const withImage = h.emu.botMessages(h.channel.id).find((m) => m.attachments.length > 0);
    const edit = h.emu.buttonIds(withImage)[1] ?? '';
    const click = h.emu.click(withImage as ApiMessage, h.ada, edit);
    await h.emu.waitFor(() => click.callbacks.length > 0);
    expect(click.callbacks[0]?.type).toBe(9);
    const modalId = String(click.callbacks[0]?.data?.custom_id);
    h.emu.submitModal(withImage as ApiMessage, h.ada, modalId, { text: 'make it blue' });
    await h.turns(2);
    expect(editor.requests[0]?.prompt).toBe('make it blue');
    expect(editor.requests[0]?.inputImage?.bytes).toEqual(red);
  });

  it('waits out 429s on the interaction callback and webhook routes', async () => {
    const image = await png('#123456');
    h = await createHarness({ script: forcedScript, tasks: [new FakeTask('image_generation', () => image)] });
    h.emu.inject({ route: /\/callback$/, status: 429, retryAfterMs: 30, times: 1 });
    h.emu.inject({ method: 'PATCH', route: /^\/webhooks\//, status: 429, retryAfterMs: 30, times: 1 });
    h.emu.inject({ method: 'POST', route: /^\/webhooks\//, status: 429, retryAfterMs: 30, times: 1 });
    const interaction = h.emu.command(h.channel.id, h.ada, 'imagine', { prompt: 'a kite' });
    await h.turns(1);
    expect(h.emu.calls.filter((c) => c.status === 429)).toHaveLength(3);
    expect(h.emu.state.messages.get(interaction.originalId ?? '')?.content).toBe('On it.');
    expect(h.emu.botMessages(h.channel.id).filter((m) => m.attachments.length > 0)).toHaveLength(1);
  });

  it('continues in the channel once the interaction token has expired', async () => {
    h = await createHarness({ script: forcedScript, adapter: { interactionTokenTtlMs: 0 } });
    const interaction = h.emu.command(h.channel.id, h.ada, 'ask', { prompt: 'slow job' });
    await h.turns(1);
    const answer = h.emu.botMessages(h.channel.id).find((m) => m.content === 'You said: slow job');
    expect(answer?.webhook_id).toBeUndefined();
    expect(h.emu.calls.some((c) => c.route.startsWith('/webhooks/'))).toBe(false);
    expect(interaction.callbacks.map((c) => c.type)).toEqual([5]);
  });
});
