/**
 * The demo pack's speed on this machine, as `llmbind ask` runs it: the LLM's first token and decode rate
 * (through the engine and its worker pool), and each task runner's wall time, median of `rounds`.
 *
 *   npx tsx bench/demo-pack.ts [rounds]
 *
 * Issue targets (2-core CPU): first token ≤ 150 ms, ≥ 30 tokens/s; image ≤ 2 s; video and audio ≤ 4 s.
 * The runner times include encoding (PNG, MP4, OGG), not the platform upload.
 */
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { loadConfig } from '../src/config/load-config.js';
import { silentLogger } from '../src/core/logger.js';
import type { EngineContext, EngineImage } from '../src/engine/engine.js';
import type { TaskKind } from '../src/engine/protocol/task-kind.js';
import { createRuntime, DEMO_PACK_DIR } from '../src/runtime.js';

const rounds = Number(process.argv[2] ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function scene(): Promise<EngineImage> {
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96"><rect width="100%" height="100%" fill="#d8d8d8"/>' +
    '<circle cx="22" cy="48" r="13" fill="#d42a2a"/><rect x="62" y="36" width="24" height="24" fill="#2d52d6"/></svg>';
  return { bytes: new Uint8Array(await sharp(Buffer.from(svg)).png().toBuffer()), mime: 'image/png' };
}

const config = loadConfig({ env: { LLMBIND_MODELS: DEMO_PACK_DIR } });
const runtime = await createRuntime(config, silentLogger());
const image = await scene();
const prompts: [string, EngineImage[]][] = [
  ['what can you do?', []],
  ['describe this picture', [image]],
  ['draw a big red circle on the left on a blue background', []],
];

console.log(`demo pack, ${rounds} rounds, medians`);
console.log('| LLM request | first token | tokens | tokens/s after the first |');
console.log('|---|---|---|---|');
for (const [text, images] of prompts) {
  const first: number[] = [];
  const rate: number[] = [];
  let tokens = 0;
  for (let r = 0; r < rounds; r++) {
    const context: EngineContext = {
      turns: [{ role: 'user', text, images }],
      sampling: { ...config.engine.sampling, seed: r + 1 },
    };
    const t0 = performance.now();
    for await (const e of runtime.engine.respond(context)) {
      if (e.type !== 'done') continue;
      const total = performance.now() - t0;
      first.push(e.firstTokenMs);
      tokens = e.tokens;
      rate.push(((e.tokens - 1) / (total - e.firstTokenMs)) * 1000);
    }
  }
  console.log(
    `| ${text}${images.length ? ' (+ image)' : ''} | ${median(first).toFixed(0)} ms | ${tokens} | ${median(rate).toFixed(0)} |`,
  );
}

const jobs: [TaskKind, string, EngineImage | undefined][] = [
  ['image_generation', 'a big red circle on the left on a blue background', undefined],
  ['image_editing', 'make the red circle green', image],
  ['video_generation', 'a red circle moving right', undefined],
  ['audio_generation', 'three high beeps', undefined],
];
console.log('\n| task runner | wall time |');
console.log('|---|---|');
for (const [kind, prompt, inputImage] of jobs) {
  const task = runtime.tasks.get(kind);
  if (!task) continue;
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const result = await task.run({ kind, prompt, seed: r + 1, ...(inputImage ? { inputImage } : {}) }, {});
    if (!result.ok) throw new Error(`${kind}: ${result.error.message}`);
    times.push(performance.now() - t0);
  }
  console.log(`| ${kind} | ${(median(times) / 1000).toFixed(2)} s |`);
}
await runtime.close();
