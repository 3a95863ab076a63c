import { crc32 } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImageInput } from '../../src/media/image-input.js';

/** A PNG chunk with a correct CRC, so the decoder gets as far as reading the header. */
function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** Header of a 20000 × 20000 RGBA PNG (1.6 GB decoded) with one empty IDAT: a pixel bomb. */
function pixelBombPng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(20_000, 0);
  ihdr.writeUInt32BE(20_000, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A w × h image: left half red, right half blue (so orientation is observable). */
async function halves(w: number, h: number): Promise<Sharp> {
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) raw.set(x < w / 2 ? [255, 0, 0] : [0, 0, 255], (y * w + x) * 3);
  }
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } });
}

const pixel = (rgb: Uint8Array, width: number, x: number, y: number): number[] =>
  Array.from(rgb.subarray((y * width + x) * 3, (y * width + x) * 3 + 3));

describe('decodeImageInput', () => {
  it('decodes a PNG into RGB and a re-encoded PNG', async () => {
    const png = await (await halves(8, 4)).png().toBuffer();
    const result = await decodeImageInput(png);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({ sourceType: 'png', width: 8, height: 4 });
    expect(result.value.rgb.data.length).toBe(8 * 4 * 3);
    expect(pixel(result.value.rgb.data, 8, 0, 0)).toEqual([255, 0, 0]);
    expect((await sharp(result.value.png).metadata()).format).toBe('png');
  });

  it('decodes WebP', async () => {
    const webp = await (await halves(10, 6)).webp({ lossless: true }).toBuffer();
    const result = await decodeImageInput(webp);
    expect(result).toMatchObject({ ok: true, value: { sourceType: 'webp', width: 10, height: 6 } });
  });

  it('refuses a pixel bomb from its header with input_too_large', async () => {
    const bomb = pixelBombPng();
    expect(bomb.length).toBeLessThan(100);
    const before = process.memoryUsage().rss;
    const result = await decodeImageInput(bomb);
    expect(result).toMatchObject({ ok: false, error: { code: 'input_too_large' } });
    // Decoding it would need 1.6 GB; the check must not have allocated anything close to that.
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('honours a configured pixel limit', async () => {
    const png = await (await halves(100, 100)).png().toBuffer();
    expect(await decodeImageInput(png, { maxPixels: 5_000 })).toMatchObject({
      ok: false,
      error: { code: 'input_too_large' },
    });
  });

  it('reports a truncated PNG as bad_input', async () => {
    const sharpRaw = Buffer.alloc(64 * 64 * 3);
    for (let i = 0; i < sharpRaw.length; i++) sharpRaw[i] = (i * 7919) % 251;
    const png = await sharp(sharpRaw, { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toBuffer();
    const result = await decodeImageInput(png.subarray(0, Math.floor(png.length / 2)));
    expect(result).toMatchObject({ ok: false, error: { code: 'bad_input' } });
  });

  it('refuses a text file named .png as unsupported_media', async () => {
    const text = new TextEncoder().encode('hello, this is not a picture\n');
    expect(await decodeImageInput(text)).toMatchObject({ ok: false, error: { code: 'unsupported_media' } });
  });

  it('refuses image types outside the allow-list (TIFF, SVG)', async () => {
    const tiff = await (await halves(4, 4)).tiff().toBuffer();
    expect(await decodeImageInput(tiff)).toMatchObject({ ok: false, error: { code: 'unsupported_media' } });
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>');
    expect(await decodeImageInput(svg)).toMatchObject({ ok: false, error: { code: 'unsupported_media' } });
  });

  it('reports empty input as bad_input', async () => {
    expect(await decodeImageInput(new Uint8Array())).toMatchObject({
      ok: false,
      error: { code: 'bad_input' },
    });
  });

  it('takes the first frame of an animated GIF', async () => {
    const w = 6;
    const h = 4;
    const frames = Buffer.alloc(w * h * 3 * 3);
    const colours = [
      [0, 255, 0],
      [255, 0, 0],
      [0, 0, 255],
    ];
    for (let p = 0; p < w * h * 3; p++) frames.set(colours[Math.floor(p / (w * h))] ?? [0, 0, 0], p * 3);
    const gif = await sharp(frames, { raw: { width: w, height: h * 3, channels: 3, pageHeight: h } })
      .gif({ loop: 0, delay: 100 })
      .toBuffer();
    expect((await sharp(gif, { pages: -1 }).metadata()).pages).toBe(3);
    const result = await decodeImageInput(gif);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({ sourceType: 'gif', width: w, height: h });
    const [r, g, b] = pixel(result.value.rgb.data, w, 2, 2);
    expect(g).toBeGreaterThan(200);
    expect((r ?? 0) + (b ?? 0)).toBeLessThan(60);
  });

  it('converts a CMYK JPEG to sRGB', async () => {
    const cmyk = await (await halves(16, 16)).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const result = await decodeImageInput(cmyk);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.rgb.channels).toBe(3);
    const [r, g, b] = pixel(result.value.rgb.data, 16, 2, 8);
    expect(r).toBeGreaterThan(180);
    expect(Math.max(g ?? 255, b ?? 255)).toBeLessThan(90);
  });

  it('converts a 16-bit PNG with alpha to 8-bit RGB flattened on white', async () => {
    const rgba = Buffer.alloc(4 * 4 * 4);
    for (let p = 0; p < 16; p++) rgba.set(p < 8 ? [0, 0, 0, 255] : [0, 0, 0, 0], p * 4);
    const png16 = await sharp(rgba, { raw: { width: 4, height: 4, channels: 4 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const result = await decodeImageInput(png16);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.rgb.data.length).toBe(4 * 4 * 3);
    expect(pixel(result.value.rgb.data, 4, 0, 0)).toEqual([0, 0, 0]);
    // Transparent pixels end up white, not black.
    expect(pixel(result.value.rgb.data, 4, 0, 3)).toEqual([255, 255, 255]);
  });

  it('applies EXIF orientation so the image comes out upright', async () => {
    // Stored 8 × 4 with red on the left; orientation 6 means "rotate 90° clockwise to display".
    const jpeg = await (await halves(8, 4)).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const result = await decodeImageInput(jpeg);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({ width: 4, height: 8 });
    // After a clockwise turn the red left half is on top.
    expect(pixel(result.value.rgb.data, 4, 2, 1)[0]).toBeGreaterThan(200);
    expect(pixel(result.value.rgb.data, 4, 2, 6)[2]).toBeGreaterThan(200);
  });
});
