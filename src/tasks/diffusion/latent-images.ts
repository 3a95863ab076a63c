import { LlmbindError } from '../../core/errors.js';
import type { HostTensor } from '../../engine/onnx/tensors.js';
import { encodeRaw } from '../../media/image-ops.js';
import type { RawImage } from '../../media/media-types.js';
import type { RunMeter } from '../shared/run-meter.js';

/**
 * SD 1.5 latent → RGB factors (the linear approximation ComfyUI and A1111 use for live previews):
 * a preview costs no VAE run.
 */
export const SD15_PREVIEW_FACTORS: readonly (readonly [number, number, number])[] = [
  [0.3512, 0.2297, 0.3227],
  [0.325, 0.4974, 0.235],
  [-0.2829, 0.1762, 0.2721],
  [-0.212, -0.2616, -0.7177],
];

const toByte = (v: number): number => Math.round(Math.min(1, Math.max(0, v)) * 255);

/**
 * One image of a [N,3,H,W] tensor in [-1,1] as RGB bytes: diffusers' `(x/2 + 0.5).clamp(0,1)`,
 * then `round(x·255)`.
 */
export function tensorToRgb(t: HostTensor, index = 0): RawImage {
  const [, c, height, width] = t.dims;
  if (c !== 3 || !height || !width)
    throw new LlmbindError('task_failed', `decoder returned shape [${t.dims}]`);
  const plane = height * width;
  const base = index * 3 * plane;
  const data = new Uint8Array(plane * 3);
  for (let p = 0; p < plane; p++)
    for (let ch = 0; ch < 3; ch++) data[p * 3 + ch] = toByte((Number(t.data[base + ch * plane + p]) + 1) / 2);
  return { data, width, height, channels: 3 };
}

/** Runs the VAE decoder (`latent_sample` → `sample`) on latents divided by the scaling factor. */
export async function decodeLatents(
  meter: RunMeter,
  vaeDecoder: string,
  latents: Float32Array,
  dims: readonly number[],
  scalingFactor: number,
): Promise<HostTensor> {
  const scaled = latents.map((v) => v / scalingFactor);
  const out = await meter.run(vaeDecoder, { latent_sample: { type: 'float32', data: scaled, dims } });
  const sample = out.sample ?? Object.values(out)[0];
  if (!sample) throw new LlmbindError('task_failed', 'VAE decoder returned nothing');
  return sample;
}

/**
 * A small PNG of latents [C,h,w] (batch row 0) through the per-channel RGB factors; without factors
 * for this channel count, the first channels are shown as grey levels. Values are mapped from [-1,1].
 */
export async function previewPng(
  latents: Float32Array,
  channels: number,
  height: number,
  width: number,
  factors: readonly (readonly [number, number, number])[] | undefined,
): Promise<Uint8Array> {
  const plane = height * width;
  const data = new Uint8Array(plane * 3);
  const table = factors && factors.length === channels ? factors : undefined;
  for (let p = 0; p < plane; p++) {
    for (let ch = 0; ch < 3; ch++) {
      let v = 0;
      if (table)
        for (let c = 0; c < channels; c++) v += (latents[c * plane + p] ?? 0) * (table[c]?.[ch] ?? 0);
      else v = latents[(ch % channels) * plane + p] ?? 0;
      data[p * 3 + ch] = toByte((v + 1) / 2);
    }
  }
  return encodeRaw({ data, width, height, channels: 3 }, 'png');
}
