import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Attachment } from '../core/message.js';

const MIME_BY_EXT: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

/**
 * A local file as an Attachment. The MIME type is a first guess from the extension; the bytes are
 * sniffed and validated by the core's image check before anything decodes them.
 */
export async function fileAttachment(path: string): Promise<Attachment> {
  const info = await stat(path);
  return {
    name: basename(path),
    mime: MIME_BY_EXT[extname(path).toLowerCase()] ?? 'application/octet-stream',
    size: info.size,
    read: async () => new Uint8Array(await readFile(path)),
  };
}
