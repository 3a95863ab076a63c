/**
 * Sends many one-turn requests to a model pack through the real engine (greedy, as `llmbind ask` decodes) and
 * prints each raw reply, task tags included: a quick way to read how a pack handles phrasings people write.
 * A line starting with `@` is sent with an attached scene (a red circle on the left, a blue square on the
 * right); blank lines are skipped.
 *
 *   npx tsx scripts/ask-many.ts requests.txt [models-dir]     (models-dir defaults to the demo pack)
 */
import { existsSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { loadConfig } from '../src/config/load-config.js';
import { silentLogger } from '../src/core/logger.js';
import type { EngineImage } from '../src/engine/engine.js';
import { createRuntime, DEMO_PACK_DIR } from '../src/runtime.js';

const [file, dir = DEMO_PACK_DIR] = process.argv.slice(2);
if (!file) {
  console.error('usage: npx tsx scripts/ask-many.ts requests.txt [models-dir]');
  process.exit(2);
}
if (!existsSync(file)) {
  console.error(`ask-many: no such file: ${file}`);
  process.exit(2);
}
const config = loadConfig({ env: { LLMBIND_MODELS: dir } });
const runtime = await createRuntime(config, silentLogger());
const svg =
  '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96"><rect width="100%" height="100%" fill="#d8d8d8"/>' +
  '<circle cx="22" cy="48" r="13" fill="#d42a2a"/><rect x="62" y="36" width="24" height="24" fill="#2d52d6"/></svg>';
const scene: EngineImage = {
  bytes: new Uint8Array(await sharp(Buffer.from(svg)).png().toBuffer()),
  mime: 'image/png',
};
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const withImage = line.startsWith('@');
  const text = withImage ? line.slice(1) : line;
  let raw = '';
  for await (const event of runtime.engine.respond({
    turns: [{ role: 'user', text, images: withImage ? [scene] : [] }],
    sampling: { ...config.engine.sampling, seed: 1 },
  }))
    if (event.type === 'done') raw = event.raw;
  console.log(`${withImage ? '[image] ' : ''}${text}\n    -> ${raw.replace(/\n/g, ' ').trim()}`);
}
await runtime.close();
