import sharp, { type Metadata } from 'sharp';
import { fail, ok, type Result } from '../core/errors.js';
import type { RawImage } from './media-types.js';
import { MIME_OF, type SniffedType, sniffType } from './sniff.js';

/** Limits applied to untrusted image bytes. */
export interface ImageInputOptions {
  /** Largest accepted width × height, checked from the header before any pixel is decoded. */
  readonly maxPixels: number;
  /** Largest accepted encoded size in bytes. */
  readonly maxBytes: number;
  /** Largest accepted width or height (a 1 × 40M strip is as hostile as a square bomb). */
  readonly maxSide: number;
  /** Seconds libvips may spend on one image before giving up. */
  readonly timeoutSeconds: number;
}

/** Defaults: ~40 MP, 25 MB, 16k per side, 10 s. */
export const DEFAULT_IMAGE_INPUT_OPTIONS = {
  maxPixels: 40_000_000,
  maxBytes: 25 * 1024 * 1024,
  maxSide: 16_384,
  timeoutSeconds: 10,
} as const satisfies ImageInputOptions;

/** Formats accepted as user input; GIF contributes its first frame only. */
export const ACCEPTED_IMAGE_TYPES: ReadonlySet<SniffedType> = new Set(['png', 'jpeg', 'webp', 'gif']);

/** A decoded, normalised image: upright, 8-bit sRGB, alpha flattened on white. */
export interface NormalisedImage {
  /** The detected source format (from the bytes, not the name). */
  readonly sourceType: SniffedType;
  readonly width: number;
  readonly height: number;
  /** Tightly packed RGB, `width * height * 3` bytes. */
  readonly rgb: RawImage & { readonly channels: 3 };
  /** The same pixels re-encoded as PNG (metadata stripped). */
  readonly png: Uint8Array;
}

/**
 * Decodes and validates untrusted image bytes. Every expected problem is a Failure value:
 * `unsupported_media` (not an accepted image type), `input_too_large` (bytes or pixels over the
 * limits) and `bad_input` (corrupt or truncated data). It never throws on hostile input.
 */
export async function decodeImageInput(
  bytes: Uint8Array,
  options: Partial<ImageInputOptions> = {},
): Promise<Result<NormalisedImage>> {
  const limits = { ...DEFAULT_IMAGE_INPUT_OPTIONS, ...options };
  if (bytes.length === 0) return fail('bad_input', 'empty image');
  if (bytes.length > limits.maxBytes) {
    return fail('input_too_large', 'image file too large', { bytes: bytes.length, limit: limits.maxBytes });
  }
  const type = sniffType(bytes);
  if (type === undefined || !ACCEPTED_IMAGE_TYPES.has(type)) {
    return fail('unsupported_media', `not an accepted image type (${type ?? 'unknown'})`, {
      detected: type ? MIME_OF[type] : 'unknown',
    });
  }
  // Zero-copy view; sharp only reads it.
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const sharpOptions = {
    limitInputPixels: limits.maxPixels,
    // 'error' rejects truncated and corrupt data but tolerates benign libjpeg warnings phones emit.
    failOn: 'error',
    page: 0,
    pages: 1,
  } as const;

  let meta: Metadata;
  try {
    // Reads the header only: a pixel bomb is measured here without allocating its pixels.
    meta = await sharp(input, sharpOptions).metadata();
  } catch (error) {
    return decodeFailure(error);
  }
  const { width, height } = meta;
  if (!width || !height) return fail('bad_input', 'image has no dimensions');
  if (width * height > limits.maxPixels || width > limits.maxSide || height > limits.maxSide) {
    return fail('input_too_large', 'image dimensions over the limit', {
      width,
      height,
      maxPixels: limits.maxPixels,
      maxSide: limits.maxSide,
    });
  }
  if (meta.format !== undefined && meta.format !== type) {
    // The decoder disagrees with the signature (a polyglot file): refuse rather than guess.
    return fail('unsupported_media', `decoder saw ${meta.format}`, { detected: meta.format });
  }

  try {
    const { data, info } = await sharp(input, sharpOptions)
      .timeout({ seconds: limits.timeoutSeconds })
      // EXIF orientation applied, then the tag is gone, so nothing downstream rotates twice.
      .autoOrient()
      // CMYK, greyscale and 16-bit inputs all become 8-bit sRGB here (CMYK through libvips' profile).
      .toColourspace('srgb')
      .flatten({ background: '#ffffff' })
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) return fail('bad_input', `unexpected channel count ${info.channels}`);
    const rgb = {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
      channels: 3,
    } as const;
    const png = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
      .png({ compressionLevel: 6 })
      .toBuffer();
    return ok({
      sourceType: type,
      width: info.width,
      height: info.height,
      rgb,
      png: new Uint8Array(png.buffer, png.byteOffset, png.length),
    });
  } catch (error) {
    return decodeFailure(error);
  }
}

/** Maps a libvips error to a Failure; its text goes to logs only. */
function decodeFailure(error: unknown): Result<never> {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) return fail('input_too_large', 'image dimensions over the limit');
  if (/timeout/i.test(message)) return fail('bad_input', 'image took too long to decode');
  if (/unsupported image format/i.test(message)) return fail('unsupported_media', 'unsupported image format');
  return fail('bad_input', 'corrupt or truncated image', { reason: message.slice(0, 200) });
}
