import { fileURLToPath } from 'node:url';
import { HfTokenizer } from '../../../src/engine/protocol/tokenizer.js';

/** Path of the fixture byte-level BPE tokenizer (task tokens are added tokens). */
export const FIXTURE_TOKENIZER = fileURLToPath(
  new URL('../../fixtures/tokenizer/tokenizer.json', import.meta.url),
);

/** Loads the fixture tokenizer or fails the test. */
export async function loadFixtureTokenizer(): Promise<HfTokenizer> {
  const loaded = await HfTokenizer.load(FIXTURE_TOKENIZER);
  if (!loaded.ok) throw new Error(`fixture tokenizer: ${loaded.error.message}`);
  return loaded.value;
}
