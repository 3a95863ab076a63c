import sharp from 'sharp';

/** A shape in the demo pack's "shapes world", drawn by the tests' own renderer (not training's). */
export interface SceneShape {
  readonly shape: 'circle' | 'square' | 'triangle';
  readonly color: keyof typeof COLORS;
  /** Centre in [0,1] × [0,1] of the image. */
  readonly cx: number;
  readonly cy: number;
  /** Half-size as a fraction of the image side. */
  readonly r: number;
}

/** Our own palette: other RGB values than training's, within each colour's usual range. */
export const COLORS = {
  red: '#d42a2a',
  green: '#2fa84a',
  blue: '#2d52d6',
  yellow: '#f0d23a',
  purple: '#8a3cc4',
  orange: '#f08a1e',
  white: '#fafafa',
  black: '#161616',
} as const;

function svgShape(s: SceneShape, size: number, fill: string): string {
  const cx = s.cx * size;
  const cy = s.cy * size;
  const r = s.r * size;
  if (s.shape === 'circle') return `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${fill}"/>`;
  if (s.shape === 'square')
    return `<rect x="${cx - r}" y="${cy - r}" width="${2 * r}" height="${2 * r}" fill="${fill}"/>`;
  return `<polygon points="${cx},${cy - r} ${cx + r},${cy + r} ${cx - r},${cy + r}" fill="${fill}"/>`;
}

/** Renders a scene as an anti-aliased PNG (libvips' SVG rasteriser). */
export async function renderScene(
  shapes: readonly SceneShape[],
  size = 96,
  background = '#d8d8d8',
): Promise<Uint8Array> {
  const body = shapes.map((s) => svgShape(s, size, COLORS[s.color])).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="${background}"/>${body}</svg>`;
  return new Uint8Array(await sharp(Buffer.from(svg)).png().toBuffer());
}

/** The binary mask (1 byte per pixel) of one shape at `size`, for IoU checks. */
export async function shapeMask(shape: SceneShape, size: number): Promise<Uint8Array> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="#000"/>${svgShape(shape, size, '#fff')}</svg>`;
  const { data } = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer({ resolveWithObject: true });
  return Uint8Array.from(data, (v) => (v >= 128 ? 1 : 0));
}

/** Intersection over union of two equally sized binary masks. */
export function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = (a[i] ?? 0) > 0;
    const y = (b[i] ?? 0) > 0;
    if (x && y) inter += 1;
    if (x || y) union += 1;
  }
  return union === 0 ? 0 : inter / union;
}
