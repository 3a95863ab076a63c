import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The page's files, all served by the playground itself (no CDN), with their types. */
const ASSETS = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
  'thread.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml',
} as const satisfies Record<string, string>;

/** One static file in memory. */
export interface StaticAsset {
  readonly body: Buffer;
  readonly type: string;
}

/** The folder the assets ship in, beside this module (works under tsx and from a copy of src). */
export const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

/**
 * Loads every asset once at start: a fixed list, so no request path ever reaches the file system
 * (no traversal to guard against) and a missing file fails start-up rather than a page load.
 */
export async function loadStaticAssets(dir: string = STATIC_DIR): Promise<ReadonlyMap<string, StaticAsset>> {
  const assets = new Map<string, StaticAsset>();
  for (const [name, type] of Object.entries(ASSETS)) {
    assets.set(name, { body: await readFile(`${dir}${name}`), type });
  }
  return assets;
}

/**
 * The page's Content-Security-Policy: only this origin's scripts and styles; images from here, from
 * data: URLs (step previews) and blob: URLs (the upload preview); no frames.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');
