import { describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../src/engine/onnx/pool-protocol.js';
import { guide } from '../../src/tasks/diffusion/denoise-loop.js';
import { Denoiser } from '../../src/tasks/diffusion/denoiser.js';
import { PromptEncoder } from '../../src/tasks/diffusion/prompt-encoder.js';
import { editSize, pix2pixGuide } from '../../src/tasks/image-editing/pix2pix.js';
import { Gaussian } from '../../src/tasks/shared/gaussian.js';
import { ModelSignature } from '../../src/tasks/shared/section.js';
import { numbers, TASKS_DIR } from './task-fixtures.js';

const unetWithTimestep = (type: string, shape: (number | string)[]) =>
  new ModelSignature('unet.onnx', {
    inputs: [
      { name: 'sample', type: 'float32', shape: ['batch', 4, 'h', 'w'] },
      { name: 'timestep', type, shape },
      { name: 'encoder_hidden_states', type: 'float32', shape: ['batch', 77, 768] },
    ],
    outputs: [{ name: 'out_sample', type: 'float32', shape: ['batch', 4, 'h', 'w'] }],
    provider: 'cpu',
  } satisfies ModelInfo);

describe('timestep feed follows the declared rank and dtype', () => {
  it('Optimum int64 [steps]: one rounded value per batch row', () => {
    const t = new Denoiser(unetWithTimestep('int64', ['steps'])).timestepTensor(500.6, 2);
    expect(t.dims).toEqual([2]);
    expect(numbers(t)).toEqual([501, 501]);
  });

  it('diffusers float32 [1]: one value, fractional kept', () => {
    const t = new Denoiser(unetWithTimestep('float32', [1])).timestepTensor(500.6, 2);
    expect(t.dims).toEqual([1]);
    expect(numbers(t)).toEqual([500.6]);
  });

  it('scalar timestep: rank 0', () => {
    const t = new Denoiser(unetWithTimestep('float16', [])).timestepTensor(7, 3);
    expect(t.dims).toEqual([]);
    expect(t.data.length).toBe(1);
  });
});

describe('guidance', () => {
  it('classifier-free guidance is ε_u + g(ε_c − ε_u)', () => {
    expect(Array.from(guide(Float32Array.of(1, 2, 3, 5), 7.5))).toEqual([1 + 7.5 * 2, 2 + 7.5 * 3]);
  });

  it('InstructPix2Pix three-way guidance is ε_u + s_T(ε_t − ε_i) + s_I(ε_i − ε_u)', () => {
    const [value] = pix2pixGuide(Float32Array.of(4, 3, 1), 7.5, 1.5);
    expect(value).toBeCloseTo(1 + 7.5 * (4 - 3) + 1.5 * (3 - 1), 6);
  });

  it('edit sizes keep the aspect, never upscale and are whole latent cells', () => {
    expect(editSize(1024, 768, 512, 8)).toEqual({ width: 512, height: 384 });
    expect(editSize(100, 60, 512, 8)).toEqual({ width: 96, height: 56 });
    expect(editSize(4000, 10, 512, 8)).toEqual({ width: 512, height: 8 });
  });
});

describe('seeded noise', () => {
  it('is reproducible per seed, distinct across seeds, and standard normal', () => {
    const a = new Gaussian(42).normals(20_000);
    expect(Array.from(new Gaussian(42).normals(20_000))).toEqual(Array.from(a));
    expect(Array.from(new Gaussian(43).normals(8))).not.toEqual(Array.from(a.subarray(0, 8)));
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});

describe('prompt tokenization', () => {
  const encoder = new ModelSignature('te.onnx', {
    inputs: [{ name: 'input_ids', type: 'int32', shape: ['batch', 8] }],
    outputs: [{ name: 'last_hidden_state', type: 'float32', shape: ['batch', 8, 32] }],
    provider: 'cpu',
  });

  it('wraps in bos/eos, pads with the pad token to maxLength and masks the padding', async () => {
    const prompt = await PromptEncoder.create(
      `${TASKS_DIR}tokenizer.json`,
      encoder,
      { maxLength: 8, bosToken: '<s>', eosToken: '</s>', padToken: '<pad>' },
      'k',
    );
    const { ids, mask } = prompt.tokenize('hi');
    expect(ids[0]).toBe(1);
    expect(ids.length).toBe(8);
    const eos = ids.indexOf(2);
    expect(eos).toBeGreaterThan(1);
    expect(ids.slice(eos + 1).every((id) => id === 0)).toBe(true);
    expect(mask).toEqual(ids.map((_, i) => (i <= eos ? 1 : 0)));
  });

  it('truncates long prompts but keeps the closing eos', async () => {
    const prompt = await PromptEncoder.create(
      `${TASKS_DIR}tokenizer.json`,
      encoder,
      { maxLength: 8, bosToken: '<s>', eosToken: '</s>' },
      'k',
    );
    const { ids, mask } = prompt.tokenize('a very long prompt that does not fit');
    expect(ids).toHaveLength(8);
    expect(ids.at(-1)).toBe(2);
    expect(mask.every((m) => m === 1)).toBe(true);
  });

  it('names the key of an unknown special token', async () => {
    await expect(
      PromptEncoder.create(
        `${TASKS_DIR}tokenizer.json`,
        encoder,
        { maxLength: 8, eosToken: '<|endoftext|>' },
        'tasks.image_generation.tokenizer',
      ),
    ).rejects.toMatchObject({
      code: 'bundle_invalid',
      message: expect.stringContaining('tasks.image_generation.tokenizer.eosToken'),
    });
  });
});
