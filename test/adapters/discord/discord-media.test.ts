import { afterEach, describe, expect, it } from 'vitest';
import { decodeCustomId, encodeCancelId } from '../../../src/adapters/discord/custom-ids.js';
import type { FitMedia } from '../../../src/core/fit-media.js';
import type { EngineContext, EngineEvent } from '../../../src/engine/engine.js';
import { fitMediaToLimit } from '../../../src/media/fit-to-limit.js';
import type { ApiMessage } from '../../emulators/discord/emulator-state.js';
import { done } from '../../fakes/fake-engine.js';
import { FakeTask } from '../../fakes/fake-task.js';
import { call, createHarness, noisyPng, png, say } from './harness.js';
import { HeldTask } from './held.js';

type Harness = Awaited<ReturnType<typeof createHarness>>;
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** Runs the forced task (if any) on the user's last words. */
const forcedScript = (c: EngineContext): EngineEvent[] => {
  const prompt = c.turns.at(-1)?.text ?? '';
  return c.forcedTask
    ? [say('On it.'), { type: 'task', call: { kind: c.forcedTask, prompt, index: 0 } }, done(prompt)]
    : [say(`You said: ${prompt}`), done(prompt)];
};

/** The real fitter, recording the limits it was asked to meet. */
function recordingFit(limits: number[]): FitMedia {
  return (media, limit) => {
    limits.push(limit);
    return fitMediaToLimit(media, limit);
  };
}

const uploads = (h: Harness) => h.emu.calls.filter((c) => c.files.length > 0);

describe('Discord adapter: media progress, upload refusals and image buttons', () => {
  it('edits the progress line with a preview while the job runs, then posts the PNG', async () => {
    const preview = await png('#777777', 8);
    const final = await png('#ff0000', 32);
    const task = new HeldTask('image_generation', final);
    h = await createHarness({
      script: () => [call('image_generation', 'a red square'), done('<gen>a red square</gen>')],
      tasks: [task],
    });
    const { emu, ada } = h;
    const asked = emu.userSays(h.channel.id, ada, 'draw a red square', { mention: true });
    await task.started;
    const status = await emu.waitFor(() => emu.botMessages(asked.id).find((m) => m.content.startsWith('🎨')));
    expect(emu.buttonIds(status)).toEqual([encodeCancelId(`discord:thread:${asked.id}`, ada.id)]);

    task.report({ step: 1, totalSteps: 2, preview });
    const edit = await emu.waitFor(() =>
      emu.calls.find((c) => c.method === 'PATCH' && c.path.endsWith(`/${status.id}`) && c.files.length > 0),
    );
    expect(edit.body?.content).toBe('🎨 Making your image… 50%');
    expect(edit.files.map((f) => f.name)).toEqual(['preview.png']);
    expect(edit.files[0]?.bytes).toEqual(preview);
    expect(status.attachments.map((a) => a.filename)).toEqual(['preview.png']);

    task.release();
    await h.turns(1);
    const post = emu.calls.find((c) => c.method === 'POST' && c.files[0]?.name === 'image_generation.png');
    expect(post?.files[0]?.bytes).toEqual(final);
    expect(emu.calls.indexOf(post as (typeof emu.calls)[number])).toBeGreaterThan(emu.calls.indexOf(edit));
    // The progress line is gone; what stays is the image with its buttons.
    expect(emu.state.deleted.has(status.id)).toBe(true);
    const [image] = emu.botMessages(asked.id);
    expect(emu.buttonIds(image).map((id) => decodeCustomId(id)?.action)).toEqual([
      'regen',
      'edit',
      'seg',
      'anim',
    ]);
  });

  it('fits again to half the limit when Discord refuses an upload as too large (40005)', async () => {
    const limits: number[] = [];
    // 7 kB: within the reported limit as it is, and about 2 kB once fitted to half of it.
    const big = await noisyPng(48);
    h = await createHarness({
      script: forcedScript,
      tasks: [new FakeTask('image_generation', () => big)],
      fit: recordingFit(limits),
      guildUploadLimit: 8_000,
    });
    // The API reports 8,000 bytes but takes only 4,000.
    const guild = h.emu.state.guilds.get(h.guild.id);
    if (guild) guild.acceptedUploadLimit = 4_000;
    h.emu.command(h.channel.id, h.ada, 'imagine', { prompt: 'noise' });
    await h.turns(1);
    expect(limits).toEqual([8_000, 4_000]);
    expect(uploads(h).map((c) => c.status)).toEqual([413, 200]);
    expect(uploads(h)[1]?.files[0]?.bytes.byteLength).toBeLessThanOrEqual(4_000);
    expect(h.logs.some((r) => r.msg.startsWith('upload refused as too large'))).toBe(true);
  });

  it('does the same for a bare HTTP 413 from the edge', async () => {
    const limits: number[] = [];
    const image = await noisyPng(48);
    h = await createHarness({
      script: forcedScript,
      tasks: [new FakeTask('image_generation', () => image)],
      fit: recordingFit(limits),
    });
    h.emu.inject({ status: 413, withFiles: true, times: 1 });
    h.emu.command(h.channel.id, h.ada, 'imagine', { prompt: 'noise' });
    await h.turns(1);
    const limit = 10 * 1024 * 1024;
    expect(limits).toEqual([limit, limit / 2]);
    expect(uploads(h).map((c) => c.status)).toEqual([413, 200]);
    expect(h.emu.botMessages(h.channel.id).filter((m) => m.attachments.length > 0)).toHaveLength(1);
  });

  it('says it does not fit when the second upload is refused too, and tries no more', async () => {
    const image = await noisyPng(48);
    h = await createHarness({
      script: forcedScript,
      tasks: [new FakeTask('image_generation', () => image)],
      fit: fitMediaToLimit,
      guildUploadLimit: 8_000,
    });
    const guild = h.emu.state.guilds.get(h.guild.id);
    if (guild) guild.acceptedUploadLimit = 50;
    h.emu.command(h.channel.id, h.ada, 'imagine', { prompt: 'noise' });
    await h.turns(1);
    expect(uploads(h).map((c) => c.status)).toEqual([413, 413]);
    const texts = h.emu.botMessages(h.channel.id).map((m) => m.content);
    expect(texts.at(-1)).toContain('too large to upload here');
  });

  it('opens a modal for Segment… and outlines the image of that message', async () => {
    const red = await png('#ff0000');
    const segmenter = new FakeTask('segmentation', () => red);
    h = await createHarness({
      script: forcedScript,
      tasks: [new FakeTask('image_generation', () => red), segmenter],
    });
    const { emu, ada } = h;
    emu.command(h.channel.id, ada, 'imagine', { prompt: 'a circle' });
    await h.turns(1);
    const withImage = emu.botMessages(h.channel.id).find((m) => m.attachments.length > 0) as ApiMessage;
    const segment = emu.buttonIds(withImage)[2] ?? '';
    const click = emu.click(withImage, ada, segment);
    await emu.waitFor(() => click.callbacks.length > 0);
    expect(click.callbacks[0]?.type).toBe(9);
    expect(click.callbacks[0]?.data?.title).toBe('Segment…');
    const modalId = String(click.callbacks[0]?.data?.custom_id);
    expect(decodeCustomId(modalId)).toMatchObject({ action: 'seg', modal: true });
    emu.submitModal(withImage, ada, modalId, { text: 'the circle' });
    await h.turns(2);
    expect(h.engine.contexts[1]?.forcedTask).toBe('segmentation');
    expect(segmenter.requests.map((r) => r.prompt)).toEqual(['the circle']);
    expect(segmenter.requests[0]?.inputImage?.bytes).toEqual(red);
  });

  it('animates the image of a message into a video from its prompt', async () => {
    const red = await png('#ff0000');
    const animator = new FakeTask('video_generation');
    h = await createHarness({
      script: forcedScript,
      tasks: [new FakeTask('image_generation', () => red), animator],
    });
    const { emu, ada } = h;
    emu.command(h.channel.id, ada, 'imagine', { prompt: 'a ball' });
    await h.turns(1);
    const withImage = emu.botMessages(h.channel.id).find((m) => m.attachments.length > 0) as ApiMessage;
    const click = emu.click(withImage, ada, emu.buttonIds(withImage)[3] ?? '');
    await h.turns(2);
    expect(click.callbacks.map((c) => c.type)).toEqual([5]);
    expect(h.engine.contexts[1]?.forcedTask).toBe('video_generation');
    expect(animator.requests.map((r) => r.prompt)).toEqual(['a ball']);
    expect(animator.requests[0]?.inputImage?.bytes).toEqual(red);
    expect(emu.botMessages(h.channel.id).filter((m) => m.attachments.length > 0)).toHaveLength(2);
  });
});
