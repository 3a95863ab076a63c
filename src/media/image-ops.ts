import sharp, { type OutputInfo, type Sharp } from 'sharp';
import type { RawImage } from './media-types.js';

/** Where a letterboxed image sits inside its canvas, to map model outputs (masks, boxes) back. */
export interface LetterboxPlacement {
  /** Source pixels → canvas pixels. */
  readonly scale: number;
  readonly offsetX: number;
  readonly offsetY: number;
  /** Size of the scaled content inside the canvas. */
  readonly contentWidth: number;
  readonly contentHeight: number;
}

/** RGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];

const toSharp = (image: RawImage): Sharp =>
  sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), {
    raw: { width: image.width, height: image.height, channels: image.channels },
  });

const asRaw = (data: Buffer, info: OutputInfo): RawImage => ({
  data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  width: info.width,
  height: info.height,
  channels: info.channels === 4 ? 4 : 3,
});

const asBytes = (data: Buffer): Uint8Array => new Uint8Array(data.buffer, data.byteOffset, data.length);

/** Stretches an image to exactly `width × height` (what most vision encoders expect). */
export async function resizeExact(image: RawImage, width: number, height: number): Promise<RawImage> {
  const { data, info } = await toSharp(image)
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return asRaw(data, info);
}

/**
 * Scales an image to fit inside `width × height` without distortion and pads the rest with
 * `background` (SAM-style encoders and letterboxed detectors). The placement says where it went.
 */
export async function letterbox(
  image: RawImage,
  width: number,
  height: number,
  background: Rgb = [0, 0, 0],
): Promise<{ image: RawImage; placement: LetterboxPlacement }> {
  const scale = Math.min(width / image.width, height / image.height);
  const contentWidth = Math.max(1, Math.min(width, Math.round(image.width * scale)));
  const contentHeight = Math.max(1, Math.min(height, Math.round(image.height * scale)));
  // Centred, like the reference preprocessors; SAM pads bottom/right, so callers that need that can
  // use resizeExact on a pre-cropped canvas instead.
  const offsetX = Math.floor((width - contentWidth) / 2);
  const offsetY = Math.floor((height - contentHeight) / 2);
  const [r, g, b] = background;
  const { data, info } = await toSharp(image)
    .resize(contentWidth, contentHeight, { fit: 'fill', kernel: 'lanczos3' })
    .extend({
      top: offsetY,
      bottom: height - contentHeight - offsetY,
      left: offsetX,
      right: width - contentWidth - offsetX,
      background: { r, g, b, alpha: 1 },
    })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { image: asRaw(data, info), placement: { scale, offsetX, offsetY, contentWidth, contentHeight } };
}

/** Encodes raw RGB(A) pixels as PNG (lossless) or JPEG (alpha flattened on white). */
export async function encodeRaw(
  image: RawImage,
  format: 'png' | 'jpeg',
  options: { quality?: number } = {},
): Promise<Uint8Array> {
  const pipeline = toSharp(image);
  if (format === 'png') return asBytes(await pipeline.png({ compressionLevel: 6 }).toBuffer());
  return asBytes(
    await pipeline
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: options.quality ?? 90, mozjpeg: true })
      .toBuffer(),
  );
}

/**
 * A small JPEG preview (progress updates, history thumbnails): longest side at most `maxSide`,
 * never enlarged.
 */
export async function thumbnail(image: RawImage, maxSide = 256): Promise<Uint8Array> {
  return asBytes(
    await toSharp(image)
      .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 80 })
      .toBuffer(),
  );
}

/** A binary mask: non-zero bytes are "inside". Any size; it is scaled to the image. */
export interface BinaryMask {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** How a mask is drawn. */
export interface OverlayStyle {
  readonly fill: Rgb;
  /** Opacity of the tint, 0–1. */
  readonly alpha: number;
  readonly outline: Rgb;
  /** Outline thickness in image pixels; 0 draws none. */
  readonly outlineWidth: number;
}

/** A translucent green tint with a solid outline, readable on photos and on flat colours alike. */
export const DEFAULT_OVERLAY_STYLE = {
  fill: [30, 200, 90],
  alpha: 0.45,
  outline: [255, 255, 255],
  outlineWidth: 2,
} as const satisfies OverlayStyle;

/** Nearest-neighbour scales a mask to `width × height` (keeps it binary). */
export function scaleMask(mask: BinaryMask, width: number, height: number): Uint8Array {
  if (mask.width === width && mask.height === height) return mask.data;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(mask.height - 1, Math.floor(((y + 0.5) * mask.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(mask.width - 1, Math.floor(((x + 0.5) * mask.width) / width));
      out[y * width + x] = mask.data[sy * mask.width + sx] ? 1 : 0;
    }
  }
  return out;
}

/** Mask minus its erosion by `radius` (square neighbourhood): the band along its border. */
function outlineOf(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  let inner = mask;
  for (let step = 0; step < radius; step++) {
    const next = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        if (!inner[i]) continue;
        // Pixels on the image edge count as border, so a mask touching the edge is still outlined.
        const interior =
          x > 0 &&
          x < width - 1 &&
          y > 0 &&
          y < height - 1 &&
          inner[i - 1] &&
          inner[i + 1] &&
          inner[i - width] &&
          inner[i + width];
        next[i] = interior ? 1 : 0;
      }
    }
    inner = next;
  }
  const band = new Uint8Array(width * height);
  for (let i = 0; i < band.length; i++) band[i] = mask[i] && !inner[i] ? 1 : 0;
  return band;
}

/**
 * Tints the mask's pixels over an RGB(A) image and draws its outline, for segmentation replies.
 * Returns a new RGB image the size of `image`; the input is not modified.
 */
export function overlayMask(image: RawImage, mask: BinaryMask, style: Partial<OverlayStyle> = {}): RawImage {
  const { fill, alpha, outline, outlineWidth } = { ...DEFAULT_OVERLAY_STYLE, ...style };
  const { width, height, channels } = image;
  const inside = scaleMask(mask, width, height);
  const border =
    outlineWidth > 0 ? outlineOf(inside, width, height, outlineWidth) : new Uint8Array(width * height);
  const out = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) {
      const base = image.data[p * channels + c] ?? 0;
      let value = base;
      if (border[p]) value = outline[c] ?? 0;
      else if (inside[p]) value = base * (1 - alpha) + (fill[c] ?? 0) * alpha;
      out[p * 3 + c] = Math.round(value);
    }
  }
  return { data: out, width, height, channels: 3 };
}
