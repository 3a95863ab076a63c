import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Orchestrator, TurnReport } from '../../src/core/orchestrator.js';
import { FileMediaStore } from '../../src/core/store/file-media-store.js';
import { SqliteConversationStore } from '../../src/core/store/sqlite-conversation-store.js';
import { createOrchestrator, createRuntime, DEMO_PACK_DIR, type Runtime } from '../../src/runtime.js';
import { RecordingSink } from '../fakes/recording-sink.js';
import { iou, renderScene, type SceneShape, shapeMask } from '../helpers/render-scene.js';

// The shipped demo pack through the real runtime (engine + task runners), as `llmbind ask` uses it.
let runtime: Runtime;
let orchestrator: Orchestrator;
let turn = 0;

beforeAll(async () => {
  const config = loadConfig({ env: { LLMBIND_MODELS: DEMO_PACK_DIR } });
  runtime = await createRuntime(config, silentLogger());
  orchestrator = createOrchestrator(runtime, config, silentLogger(), {
    store: new SqliteConversationStore(':memory:'),
    media: new FileMediaStore(mkdtempSync(join(tmpdir(), 'demo-media-'))),
  });
});
afterAll(async () => {
  await runtime?.close();
});

async function ask(text: string, image?: Uint8Array): Promise<{ report: TurnReport; sink: RecordingSink }> {
  turn += 1;
  const sink = new RecordingSink();
  const attachments = image
    ? [{ name: 'scene.png', mime: 'image/png', size: image.byteLength, read: async () => image }]
    : [];
  const report = await orchestrator.handle(
    {
      platform: 'cli',
      conversationId: `demo-${turn}`,
      messageId: `m${turn}`,
      author: { id: 'u', name: 'u' },
      text,
      attachments,
      seed: 1,
    },
    sink,
  );
  return { report, sink };
}

describe('the shipped demo pack', () => {
  it.each([
    ['draw a big red circle on the left', 'image_generation'],
    ['Could you please make me a picture of a small blue square at the top?', 'image_generation'],
    ['play two high beeps', 'audio_generation'],
    ['make two high beeps', 'audio_generation'],
    ['generate a yellow circle', 'image_generation'],
    ['make a short video of a green triangle moving to the right', 'video_generation'],
    // Registers the grammar barely had until phase 9d: capitals, title case, a bare label.
    ['DRAW A RED CIRCLE', 'image_generation'],
    ['Make A Video Of A Blue Square Moving Left', 'video_generation'],
    ['one high beep', 'audio_generation'],
    ['hello, how are you?', 'none'],
    ['what can you do?', 'none'],
    // Phrasings phase 9e got wrong (phase 10, MODEL_CARD.md): a video, a drum beat for feedback.
    ['create an image containing a black triangle', 'image_generation'],
    ['looks great, thanks', 'none'],
    // A bare imperative with a rarer verb: phase 11 asked for an image to be attached (phase 12).
    ['sketch a green triangle', 'image_generation'],
    // A shape with no colour: phase 13a, trained on "draw a {thing}" clarifications, refused it.
    ['draw a circle', 'image_generation'],
  ])('routes %j to %s', async (text, expected) => {
    const { report } = await ask(text);
    expect(report.error).toBeUndefined();
    expect(report.tasks.map((t) => t.kind)).toEqual(expected === 'none' ? [] : [expected]);
    expect(report.reply.length).toBeGreaterThan(0);
  });

  it('counts history in the model tokenizer, tags as plain text', () => {
    const count = runtime.countTokens;
    expect(count).toBeDefined();
    // A user's literal tag is never one task token: it costs more than one token.
    expect(count?.('<gen>')).toBeGreaterThan(1);
    expect(count?.('draw a red circle')).toBeLessThan('draw a red circle'.length);
  });

  // Leaving, declining and asking what the bot can make, and videos or sounds of things outside the shapes
  // world: phase 10 answered these with an edit, a beep, an image, a circle's video and a hum (phase 11).
  it.each([
    ['see you tomorrow', /goodbye/i],
    ['never mind', /just ask/i],
    ['why do you only draw circles, squares and triangles?', /circles, squares and triangles.*colours/],
    ['what sounds can you make?', /beeps.*siren/],
    ['make a video of a horse running', /videos can only show circles, squares and triangles/],
    ['play a dog barking', /only make beeps/],
    // Things outside the shapes world named with a colour or a place, a shape it cannot draw, and praise:
    // phase 12 drew a green circle, "a small shape on the left" and a purple triangle, and said "You're welcome!"
    // to praise (phase 13).
    ['a green frog please', /only draw circles, squares and triangles/],
    ['draw a tiger on the left', /only draw circles, squares and triangles/],
    ['draw a purple rectangle', /only draw circles, squares and triangles/],
    ['looks great', /glad you like it/i],
  ] as const)('answers %j in words, with no task', async (text, reply) => {
    const { report } = await ask(text);
    expect(report.error).toBeUndefined();
    expect(report.tasks).toEqual([]);
    expect(report.reply).toMatch(reply);
  });

  it('asks for an image when a question comes without one', async () => {
    const { report } = await ask('is there a red circle?');
    expect(report.tasks).toEqual([]);
    expect(report.reply).toMatch(/attach/i);
  });

  it.each([
    ['draw three blue circles', 'image_generation', /^ *a blue circle, a blue circle and a blue circle *$/],
    ['beep three times', 'audio_generation', /^ *three high beeps *$/],
    // Pitch first, count last, no verb: phase 11 answered these with small talk (phase 12).
    ['high beep twice', 'audio_generation', /^ *two high beeps *$/],
    ['low beep twice please', 'audio_generation', /^ *two low beeps *$/],
  ] as const)('reads the count in %j', async (text, kind, caption) => {
    const { report } = await ask(text);
    expect(report.tasks.map((t) => t.kind)).toEqual([kind]);
    expect(report.tasks[0]?.prompt).toMatch(caption);
  });

  it('puts the requested attributes in the generation caption', async () => {
    const { report } = await ask('draw a big red circle on the left');
    expect(report.tasks[0]?.prompt).toMatch(/red/);
    expect(report.tasks[0]?.prompt).toMatch(/circle/);
  });

  // Two requests in one message: each span carries its own request's attributes (until phase 9e the second
  // caption often copied the first's, e.g. "rain-like noise and rain-like noise").
  it.each([
    [
      'draw a red circle and then play two high beeps',
      ['image_generation', /red circle/],
      ['audio_generation', /^ *two high beeps *$/],
    ],
    [
      'make a video of a blue square moving up and a sound of rain',
      ['video_generation', /blue square moving up/],
      ['audio_generation', /^ *rain-like noise *$/],
    ],
  ] as const)('splits %j into two tasks with their own attributes', async (text, first, second) => {
    const { report } = await ask(text);
    expect(report.error).toBeUndefined();
    expect(report.tasks.map((t) => t.kind)).toEqual([first[0], second[0]]);
    expect(report.tasks[0]?.prompt).toMatch(first[1]);
    expect(report.tasks[1]?.prompt).toMatch(second[1]);
  });

  // Scenes from the tests' own renderer (other RGB values, SVG anti-aliasing, 96 px, off-centre shapes).
  // The pack answers image questions right ~85 % of the time on held-out scenes (MODEL_CARD.md), so these
  // tests hold it to that level on a fixed set rather than pretending every answer is right.
  it('describes single-shape scenes', async () => {
    const cases: [SceneShape, RegExp][] = [
      [{ shape: 'circle', color: 'red', cx: 0.24, cy: 0.5, r: 0.15 }, /red circle on the left/],
      [{ shape: 'square', color: 'blue', cx: 0.5, cy: 0.24, r: 0.1 }, /blue square at the top/],
      [{ shape: 'triangle', color: 'green', cx: 0.76, cy: 0.5, r: 0.15 }, /green triangle on the right/],
      [{ shape: 'circle', color: 'yellow', cx: 0.5, cy: 0.76, r: 0.09 }, /yellow circle at the bottom/],
      [{ shape: 'square', color: 'purple', cx: 0.5, cy: 0.5, r: 0.15 }, /purple square in the center/],
      [{ shape: 'triangle', color: 'orange', cx: 0.24, cy: 0.5, r: 0.1 }, /orange triangle on the left/],
    ];
    let right = 0;
    for (const [shape, want] of cases) {
      const { report } = await ask('describe this picture', await renderScene([shape], 96));
      expect(report.tasks).toEqual([]);
      expect(report.reply).toMatch(/^The image shows /);
      if (want.test(report.reply.toLowerCase())) right++;
    }
    console.log(`descriptions: ${right}/${cases.length} right`);
    expect(right).toBeGreaterThanOrEqual(5);
  });

  it('answers questions about a two-shape scene', async () => {
    const scene = await renderScene(
      [
        { shape: 'circle', color: 'red', cx: 0.24, cy: 0.52, r: 0.15 },
        { shape: 'square', color: 'blue', cx: 0.5, cy: 0.22, r: 0.1 },
      ],
      96,
    );
    const cases: [string, RegExp][] = [
      ['what colour is the square?', /is blue/],
      ['where is the red circle?', /on the left/],
      ['how many shapes are there?', /2 shapes/],
      ['what shape is the blue one?', /a square/],
      // Yes/no answers list the asked-for shape's colours first ("I see one circle: red. So yes, …").
      ['is there a red circle?', /\byes\b/],
      ['is there a green triangle?', /\bno\b/],
      ['is there a purple square?', /\bno\b/],
      // Absent, though both its colour (on the square) and its shape (red) are there: the comparison phase 9 taught.
      ['is there a blue circle?', /\bno\b/],
      ['how many triangles are there?', /no triangles/],
      ['how many circles are there?', /1 circle/],
      ['what color is the background?', /light grey/],
      ['where is the square?', /at the top/],
    ];
    let right = 0;
    for (const [question, want] of cases) {
      const { report } = await ask(question, scene);
      expect(report.tasks).toEqual([]);
      if (want.test(report.reply.toLowerCase())) right++;
      else console.log(`wrong: ${question} -> ${report.reply}`);
    }
    console.log(`image questions: ${right}/${cases.length} right`);
    expect(right).toBeGreaterThanOrEqual(11);
  });

  it('segments the shape a user names in a scene drawn by another renderer', async () => {
    const target: SceneShape = { shape: 'square', color: 'blue', cx: 0.7, cy: 0.45, r: 0.17 };
    const other: SceneShape = { shape: 'circle', color: 'red', cx: 0.25, cy: 0.55, r: 0.15 };
    const scene = await renderScene([other, target], 96);
    const { report, sink } = await ask('segment the blue square', scene);
    expect(report.tasks.map((t) => t.kind)).toEqual(['segmentation']);
    const mask = sink.postedMedia().find((m) => m.filename === 'mask.png');
    expect(mask).toBeDefined();
    const { data, info } = await sharp(mask?.bytes).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([96, 96]);
    const predicted = Uint8Array.from(data, (v) => (v >= 128 ? 1 : 0));
    const score = iou(predicted, await shapeMask(target, 96));
    console.log(`[SEG] IoU ${score.toFixed(3)}`);
    expect(score).toBeGreaterThanOrEqual(0.8);
  });
});
