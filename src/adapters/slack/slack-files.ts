import { LlmbindError } from '../../core/errors.js';
import type { Attachment } from '../../core/message.js';
import type { SlackFile } from './slack-api.js';

/** Where file bytes may be downloaded from, and with which token. */
export interface FileAccess {
  readonly botToken: string;
  /** Origins (scheme://host[:port]) the bot token may be sent to. */
  readonly allowedOrigins: readonly string[];
  /** Most bytes read from one file, whatever size Slack declared for it. */
  readonly maxBytes: number;
}

/** Largest user file the adapter downloads unless told otherwise (the core's own limit). */
export const DEFAULT_MAX_FILE_BYTES = 25 * 1024 * 1024;

/** The default file host. */
export const SLACK_FILE_ORIGIN = 'https://files.slack.com';

/**
 * A Slack file as a lazy core Attachment. The bot token is only ever sent to an allowed origin (Slack's
 * file host), never to a URL a message could point elsewhere; an HTML answer (Slack's login page when a
 * scope is missing) is refused instead of being taken for the file.
 */
export function slackAttachment(file: SlackFile, access: FileAccess): Attachment {
  const url = file.url_private_download ?? file.url_private;
  const name = file.name ?? file.id;
  return {
    name,
    mime: file.mimetype ?? 'application/octet-stream',
    size: file.size ?? 0,
    read: async (signal?: AbortSignal) => {
      if (!url || !access.allowedOrigins.includes(new URL(url).origin)) {
        throw new LlmbindError('bad_input', 'file URL is not on an allowed Slack file host', { name });
      }
      const res = await fetch(url, {
        headers: { authorization: `Bearer ${access.botToken}` },
        redirect: 'error',
        ...(signal ? { signal } : {}),
      });
      const type = res.headers.get('content-type') ?? '';
      if (!res.ok || type.startsWith('text/html')) {
        throw new LlmbindError('bad_input', `file download failed (${res.status})`, { name });
      }
      return readCapped(res, access.maxBytes, name);
    },
  };
}

/**
 * Reads a download, refusing more than `max` bytes as it streams: a file whose declared size is small
 * (or missing) cannot make the bot buffer an unbounded body.
 */
async function readCapped(res: Response, max: number, name: string): Promise<Uint8Array> {
  const tooLarge = (size: number) =>
    new LlmbindError('input_too_large', 'file larger than allowed', { name, size, limit: max });
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > max) throw tooLarge(declared);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw tooLarge(total);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
