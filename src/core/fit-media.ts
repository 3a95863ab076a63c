import type { Result } from './errors.js';

/** A file on its way to a platform. */
export interface FittableMedia {
  readonly bytes: Uint8Array;
  readonly mime: string;
  readonly filename: string;
}

/**
 * Makes produced media fit a platform's upload limit (downscale, re-encode; the MIME type and the
 * file name's extension change with the format). Implemented in src/media (`fitMediaToLimit`) and
 * injected into the adapters; `output_too_large` when nothing fits.
 */
export type FitMedia = (media: FittableMedia, limit: number) => Promise<Result<FittableMedia>>;

/** Sends media as is when it is small enough, else `output_too_large` (the adapters' default). */
export const sendAsIs: FitMedia = async (media, limit) =>
  media.bytes.byteLength <= limit
    ? { ok: true, value: media }
    : {
        ok: false,
        error: {
          code: 'output_too_large',
          message: 'too large',
          details: { size: media.bytes.byteLength, limit },
        },
      };
