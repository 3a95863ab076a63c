import sharp, { type OutputInfo } from 'sharp';
import { LlmbindError } from '../../core/errors.js';

/** How a vision encoder wants its pixels (the manifest's `llm.vision`, minus the file names). */
export interface PixelSpec {
  /** Square side in pixels. */
  readonly size: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/**
 * Decodes an image (PNG/JPEG/WebP/…) into `pixel_values` for one image: Float32Array [3, size, size]
 * (CHW, RGB), `(x/255 − mean)/std` per channel. EXIF orientation is applied, transparency is flattened
 * onto white, and the image is stretched to size×size (fit 'fill', as CLIP-style processors without
 * cropping do).
 */
export async function pixelValues(bytes: Uint8Array, spec: PixelSpec): Promise<Float32Array> {
  const { size, mean, std } = spec;
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(bytes, { failOn: 'error' })
      .rotate()
      .flatten({ background: '#ffffff' })
      .resize(size, size, { fit: 'fill' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new LlmbindError('unsupported_media', 'image could not be decoded', {}, { cause: error });
  }
  const { data, info } = raw;
  if (info.channels !== 3 || info.width !== size || info.height !== size) {
    throw new LlmbindError(
      'unsupported_media',
      `decoded ${info.width}x${info.height}x${info.channels}, expected RGB`,
    );
  }
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c += 1) {
    const m = mean[c] ?? 0;
    const s = std[c] ?? 1;
    for (let i = 0; i < plane; i += 1) out[c * plane + i] = ((data[i * 3 + c] ?? 0) / 255 - m) / s;
  }
  return out;
}
