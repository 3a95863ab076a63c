import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MediaRef } from '../conversation.js';
import { LlmbindError } from '../errors.js';
import type { MediaStore } from '../media-store.js';
import { mediaKindOf } from '../message.js';

/** Content-addressed media on disk: `<root>/<aa>/<sha256>`; same bytes are stored once. */
export class FileMediaStore implements MediaStore {
  constructor(private readonly root: string) {}

  pathOf(ref: MediaRef): string {
    return join(this.root, ref.sha256.slice(0, 2), ref.sha256);
  }

  async put(bytes: Uint8Array, meta: { mime: string; name: string; producedBy?: string }): Promise<MediaRef> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const ref: MediaRef = {
      sha256,
      mime: meta.mime,
      name: meta.name,
      size: bytes.byteLength,
      kind: mediaKindOf(meta.mime),
      ...(meta.producedBy === undefined ? {} : { producedBy: meta.producedBy }),
    };
    const path = this.pathOf(ref);
    await mkdir(join(this.root, sha256.slice(0, 2)), { recursive: true });
    // Unique per write: two puts of the same bytes at once (same ms, same pid) must not share a temp file.
    const tmp = `${path}.${randomUUID()}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
    return ref;
  }

  async get(ref: MediaRef): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(this.pathOf(ref)));
    } catch (error) {
      throw new LlmbindError(
        'bad_input',
        `media ${ref.sha256} is no longer stored`,
        { sha256: ref.sha256 },
        { cause: error },
      );
    }
  }
}
