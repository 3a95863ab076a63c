import type { MediaRef } from './conversation.js';
import { toFailure } from './errors.js';
import type { ImageCheck } from './image-check.js';
import type { Logger } from './logger.js';
import type { MediaStore } from './media-store.js';
import type { Attachment } from './message.js';
import type { ReplySink } from './reply-sink.js';

/** What attachment intake needs. */
export interface IngestOptions {
  readonly media: MediaStore;
  readonly checkImage: ImageCheck;
  readonly maxAttachmentBytes: number;
  readonly sink: ReplySink;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

/**
 * Checks and stores user attachments. Only images are understood today; anything refused gets a notice
 * to the user and is left out, and the rest of the message still goes ahead.
 */
export async function ingestAttachments(
  attachments: readonly Attachment[],
  options: IngestOptions,
): Promise<MediaRef[]> {
  const refs: MediaRef[] = [];
  for (const attachment of attachments) {
    const details = { name: attachment.name };
    if (!attachment.mime.startsWith('image/')) {
      await options.sink.notice({
        code: 'unsupported_media',
        details: { ...details, mime: attachment.mime },
      });
      continue;
    }
    if (attachment.size > options.maxAttachmentBytes) {
      await options.sink.notice({
        code: 'input_too_large',
        details: { ...details, size: attachment.size, limit: options.maxAttachmentBytes },
      });
      continue;
    }
    try {
      const bytes = await attachment.read(options.signal);
      const checked = await options.checkImage(bytes, options.signal);
      if (!checked.ok) {
        await options.sink.notice({
          code: checked.error.code,
          details: { ...checked.error.details, ...details },
        });
        continue;
      }
      const base = attachment.name.replace(/\.[^.]*$/, '') || 'image';
      refs.push(await options.media.put(checked.value.png, { mime: 'image/png', name: `${base}.png` }));
    } catch (error) {
      const failure = toFailure(error, 'bad_input');
      options.logger.warn({ code: failure.code, err: failure.message, ...details }, 'attachment refused');
      // A download over the size limit says so with its figures; anything else reads as a damaged file.
      if (failure.code === 'input_too_large')
        await options.sink.notice({ code: failure.code, details: { ...failure.details, ...details } });
      else
        await options.sink.notice({
          code: failure.code === 'cancelled' ? 'cancelled' : 'bad_input',
          details,
        });
    }
  }
  return refs;
}
