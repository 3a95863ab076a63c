import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { LlmbindError } from '../../../src/core/errors.js';
import { type InspectOnnx, loadBundle } from '../../../src/engine/bundle/load-bundle.js';

const FIXTURES = new URL('../../fixtures/models/', import.meta.url).pathname;

/** Reads signatures in-process (fine in a test; the runtime does this in its worker pool). */
const inspect: InspectOnnx = async (path) => {
  const session = await ort.InferenceSession.create(path);
  const signature = { inputNames: [...session.inputNames], outputNames: [...session.outputNames] };
  await session.release();
  return signature;
};

function copyBundle(name: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'bundle-')), name);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

async function bundleError(dir: string, check: InspectOnnx = inspect): Promise<LlmbindError> {
  try {
    await loadBundle(dir, check);
  } catch (error) {
    if (LlmbindError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected bundle_invalid');
}

function editManifest(dir: string, edit: (m: { llm: Record<string, unknown> }) => void): void {
  const path = join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  edit(manifest);
  writeFileSync(path, JSON.stringify(manifest));
}

describe('loadBundle', () => {
  it('loads both decoder layouts and reports their capabilities', async () => {
    const plain = await loadBundle(join(FIXTURES, 'plain'), inspect);
    expect(plain.decoder).toEqual({ takesEmbeds: false, merged: false, hasHiddenState: true });
    const merged = await loadBundle(join(FIXTURES, 'merged'), inspect);
    expect(merged.decoder).toEqual({ takesEmbeds: true, merged: true, hasHiddenState: true });
    expect(merged.files.visionEncoder).toMatch(/vision_encoder\.onnx$/);
    // Defaults apply when the manifest omits them.
    expect(merged.manifest.llm.taskTokens.video_generation.open).toEqual(['<video_cap>', '<vid_cap>']);
    expect(merged.manifest.llm.chatTemplate.generation).toBe('ASSISTANT:');
    expect(merged.manifest.llm.chatTemplate.userCase).toBe('keep');
  });

  it('names a missing file', async () => {
    const dir = copyBundle('merged');
    rmSync(join(dir, 'vision_encoder.onnx'));
    const error = await bundleError(dir);
    expect(error.code).toBe('bundle_invalid');
    expect(error.message).toContain(
      'vision_encoder.onnx: missing (llm.vision.encoder named in manifest.json)',
    );
  });

  it('names the file and the input a model lacks', async () => {
    const dir = copyBundle('plain');
    const error = await bundleError(dir, async (path) => {
      const real = await inspect(path);
      return { ...real, inputNames: real.inputNames.filter((n) => n !== 'attention_mask') };
    });
    expect(error.message).toMatch(/decoder_model\.onnx: missing input 'attention_mask'/);
  });

  it('refuses a manifest that fails its schema, naming the key', async () => {
    const dir = copyBundle('plain');
    editManifest(dir, (m) => {
      m.llm.numLayers = 'two';
    });
    expect((await bundleError(dir)).message).toMatch(/manifest\.json: llm\.numLayers/);
    editManifest(dir, (m) => {
      m.llm.numLayers = 2;
      m.llm.decoder = '../../etc/passwd';
    });
    expect((await bundleError(dir)).message).toMatch(/llm\.decoder: must be a path inside the bundle/);
    editManifest(dir, (m) => {
      m.llm.decoder = 'decoder_model.onnx';
      m.llm.chatTemplate = {
        system: '',
        user: 'U: {text}',
        assistant: 'A: {text}',
        generation: 'A:',
        userCase: 'upper',
      };
    });
    expect((await bundleError(dir)).message).toMatch(/llm\.chatTemplate\.userCase/);
  });

  it('refuses a tokenizer without the tokens the bundle needs', async () => {
    const dir = copyBundle('merged');
    const path = join(dir, 'tokenizer.json');
    const tokenizer = JSON.parse(readFileSync(path, 'utf8'));
    tokenizer.added_tokens = tokenizer.added_tokens.filter((t: { content: string }) => t.content !== '[SEG]');
    writeFileSync(path, JSON.stringify(tokenizer));
    expect((await bundleError(dir)).message).toMatch(/tokenizer\.json: '\[SEG\]' is not an added token/);
  });

  it('says so when the directory is not a bundle', async () => {
    const error = await bundleError(mkdtempSync(join(tmpdir(), 'empty-')));
    expect(error.message).toMatch(/manifest\.json: missing: is this a model bundle directory\?/);
  });
});
