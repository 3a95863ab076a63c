import { LlmbindError } from '../../core/errors.js';
import type { ValueInfo } from '../../engine/onnx/pool-protocol.js';
import type { HostTensor } from '../../engine/onnx/tensors.js';
import type { RunMeter } from '../shared/run-meter.js';
import type { ModelSignature } from '../shared/section.js';

/** How the denoiser is conditioned on the text. */
export type Conditioning = 'encoder_hidden_states' | 'class_labels';

/**
 * A UNet-style denoiser: `sample`, `timestep`, and `encoder_hidden_states` (cross-attention: SD,
 * InstructPix2Pix, text-to-video) or `class_labels` (pooled text embedding: AudioLDM) → `out_sample`.
 * The timestep's dtype and rank are read from the model: Optimum exports declare int64 [steps]
 * (one per batch row), the older diffusers conversion float32 [1], some exports a scalar.
 */
export class Denoiser {
  readonly conditioning: Conditioning;
  readonly #model: ModelSignature;
  readonly #timestep: ValueInfo;
  readonly #output: string;

  constructor(model: ModelSignature) {
    this.#model = model;
    model.requireInput('sample');
    this.#timestep = model.requireInput('timestep');
    const conditioning: Conditioning | undefined = model.input('encoder_hidden_states')
      ? 'encoder_hidden_states'
      : model.input('class_labels')
        ? 'class_labels'
        : undefined;
    // Neither input: report the cross-attention one, the common case.
    if (!conditioning) model.requireInput('encoder_hidden_states');
    this.conditioning = conditioning ?? 'encoder_hidden_states';
    this.#output = model.requireOutput('out_sample', 'sample_out', 'noise_pred').name;
  }

  /** Width of `timestep_cond` (LCM-distilled UNets' guidance embedding), when the model takes one. */
  get timestepCondDim(): number | undefined {
    const input = this.#model.input('timestep_cond');
    if (!input) return undefined;
    const dim = input.shape[1];
    return typeof dim === 'number' ? dim : 256;
  }

  /** Channels the model's `sample` input declares, when fixed. */
  get sampleChannels(): number | undefined {
    const c = this.#model.input('sample')?.shape[1];
    return typeof c === 'number' ? c : undefined;
  }

  /** The timestep feed for a batch of `batch` rows. */
  timestepTensor(t: number, batch: number): HostTensor {
    const { type, shape } = this.#timestep;
    // Integer timesteps (Optimum) are the rounded value; fractional ones only occur with Euler + linspace.
    const value = type.startsWith('int') ? Math.round(t) : t;
    if (shape.length === 0) return { type: 'float64', data: Float64Array.of(value), dims: [] };
    const declared = shape[0];
    const n = typeof declared === 'number' && declared > 0 ? declared : batch;
    return { type: 'float64', data: new Float64Array(n).fill(value), dims: [n] };
  }

  /**
   * One forward pass; returns the model output: `sample`'s shape, with `outputChannels` channels
   * (InstructPix2Pix takes 8 and predicts 4).
   */
  async predict(
    meter: RunMeter,
    sample: Float32Array,
    dims: readonly number[],
    t: number,
    condition: HostTensor,
    outputChannels = dims[1] ?? 1,
    extraFeeds: Record<string, HostTensor> = {},
  ): Promise<Float32Array> {
    const batch = dims[0] ?? 1;
    const expected = (sample.length / (dims[1] ?? 1)) * outputChannels;
    const out = await meter.run(this.#model.path, {
      sample: { type: 'float32', data: sample, dims },
      timestep: this.timestepTensor(t, batch),
      [this.conditioning]: condition,
      ...extraFeeds,
    });
    const result = out[this.#output];
    if (!result || result.data.length !== expected || !(result.data instanceof Float32Array)) {
      throw new LlmbindError(
        'task_failed',
        `denoiser output has ${result?.data.length ?? 0} values, expected ${expected}`,
      );
    }
    return result.data;
  }
}

/** Concatenates float32 tensors along dim 0 (the CFG batch: [uncond; cond; …]). */
export function stackBatch(parts: readonly HostTensor[]): HostTensor {
  const first = parts[0];
  if (!first) throw new RangeError('nothing to stack');
  const total = parts.reduce((n, p) => n + p.data.length, 0);
  const data = new Float32Array(total);
  let offset = 0;
  for (const p of parts) {
    data.set(p.data as Float32Array, offset);
    offset += p.data.length;
  }
  return {
    type: 'float32',
    data,
    dims: [parts.reduce((n, p) => n + (p.dims[0] ?? 1), 0), ...first.dims.slice(1)],
  };
}

/** Repeats one batch row `n` times. */
export function repeatRows(row: Float32Array, n: number): Float32Array {
  const out = new Float32Array(row.length * n);
  for (let i = 0; i < n; i++) out.set(row, i * row.length);
  return out;
}
