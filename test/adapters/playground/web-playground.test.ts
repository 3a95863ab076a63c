import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { IncomingMessage } from '../../../src/core/message.js';
import type { TurnReport } from '../../../src/core/orchestrator.js';
import type { ReplySink } from '../../../src/core/reply-sink.js';
import type { EngineContext, EngineEvent } from '../../../src/engine/engine.js';
import { done, FakeEngine } from '../../fakes/fake-engine.js';
import { FakeTask } from '../../fakes/fake-task.js';
import { type PageEvent, type PlaygroundRig, png, startRig } from './harness.js';

/** Draws on "draw …", edits otherwise; a forced task is answered with its own span. */
function script(context: EngineContext): EngineEvent[] {
  const last = context.turns.at(-1)?.text ?? '';
  if (context.forcedTask === 'image_editing' || last.startsWith('make'))
    return [
      { type: 'task', call: { kind: 'image_editing', prompt: last, index: 0 } },
      done(`<edit>${last}</edit>`),
    ];
  if (last.startsWith('draw'))
    return [
      { type: 'text', delta: 'Here it is. ' },
      { type: 'task', call: { kind: 'image_generation', prompt: last.slice(5), index: 0 } },
      done(`Here it is. <gen>${last.slice(5)}</gen>`),
    ];
  return [{ type: 'text', delta: 'Hello' }, { type: 'text', delta: ' there.' }, done('Hello there.')];
}

const names = (events: PageEvent[]): string[] => events.map((e) => e.event);

describe('web playground over HTTP', () => {
  let rig: PlaygroundRig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('serves the page and its own assets only, with a strict CSP', async () => {
    rig = await startRig(
      { engine: new FakeEngine(script), tasks: [] },
      { model: { label: 'the demo model pack' } },
    );
    const page = await fetch(`${rig.base}/`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('/static/app.js');
    expect(html).not.toMatch(/https?:\/\//);
    const js = await fetch(`${rig.base}/static/app.js`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).not.toMatch(/https?:\/\//);
    expect((await fetch(`${rig.base}/static/..%2Fweb-playground.ts`)).status).toBe(404);
    expect((await fetch(`${rig.base}/static/nope.js`)).status).toBe(404);
    const info = await (await fetch(`${rig.base}/api/info`)).json();
    expect(info).toEqual({ model: { label: 'the demo model pack' }, maxUploadBytes: 20 * 1024 * 1024 });
    expect((await fetch(`${rig.base}/model-card`)).status).toBe(404);
  });

  it('refuses other Host names (DNS rebinding) and cross-origin posts', async () => {
    rig = await startRig({ engine: new FakeEngine(script), tasks: [] });
    const port = new URL(rig.base).port;
    const status = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/', headers: { host: `evil.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(403);
    const cross = await rig.turn('c1', { text: 'hi' }, { origin: 'http://evil.example' });
    expect(cross.status).toBe(403);
  });

  it('streams a reply as events: text, progress, media; the media and the history are served', async () => {
    const image = await png('#ff0000');
    const gen = new FakeTask('image_generation', () => image);
    rig = await startRig({ engine: new FakeEngine(script), tasks: [gen] });
    const { status, events } = await rig.turn('conv-1', { text: 'draw a red square' });
    expect(status).toBe(200);
    expect(names(events)[0]).toBe('accepted');
    expect(names(events)).toContain('typing');
    expect(names(events).at(-1)).toBe('done');
    const texts = events.filter((e) => e.event === 'text');
    expect(texts.at(-1)?.data).toEqual({ text: 'Here it is.', final: true });
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.data);
    expect(progress).toContainEqual(
      expect.objectContaining({ task: 'image_generation', phase: 'running', step: 1, totalSteps: 2 }),
    );
    expect(progress.at(-1)).toMatchObject({ phase: 'done', label: 'Your image is ready.' });
    const media = events.find((e) => e.event === 'media')?.data;
    expect(media).toMatchObject({
      kind: 'image',
      mime: 'image/png',
      task: 'image_generation',
      prompt: 'a red square',
    });

    const served = await fetch(`${rig.base}${String(media?.url)}`);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(image);
    expect((await fetch(`${rig.base}/media/${'0'.repeat(64)}`)).status).toBe(404);

    const history = (await (await fetch(`${rig.base}/api/conversations/conv-1`)).json()) as {
      turns: unknown;
    };
    expect(history.turns).toMatchObject([
      { role: 'user', text: 'draw a red square', media: [] },
      { role: 'assistant', text: 'Here it is.', media: [{ mediaId: media?.mediaId, kind: 'image' }] },
    ]);
  });

  it('passes uploads and button turns (replyTo + forced task) to the core', async () => {
    const edit = new FakeTask('image_editing', () => new Uint8Array([1, 2, 3]));
    const gen = new FakeTask('image_generation');
    rig = await startRig({ engine: new FakeEngine(script), tasks: [gen, edit] });
    const upload = await png('#00ff00');
    const first = await rig.turn('conv-2', {
      text: 'make it blue',
      attachments: [{ name: 'scene.png', mime: 'image/png', data: Buffer.from(upload).toString('base64') }],
    });
    expect(names(first.events)).toContain('media');
    expect(edit.requests[0]?.inputImage?.bytes).toEqual(upload);
    const made = first.events.find((e) => e.event === 'media')?.data.mediaId;

    // The Edit… button: the instruction typed, the image under the button as the one to edit.
    const second = await rig.turn('conv-2', {
      text: 'now yellow',
      forcedTask: 'image_editing',
      replyTo: made,
    });
    expect(second.status).toBe(200);
    expect(edit.requests[1]?.prompt).toBe('now yellow');
    expect(edit.requests[1]?.inputImage?.bytes).toEqual(new Uint8Array([1, 2, 3]));

    expect((await rig.turn('conv-2', { text: 'x', replyTo: 'f'.repeat(64) })).status).toBe(400);
    expect((await rig.turn('conv-2', { text: '   ' })).status).toBe(400);
    expect((await rig.turn('conv-2', { text: 'x', forcedTask: 'telepathy' })).status).toBe(400);
  });

  it('refuses uploads over the limit with 413 before running anything', async () => {
    const engine = new FakeEngine(script);
    rig = await startRig({ engine, tasks: [] }, { maxUploadBytes: 1000 });
    const data = Buffer.alloc(5000).toString('base64');
    const res = await rig.turn('c', {
      text: 'look',
      attachments: [{ name: 'a.png', mime: 'image/png', data }],
    });
    expect(res.status).toBe(413);
    expect(engine.contexts).toHaveLength(0);
  });

  it('forgets a conversation on DELETE', async () => {
    rig = await startRig({ engine: new FakeEngine(script), tasks: [] });
    await rig.turn('conv-3', { text: 'hello' });
    expect((await rig.store.load('playground:web:conv-3')).turns).toHaveLength(2);
    const res = await fetch(`${rig.base}/api/conversations/conv-3`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect((await rig.store.load('playground:web:conv-3')).turns).toHaveLength(0);
  });

  it('queues turns beyond the free slots and tells the waiting one its position', async () => {
    const gates: Array<() => void> = [];
    const seen: string[] = [];
    const handler = {
      async handle(message: IncomingMessage, sink: ReplySink): Promise<TurnReport> {
        seen.push(message.text);
        await new Promise<void>((resolve) => gates.push(resolve));
        await sink.text(`re: ${message.text}`, true);
        return { reply: `re: ${message.text}`, tasks: [] };
      },
    };
    rig = await startRig({ handler });
    const firstRes = rig.turn('a', { text: 'one' });
    await expect.poll(() => seen).toEqual(['one']);
    const secondRes = rig.turn('b', { text: 'two' });
    // The second turn is accepted but waits in line: the handler has not seen it.
    await expect.poll(() => rig?.playground.queuedTurns).toBe(1);
    expect(seen).toEqual(['one']);
    gates.shift()?.();
    await expect.poll(() => seen).toEqual(['one', 'two']);
    gates.shift()?.();
    const [first, second] = await Promise.all([firstRes, secondRes]);
    expect(names(first.events)).not.toContain('queued');
    const queued = second.events.find((e) => e.event === 'queued');
    expect(queued?.data).toEqual({ position: 1, label: 'Waiting: you are next.' });
    expect(names(second.events).indexOf('queued')).toBeLessThan(names(second.events).indexOf('started'));
    expect(second.events.find((e) => e.event === 'text')?.data.text).toBe('re: two');
  });

  it('cancels a running turn when the page goes away', async () => {
    const signals: AbortSignal[] = [];
    const handler = {
      async handle(_message: IncomingMessage, _sink: ReplySink, signal?: AbortSignal): Promise<TurnReport> {
        if (signal) signals.push(signal);
        await new Promise((resolve) => signal?.addEventListener('abort', resolve, { once: true }));
        return { reply: '', tasks: [], error: 'cancelled' };
      },
    };
    rig = await startRig({ handler });
    const page = new AbortController();
    const res = await fetch(`${rig.base}/api/conversations/gone/turns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'long job' }),
      signal: page.signal,
    });
    expect(res.status).toBe(200);
    await expect.poll(() => signals.length).toBe(1);
    expect(signals[0]?.aborted).toBe(false);
    page.abort();
    await expect.poll(() => signals[0]?.aborted).toBe(true);
  });
});
