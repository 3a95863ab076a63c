import { LlmbindError } from '../../core/errors.js';
import type { HostTensor } from '../../engine/onnx/tensors.js';
import type { RawImage } from '../../media/media-types.js';

/**
 * The working size of an edit: the input scaled down (never up) to fit `maxSide`, each side rounded
 * down to a multiple of `multiple` (the VAE's downsampling), at least one latent cell.
 */
export function editSize(
  width: number,
  height: number,
  maxSide: number,
  multiple: number,
): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const toCells = (v: number) => Math.max(multiple, Math.floor((v * scale) / multiple) * multiple);
  return { width: toCells(width), height: toCells(height) };
}

/** RGB bytes → [1,3,H,W] floats in [-1,1] (diffusers' `2·x/255 − 1`). */
export function pixelsInRange(image: RawImage): Float32Array {
  const { width, height, channels, data } = image;
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++)
    for (let c = 0; c < 3; c++) out[c * plane + p] = ((data[p * channels + c] ?? 0) / 255) * 2 - 1;
  return out;
}

/**
 * Image latents from the VAE encoder, unscaled (InstructPix2Pix does not apply the scaling factor).
 * `latent_parameters` carries mean ‖ logvar: the first `c` channels are the mean, the mode diffusers uses.
 */
export function imageLatents(out: HostTensor | undefined, c: number, plane: number): Float32Array {
  if (!out || !(out.data instanceof Float32Array) || out.data.length < c * plane)
    throw new LlmbindError('task_failed', `VAE encoder returned shape [${out?.dims ?? []}]`);
  return out.data.slice(0, c * plane);
}

/**
 * Three-way guidance over a [text; image; uncond] batch (Brooks et al. 2023, eq. 3):
 * ε = ε_u + s_T·(ε_text − ε_image) + s_I·(ε_image − ε_u).
 */
export function pix2pixGuide(batchOutput: Float32Array, textScale: number, imageScale: number): Float32Array {
  const n = batchOutput.length / 3;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const text = batchOutput[i] ?? 0;
    const image = batchOutput[n + i] ?? 0;
    const uncond = batchOutput[2 * n + i] ?? 0;
    out[i] = uncond + textScale * (text - image) + imageScale * (image - uncond);
  }
  return out;
}
