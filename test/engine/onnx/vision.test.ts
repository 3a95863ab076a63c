import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { pixelValues } from '../../../src/engine/onnx/vision.js';

const spec = { size: 4, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } as const;

/** Channel c of pixel (x, y) of a [3, size, size] array. */
const at = (px: Float32Array, c: number, x: number, y: number, size = spec.size) =>
  px[c * size * size + y * size + x] as number;

describe('pixelValues', () => {
  it('gives CHW RGB normalised as (x/255 − mean)/std', async () => {
    const png = await sharp({
      create: { width: 8, height: 8, channels: 3, background: { r: 255, g: 0, b: 51 } },
    })
      .png()
      .toBuffer();
    const px = await pixelValues(png, { size: 4, mean: [0.5, 0.25, 0], std: [0.5, 0.25, 0.2] });
    expect(px).toHaveLength(3 * 16);
    expect(at(px, 0, 0, 0)).toBeCloseTo((1 - 0.5) / 0.5, 5);
    expect(at(px, 1, 3, 3)).toBeCloseTo((0 - 0.25) / 0.25, 5);
    expect(at(px, 2, 2, 1)).toBeCloseTo(0.2 / 0.2, 5);
  });

  it('flattens transparency onto white', async () => {
    const png = await sharp({
      create: { width: 4, height: 4, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const px = await pixelValues(png, spec);
    expect(Array.from(new Set(px))).toEqual([1]); // white → (1 − 0.5)/0.5
  });

  it('stretches to size×size without cropping (fit fill)', async () => {
    // 8×2: left half black, right half white.
    const raw = Buffer.alloc(8 * 2 * 3);
    for (let y = 0; y < 2; y += 1)
      for (let x = 4; x < 8; x += 1) raw.fill(255, (y * 8 + x) * 3, (y * 8 + x) * 3 + 3);
    const png = await sharp(raw, { raw: { width: 8, height: 2, channels: 3 } })
      .png()
      .toBuffer();
    const px = await pixelValues(png, spec);
    for (let y = 0; y < 4; y += 1) {
      expect(at(px, 0, 0, y)).toBeLessThan(-0.9);
      expect(at(px, 0, 3, y)).toBeGreaterThan(0.9);
    }
  });

  it('applies EXIF orientation', async () => {
    // Stored 40×20 with the right quarter white; orientation 6 means "rotate 90° clockwise to view",
    // so the viewed image is 20×40 with its bottom quarter white.
    const raw = Buffer.alloc(40 * 20 * 3);
    for (let y = 0; y < 20; y += 1) raw.fill(255, (y * 40 + 30) * 3, (y * 40 + 40) * 3);
    const jpeg = await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } })
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 100 })
      .toBuffer();
    const px = await pixelValues(jpeg, spec);
    const row = (y: number) => [0, 1, 2, 3].map((x) => at(px, 0, x, y));
    for (const v of row(3)) expect(v).toBeGreaterThan(0.5);
    for (const v of row(0)) expect(v).toBeLessThan(-0.5);
  });

  it('expands greyscale to three channels', async () => {
    const png = await sharp(Buffer.alloc(16, 128), { raw: { width: 4, height: 4, channels: 1 } })
      .png()
      .toBuffer();
    const px = await pixelValues(png, spec);
    expect(at(px, 0, 1, 1)).toBeCloseTo(at(px, 2, 1, 1), 6);
    expect(at(px, 1, 1, 1)).toBeCloseTo((128 / 255 - 0.5) / 0.5, 5);
  });

  it('rejects bytes that are not an image', async () => {
    await expect(pixelValues(new Uint8Array([1, 2, 3, 4]), spec)).rejects.toMatchObject({
      code: 'unsupported_media',
    });
  });
});
