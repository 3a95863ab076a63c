import sharp from 'sharp';
import { fail, ok, type Result } from '../core/errors.js';
import type { FitMedia } from '../core/fit-media.js';
import { defaultFfmpeg, type Ffmpeg } from './ffmpeg.js';
import { fitAnimatedGif, fitAudio, fitVideo } from './fit-av.js';
import { fitImage } from './fit-image.js';
import type { MediaFile } from './media-types.js';
import { type ProbeInfo, probeBytes } from './probe.js';
import { sniffType } from './sniff.js';

/**
 * Makes `media` fit an upload limit (Discord's per-guild limit, Slack's workspace limit). Returns
 * it unchanged when it already fits. Otherwise, by the type its bytes show (not its name):
 * images are re-encoded and downscaled stepwise (PNG → JPEG when needed), video is re-encoded as
 * H.264 MP4 at the bitrate the limit allows (smaller steps after), animated GIFs shrink as GIFs,
 * audio drops bitrate. The result's `mime` and `filename` follow any change of format. When
 * nothing fits: an `output_too_large` Failure.
 *
 * @param ffmpeg - only needed for video and audio; defaults to the installer binaries.
 */
export async function fitToLimit(
  media: MediaFile,
  limitBytes: number,
  signal?: AbortSignal,
  ffmpeg?: Ffmpeg,
): Promise<Result<MediaFile>> {
  if (media.bytes.length <= limitBytes) return ok(media);
  if (signal?.aborted) return fail('cancelled', 'cancelled');
  const tooLarge = fail('output_too_large', 'media is over the upload limit and cannot be shrunk', {
    bytes: media.bytes.length,
    limit: limitBytes,
    mime: media.mime,
  });
  if (limitBytes <= 0) return tooLarge;
  const type = sniffType(media.bytes);
  switch (type) {
    case 'png':
    case 'jpeg':
    case 'webp':
      return fitImage(media, limitBytes, type === 'png', signal);
    case 'gif': {
      const pages = await sharp(media.bytes, { pages: -1 })
        .metadata()
        .then((m) => m.pages ?? 1)
        .catch(() => 1);
      if (pages <= 1) return fitImage(media, limitBytes, true, signal);
      return withProbe(ffmpeg, media, signal, (ff, info) =>
        fitAnimatedGif(ff, media, limitBytes, info, signal),
      );
    }
    case 'mp4':
    case 'webm':
      return withProbe(ffmpeg, media, signal, (ff, info) => fitVideo(ff, media, limitBytes, info, signal));
    case 'mp3':
    case 'ogg':
    case 'wav':
      return withProbe(ffmpeg, media, signal, (ff, info) =>
        fitAudio(ff, media, limitBytes, info, type === 'mp3', signal),
      );
    default:
      return tooLarge;
  }
}

async function withProbe(
  ffmpeg: Ffmpeg | undefined,
  media: MediaFile,
  signal: AbortSignal | undefined,
  next: (ff: Ffmpeg, info: ProbeInfo) => Promise<Result<MediaFile>>,
): Promise<Result<MediaFile>> {
  const ff = ffmpeg ?? defaultFfmpeg();
  const info = await probeBytes(ff, media.bytes, signal ? { signal } : {});
  if (!info.ok) return info;
  return next(ff, info.value);
}

/** {@link fitToLimit} as the adapters take it (src/core/fit-media.ts). */
export const fitMediaToLimit: FitMedia = (media, limit) => fitToLimit(media, limit);
