import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  encodeRaw,
  letterbox,
  overlayMask,
  resizeExact,
  scaleMask,
  thumbnail,
} from '../../src/media/image-ops.js';
import type { RawImage } from '../../src/media/media-types.js';

const solid = (width: number, height: number, rgb: readonly number[]): RawImage => {
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) data.set(rgb, p * 3);
  return { data, width, height, channels: 3 };
};

const at = (image: RawImage, x: number, y: number): number[] =>
  Array.from(
    image.data.subarray((y * image.width + x) * image.channels, (y * image.width + x) * image.channels + 3),
  );

describe('image ops', () => {
  it('resizes to an exact model input size', async () => {
    const out = await resizeExact(solid(30, 10, [10, 20, 30]), 16, 16);
    expect(out).toMatchObject({ width: 16, height: 16, channels: 3 });
    expect(out.data.length).toBe(16 * 16 * 3);
    expect(at(out, 8, 8)).toEqual([10, 20, 30]);
  });

  it('letterboxes without distortion and reports the placement', async () => {
    const { image, placement } = await letterbox(solid(40, 20, [200, 0, 0]), 32, 32, [0, 0, 0]);
    expect(image).toMatchObject({ width: 32, height: 32 });
    expect(placement).toEqual({ scale: 0.8, offsetX: 0, offsetY: 8, contentWidth: 32, contentHeight: 16 });
    expect(at(image, 16, 2)).toEqual([0, 0, 0]);
    expect(at(image, 16, 16)).toEqual([200, 0, 0]);
    expect(at(image, 16, 29)).toEqual([0, 0, 0]);
  });

  it('encodes raw RGB and RGBA as PNG and JPEG', async () => {
    const rgba: RawImage = { data: new Uint8Array(4 * 4 * 4).fill(128), width: 4, height: 4, channels: 4 };
    const png = await encodeRaw(rgba, 'png');
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 4, height: 4, hasAlpha: true });
    const jpeg = await encodeRaw(solid(8, 6, [1, 2, 3]), 'jpeg', { quality: 70 });
    expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 8, height: 6 });
  });

  it('makes a thumbnail no larger than asked and never enlarges', async () => {
    const big = await thumbnail(solid(600, 300, [9, 9, 9]), 128);
    expect(await sharp(big).metadata()).toMatchObject({ format: 'jpeg', width: 128, height: 64 });
    const small = await thumbnail(solid(20, 10, [9, 9, 9]), 128);
    expect(await sharp(small).metadata()).toMatchObject({ width: 20, height: 10 });
  });

  it('tints the mask, outlines it and leaves the outside untouched', async () => {
    const image = solid(20, 20, [100, 100, 100]);
    const maskData = new Uint8Array(20 * 20);
    for (let y = 5; y < 15; y++) for (let x = 5; x < 15; x++) maskData[y * 20 + x] = 1;
    const out = overlayMask(
      image,
      { data: maskData, width: 20, height: 20 },
      { fill: [0, 255, 0], alpha: 0.5, outline: [255, 0, 0], outlineWidth: 1 },
    );
    expect(at(out, 0, 0)).toEqual([100, 100, 100]);
    expect(at(out, 5, 5)).toEqual([255, 0, 0]);
    expect(at(out, 14, 10)).toEqual([255, 0, 0]);
    expect(at(out, 10, 10)).toEqual([50, 178, 50]);
    expect(at(image, 10, 10)).toEqual([100, 100, 100]);
  });

  it('scales a low-resolution mask to the image with nearest neighbour', () => {
    const mask = { data: Uint8Array.from([1, 0, 0, 1]), width: 2, height: 2 };
    const scaled = scaleMask(mask, 4, 4);
    expect(Array.from(scaled)).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1]);
    const out = overlayMask(solid(4, 4, [0, 0, 0]), mask, { outlineWidth: 0, alpha: 1, fill: [9, 8, 7] });
    expect(at(out, 0, 0)).toEqual([9, 8, 7]);
    expect(at(out, 3, 0)).toEqual([0, 0, 0]);
  });
});
