import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { EngineContext, EngineEvent } from '../../src/engine/engine.js';
import { OnnxPool } from '../../src/engine/onnx/onnx-pool.js';
import { defaultFfmpeg } from '../../src/media/ffmpeg.js';
import { createTasks } from '../../src/tasks/create-tasks.js';
import type { Task } from '../../src/tasks/task.js';
import { type PlaygroundRig, startRig } from '../adapters/playground/harness.js';
import { done, FakeEngine } from '../fakes/fake-engine.js';

const CHROMIUM = '/usr/bin/chromium';
const BUNDLE = new URL('../fixtures/models/tasks', import.meta.url).pathname;
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;
/** The element fields read inside the page (the project compiles without the DOM lib). */
interface ImageLike {
  readonly complete: boolean;
  readonly naturalWidth: number;
  readonly scrollHeight: number;
}

/** The scripted model: a picture, an edit, a segmentation, chosen by the user's words. */
function script(context: EngineContext): EngineEvent[] {
  const last = (context.turns.at(-1)?.text ?? '').toLowerCase();
  if (last.includes('segment'))
    return [
      { type: 'text', delta: 'The ball is here: ' },
      {
        type: 'task',
        call: {
          kind: 'segmentation',
          prompt: 'the ball',
          index: 0,
          segEmbedding: new Float32Array(256).fill(0.1),
        },
      },
      { type: 'text', delta: '.' },
      done('The ball is here: [SEG].'),
    ];
  if (last.includes('colour'))
    return [
      { type: 'text', delta: 'Repainted it blue.' },
      { type: 'task', call: { kind: 'image_editing', prompt: 'make the ball blue', index: 0 } },
      done('Repainted it blue. <edit>make the ball blue</edit>'),
    ];
  return [
    { type: 'text', delta: 'Sure, ' },
    { type: 'text', delta: 'here is a red ball.' },
    { type: 'task', call: { kind: 'image_generation', prompt: 'a red ball on grass', index: 0 } },
    done('Sure, here is a red ball. <gen>a red ball on grass</gen>'),
  ];
}

/** A rendered scene to upload: sky, grass and a yellow ball. */
async function renderScene(path: string): Promise<void> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96">
    <rect width="96" height="60" fill="#7ec8f0"/><rect y="60" width="96" height="36" fill="#3a9a3a"/>
    <circle cx="48" cy="58" r="16" fill="#f2d024"/></svg>`;
  writeFileSync(path, await sharp(Buffer.from(svg)).png().toBuffer());
}

describe('the web playground in headless Chromium', () => {
  let pool: OnnxPool;
  let tasks: Task[];
  let rig: PlaygroundRig;
  let work: string;

  beforeAll(async () => {
    pool = await OnnxPool.create({ workers: 1 });
    const manifest = JSON.parse(readFileSync(join(BUNDLE, 'manifest.json'), 'utf8'));
    tasks = await createTasks(BUNDLE, manifest.tasks, {
      pool,
      ffmpeg: defaultFfmpeg(),
      logger: silentLogger(),
    });
    work = mkdtempSync(join(tmpdir(), 'playground-browser-'));
    writeFileSync(join(work, 'MODEL_CARD.md'), '# Demo pack\nTiny models trained on synthetic data.\n');
    rig = await startRig(
      { engine: new FakeEngine(script), tasks },
      { model: { label: 'the demo model pack', cardPath: join(work, 'MODEL_CARD.md') } },
    );
  });
  afterAll(async () => {
    await rig?.stop();
    await Promise.all((tasks ?? []).map((t) => t.dispose()));
    await pool?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('asks for a picture, edits it, uploads a scene and segments it', async () => {
    const { chromium } = await import('playwright-core');
    const context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1100, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(rig.base);
      await page.waitForSelector('body[data-ready="true"]');
      await expect.poll(() => page.textContent('#model-note')).toContain('the demo model pack');
      expect(await page.getAttribute('#model-card', 'href')).toBe('/model-card');

      /** Sends a message and waits for its reply to finish; returns the reply's locator. */
      const ask = async (text: string) => {
        const before = await page.locator('.msg.assistant').count();
        await page.fill('#input', text);
        await page.press('#input', 'Enter');
        const reply = page.locator('.msg.assistant').nth(before);
        await reply.locator('xpath=self::*[@data-state="done"]').waitFor({ timeout: 60_000 });
        return reply;
      };
      /** Waits for an image to decode and returns its size and the bytes behind it. */
      const loaded = async (selector: string) => {
        const handle = await page.waitForSelector(selector);
        await page.waitForFunction(
          (img) => (img as unknown as ImageLike).complete && (img as unknown as ImageLike).naturalWidth > 0,
          handle,
        );
        const src = String(await handle.getAttribute('src'));
        const res = await page.request.get(new URL(src, rig.base).href);
        return {
          src,
          width: await handle.evaluate((img) => (img as unknown as ImageLike).naturalWidth),
          type: res.headers()['content-type'],
          bytes: await res.body(),
        };
      };
      const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

      const first = await ask('Draw me a picture of a red ball');
      expect(await first.locator('.text').textContent()).toBe('Sure, here is a red ball.');
      const drawn = await loaded('img.media-image[data-task="image_generation"]');
      expect(drawn.type).toBe('image/png');
      expect(drawn.bytes.byteLength).toBeGreaterThan(100);
      expect(drawn.bytes.subarray(0, 4)).toEqual(PNG);
      expect(drawn.width).toBe(64);
      for (const label of ['Regenerate', 'Edit…', 'Segment…', 'Animate'])
        expect(await first.getByRole('button', { name: label }).count()).toBe(1);

      // The Edit… button under the picture: the composer switches to editing that image.
      await first.getByRole('button', { name: 'Edit…' }).click();
      await expect.poll(() => page.textContent('#mode-label')).toContain('Editing this image');
      await ask('Now make it another colour');
      expect(await page.isHidden('#mode')).toBe(true);
      const edited = await loaded('img.media-image[data-task="image_editing"]');
      expect(edited.bytes.subarray(0, 4)).toEqual(PNG);
      expect(edited.src).not.toBe(drawn.src);

      const scene = join(work, 'scene.png');
      await renderScene(scene);
      await page.setInputFiles('#file', scene);
      await page.waitForSelector('#pending .chip img');
      const third = await ask('Segment the ball in this scene');
      expect(await page.locator('.msg.user').last().locator('.thumbs img').count()).toBe(1);
      const overlay = await loaded('img.media-image[data-task="segmentation"]');
      expect(overlay.bytes.subarray(0, 4)).toEqual(PNG);
      expect(await third.locator('img.media-image').count()).toBe(2); // the overlay and the mask
      expect(await third.locator('.text').textContent()).toBe('The ball is here: .');

      // Tall enough for the whole conversation, so the artifact shows every step.
      const tall =
        (await page.locator('#thread').evaluate((t) => (t as unknown as ImageLike).scrollHeight)) + 200;
      await page.setViewportSize({ width: 1100, height: Math.max(900, tall) });
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'playground.png'), fullPage: true });
      // The conversation is in the sidebar, and the page shows it again after a reload.
      expect(await page.locator('#conversations li').count()).toBe(1);
      await page.setViewportSize({ width: 1100, height: 900 });
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]');
      await expect.poll(() => page.locator('.msg.assistant img.media-image').count()).toBe(4);

      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
