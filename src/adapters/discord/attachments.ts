import type { Attachment as DiscordAttachment } from 'discord.js';
import { LlmbindError } from '../../core/errors.js';
import type { Attachment } from '../../core/message.js';

const MIME_BY_EXT: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
};

/** The MIME type Discord reported, else a guess from the file name. */
function mimeOf(a: Pick<DiscordAttachment, 'name' | 'contentType'>): string {
  const reported = a.contentType?.split(';')[0]?.trim();
  if (reported) return reported;
  const ext = a.name.split('.').pop()?.toLowerCase() ?? '';
  return MIME_BY_EXT[ext] ?? 'application/octet-stream';
}

/**
 * A user's Discord attachment as a lazy core Attachment. Name, type and size are known up front (the
 * core checks them before reading); `read()` downloads only from the platform's own file hosts and
 * refuses more bytes than the size limit, whatever the URL claims.
 */
export function toAttachment(
  a: Pick<DiscordAttachment, 'name' | 'contentType' | 'size' | 'url'>,
  hosts: ReadonlySet<string>,
  maxBytes: number,
): Attachment {
  return {
    name: a.name,
    mime: mimeOf(a),
    size: a.size,
    read: async (signal) => {
      const url = new URL(a.url);
      if (!hosts.has(url.host)) {
        throw new LlmbindError('bad_input', 'attachment is not on the platform file host', {
          host: url.host,
        });
      }
      if (a.size > maxBytes) {
        throw new LlmbindError('input_too_large', 'attachment too large', { size: a.size, limit: maxBytes });
      }
      const response = await fetch(url, signal ? { signal } : {});
      if (!response.ok) throw new LlmbindError('bad_input', `attachment download failed: ${response.status}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.byteLength > maxBytes) {
        throw new LlmbindError('input_too_large', 'attachment larger than reported', {
          size: bytes.byteLength,
          limit: maxBytes,
        });
      }
      return bytes;
    },
  };
}
