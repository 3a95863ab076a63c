import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpenAiEngine } from '../../../src/engine/remote/openai-engine.js';
import type { OpenAiEngineOptions } from '../../../src/engine/remote/openai-engine-options.js';
import { OpenAiEmulator } from '../../emulators/openai/openai-emulator.js';
import { capturedLogger, collect, contextOf, NO_WAIT, user } from './remote-test-kit.js';

let emu: OpenAiEmulator;
beforeEach(async () => {
  emu = await OpenAiEmulator.start();
});
afterEach(async () => {
  await emu.close();
});

const engineFor = (extra: Partial<OpenAiEngineOptions> = {}) =>
  new OpenAiEngine({
    baseUrl: emu.baseUrl,
    model: 'llmbind-7b',
    logger: capturedLogger().logger,
    retry: NO_WAIT,
    ...extra,
  });

describe('OpenAiEngine streaming', () => {
  it('turns task spans split across SSE events and TCP writes into task calls, in order', async () => {
    emu.script({
      chunks: [
        'Here you go: <g',
        'en>a red ',
        'circle</g',
        'en> and <vid_',
        'cap>waves</vid_',
        'cap>. Ünïcode ✓',
      ],
      writeSize: 7,
      completionTokens: 21,
    });
    const { events, error } = await collect(engineFor().respond(contextOf([user('draw and animate')])));
    expect(error).toBeUndefined();
    const visible = events.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');
    expect(visible).toBe('Here you go:  and . Ünïcode ✓');
    expect(events.flatMap((e) => (e.type === 'task' ? [e.call] : []))).toEqual([
      { kind: 'image_generation', prompt: 'a red circle', index: 0 },
      { kind: 'video_generation', prompt: 'waves', index: 1 },
    ]);
    const done = events.at(-1);
    expect(done).toMatchObject({
      type: 'done',
      raw: 'Here you go: <gen>a red circle</gen> and <vid_cap>waves</vid_cap>. Ünïcode ✓',
      tokens: 21,
      finishReason: 'stop',
    });
    expect(done?.type === 'done' && done.firstTokenMs).toBeGreaterThanOrEqual(0);
  });

  it('sends sampling, images as data-URL content parts, neutralised user tags and verbatim history', async () => {
    const png1 = { bytes: new Uint8Array([137, 80, 78, 71, 1]), mime: 'image/png' };
    const png2 = { bytes: new Uint8Array([137, 80, 78, 71, 2]), mime: 'image/png' };
    await collect(
      engineFor({ apiKey: 'sk-test', systemPrompt: 'You are LLMBind.', stop: ['###'] }).respond(
        contextOf([
          user('first', [png1]),
          { role: 'assistant', text: 'Sure <gen>a cat</gen>', images: [] },
          user('please say <gen>x</gen> literally', [png2]),
        ]),
      ),
    );
    const [req] = emu.received;
    expect(req?.authorization).toBe('Bearer sk-test');
    expect(req?.body).toMatchObject({
      model: 'llmbind-7b',
      stream: true,
      max_tokens: 64,
      temperature: 0,
      top_p: 1,
      seed: 7,
      stop: ['###'],
    });
    const messages = req?.body.messages ?? [];
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    // Only the latest image goes (maxImages 1): the first turn keeps its text.
    expect(messages[1]?.content).toBe('first');
    expect(messages[2]?.content).toBe('Sure <gen>a cat</gen>');
    const last = messages[3]?.content;
    expect(Array.isArray(last) && last[0]?.type).toBe('image_url');
    const text = Array.isArray(last) ? last[1]?.text : undefined;
    expect(text).not.toContain('<gen>');
    expect(text?.replaceAll('\u2060', '')).toBe('please say <gen>x</gen> literally');
    expect(emu.received[0]?.images).toEqual([Buffer.from(png2.bytes)]);
  });

  it('sends every image when maxImages allows it', async () => {
    const img = (n: number) => ({ bytes: new Uint8Array([255, 216, 255, n]), mime: 'image/jpeg' });
    await collect(
      engineFor({ maxImages: 4 }).respond(contextOf([user('a', [img(1)]), user('b', [img(2), img(3)])])),
    );
    expect(emu.received[0]?.images.map((b) => b[3])).toEqual([1, 2, 3]);
  });

  it('prefills a forced task with its open tag and parses the continuation', async () => {
    emu.script({ chunks: ['a cat', ' in a hat</gen> Done.'] });
    const { events } = await collect(
      engineFor().respond(contextOf([user('something')], { forcedTask: 'image_generation' })),
    );
    const messages = emu.received[0]?.body.messages ?? [];
    expect(messages.at(-1)).toEqual({ role: 'assistant', content: '<gen>' });
    expect(emu.received[0]?.body).toMatchObject({
      continue_final_message: true,
      add_generation_prompt: false,
    });
    expect(events.find((e) => e.type === 'task')).toEqual({
      type: 'task',
      call: { kind: 'image_generation', prompt: 'a cat in a hat', index: 0 },
    });
    expect(events.at(-1)).toMatchObject({ raw: '<gen>a cat in a hat</gen> Done.' });
  });

  it('gives [SEG] the referring text: the user words and the sentence around the marker', async () => {
    emu.script({ chunks: ['Sure, it is [SE', 'G]. Anything else?'] }, { chunks: ['It is [SEG].'] });
    const ctx = contextOf([user('Please  segment\nthe dog')]);
    const first = await collect(engineFor().respond(ctx));
    expect(first.events.find((e) => e.type === 'task')).toEqual({
      type: 'task',
      call: { kind: 'segmentation', prompt: 'Please segment the dog\nSure, it is.', index: 0 },
    });
    const second = await collect(engineFor({ segmentationPrompt: 'sentence' }).respond(ctx));
    expect(second.events.find((e) => e.type === 'task')).toMatchObject({ call: { prompt: 'It is.' } });
  });

  it('reports a span cut off by max tokens as a warning and finishReason length', async () => {
    emu.script({ chunks: ['Drawing <gen>a very long'], finishReason: 'length' });
    const { events } = await collect(engineFor().respond(contextOf([user('draw')])));
    expect(events.filter((e) => e.type !== 'text')).toEqual([
      { type: 'warning', code: 'unclosed_task_tag', kind: 'image_generation', prompt: 'a very long' },
      expect.objectContaining({ type: 'done', finishReason: 'length' }),
    ]);
  });

  it('accepts a stream that ends with a finish reason but no [DONE]', async () => {
    emu.script({ chunks: ['ok'], end: 'no-done' });
    const { events, error } = await collect(engineFor().respond(contextOf([user('hi')])));
    expect(error).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ type: 'done', raw: 'ok' });
  });
});

describe('images the bot produced', () => {
  it('travel with the next user turn, since assistant messages carry text only', async () => {
    const drawn = { bytes: new Uint8Array([137, 80, 78, 71, 9]), mime: 'image/png' };
    await collect(
      engineFor().respond(
        contextOf([
          user('draw a cat'),
          { role: 'assistant', text: '<gen>a cat</gen>', images: [drawn] },
          user('what colour is it?'),
        ]),
      ),
    );
    const messages = emu.received[0]?.body.messages ?? [];
    expect(messages[1]).toEqual({ role: 'assistant', content: '<gen>a cat</gen>' });
    expect(emu.received[0]?.images).toEqual([Buffer.from(drawn.bytes)]);
  });
});
