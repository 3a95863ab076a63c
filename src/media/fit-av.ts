import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fail, ok, type Result } from '../core/errors.js';
import { mp3SampleRate } from './audio.js';
import type { Ffmpeg } from './ffmpeg.js';
import { type MediaFile, withExtension } from './media-types.js';
import type { ProbeInfo } from './probe.js';
import { pickMp4Encoder } from './video.js';

/** Container overhead we do not control (moov index, Ogg pages, MP3 frame headers). */
const HEADROOM = 0.9;
/** Smallest longest-side worth sending. */
const MIN_SIDE = 32;

/** One ffmpeg attempt: its output arguments and the file it writes. */
interface Attempt {
  readonly args: readonly string[];
  readonly ext: string;
  readonly mime: string;
}

/** Writes the input once, then runs attempts in order and returns the first output under the limit. */
async function firstThatFits(
  ffmpeg: Ffmpeg,
  media: MediaFile,
  limitBytes: number,
  attempts: readonly Attempt[],
  signal: AbortSignal | undefined,
): Promise<Result<MediaFile>> {
  return ffmpeg.withTempDir(async (dir) => {
    const input = join(dir, 'input.bin');
    await writeFile(input, media.bytes);
    let smallest = Number.POSITIVE_INFINITY;
    for (const [i, attempt] of attempts.entries()) {
      const out = join(dir, `out${i}.${attempt.ext}`);
      const run = await ffmpeg.run(['-i', input, ...attempt.args, out], {
        ...(signal && { signal }),
        failureCode: 'bad_input',
      });
      if (!run.ok) return run;
      const bytes = new Uint8Array(await readFile(out));
      smallest = Math.min(smallest, bytes.length);
      if (bytes.length <= limitBytes) {
        return ok({ bytes, mime: attempt.mime, filename: withExtension(media.filename, attempt.ext) });
      }
    }
    return fail('output_too_large', 'media does not fit the upload limit', {
      bytes: media.bytes.length,
      smallest: Number.isFinite(smallest) ? smallest : -1,
      limit: limitBytes,
    });
  });
}

/** `scale` filter for a fraction of the source size, even sides, at least 2 px. */
const scaleTo = (fraction: number): string =>
  `scale='max(2,trunc(iw*${fraction}/2)*2)':'max(2,trunc(ih*${fraction}/2)*2)'`;

const usableScales = (info: ProbeInfo, scales: readonly number[]): number[] => {
  const longest = Math.max(info.video?.width ?? 0, info.video?.height ?? 0);
  // Unknown size: keep the full ladder. Otherwise drop steps that would make it a smudge.
  return scales.filter((s, i) => i === 0 || longest === 0 || longest * s >= MIN_SIDE);
};

/**
 * Re-encodes a video as H.264 MP4 at the bitrate the limit allows for its duration, then at smaller
 * sizes and lower bitrates (encoders overshoot a little, so each step also asks for less).
 */
export async function fitVideo(
  ffmpeg: Ffmpeg,
  media: MediaFile,
  limitBytes: number,
  info: ProbeInfo,
  signal?: AbortSignal,
): Promise<Result<MediaFile>> {
  const encoder = await pickMp4Encoder(ffmpeg);
  const duration = info.durationSec && info.durationSec > 0 ? info.durationSec : 10;
  const audioKbps = info.audio ? 48 : 0;
  const budgetKbps = (limitBytes * 8 * HEADROOM) / duration / 1000 - audioKbps;
  const steps = [1, 0.75, 0.5, 0.35, 0.25];
  const attempts = usableScales(info, steps).map((scale, i): Attempt => {
    const kbps = Math.max(2, Math.min(8_000, Math.floor(budgetKbps * (1 - 0.15 * i))));
    return {
      args: [
        '-map',
        '0:v:0',
        ...(info.audio ? ['-map', '0:a:0', '-c:a', 'aac', '-b:a', `${audioKbps}k`] : ['-an']),
        '-vf',
        scaleTo(scale),
        '-c:v',
        encoder,
        ...(encoder === 'libx264' ? ['-preset', 'veryfast'] : []),
        ...['-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps * 2}k`],
        '-pix_fmt',
        'yuv420p',
        '-movflags',
        '+faststart',
      ],
      ext: 'mp4',
      mime: 'video/mp4',
    };
  });
  return firstThatFits(ffmpeg, media, limitBytes, attempts, signal);
}

/** Shrinks an animated GIF as a GIF (it was chosen because the platform wants one): smaller, fewer colours. */
export async function fitAnimatedGif(
  ffmpeg: Ffmpeg,
  media: MediaFile,
  limitBytes: number,
  info: ProbeInfo,
  signal?: AbortSignal,
): Promise<Result<MediaFile>> {
  const steps: ReadonlyArray<readonly [number, number]> = [
    [1, 128],
    [0.75, 128],
    [0.5, 96],
    [0.35, 64],
    [0.25, 48],
  ];
  const keep = new Set(
    usableScales(
      info,
      steps.map(([s]) => s),
    ),
  );
  const attempts = steps
    .filter(([s]) => keep.has(s))
    .map(
      ([scale, colours]): Attempt => ({
        args: [
          '-filter_complex',
          `${scaleTo(scale)}:flags=lanczos,split[a][b];[a]palettegen=max_colors=${colours}:stats_mode=diff[p];[b][p]paletteuse=dither=bayer:bayer_scale=3`,
          '-loop',
          '0',
        ],
        ext: 'gif',
        mime: 'image/gif',
      }),
    );
  return firstThatFits(ffmpeg, media, limitBytes, attempts, signal);
}

/**
 * Re-encodes audio at the highest bitrate of a ladder that the limit allows for its duration:
 * MP3 stays MP3; everything else (WAV, OGG) becomes OGG/Opus (Vorbis without libopus).
 */
export async function fitAudio(
  ffmpeg: Ffmpeg,
  media: MediaFile,
  limitBytes: number,
  info: ProbeInfo,
  asMp3: boolean,
  signal?: AbortSignal,
): Promise<Result<MediaFile>> {
  const hasOpus = (await ffmpeg.encoders()).has('libopus');
  const ladder = asMp3
    ? [128, 96, 64, 48, 32, 24, 16, 8]
    : hasOpus
      ? [96, 64, 48, 32, 24, 16, 12, 8, 6]
      : [96, 64, 48, 40, 32];
  const duration = info.durationSec && info.durationSec > 0 ? info.durationSec : undefined;
  const budgetKbps = duration ? (limitBytes * 8 * HEADROOM) / duration / 1000 : Number.POSITIVE_INFINITY;
  // Start at the highest rung the budget allows; keep the rest as fallbacks for overshoot.
  const fitting = ladder.findIndex((kbps) => kbps <= budgetKbps);
  // None under budget: still try the lowest rung, since the estimate is only an estimate.
  const start = fitting === -1 ? ladder.length - 1 : fitting;
  const sourceRate = info.audio?.sampleRate ?? 44_100;
  const attempts = ladder.slice(start).map((kbps): Attempt => {
    const mono = kbps <= 48 ? ['-ac', '1'] : [];
    if (asMp3) {
      const rate = mp3SampleRate(kbps, sourceRate);
      return {
        args: ['-vn', ...mono, '-c:a', 'libmp3lame', '-ar', `${rate}`, '-b:a', `${kbps}k`],
        ext: 'mp3',
        mime: 'audio/mpeg',
      };
    }
    const codec = hasOpus ? ['-c:a', 'libopus', '-ar', '48000'] : ['-c:a', 'libvorbis'];
    return { args: ['-vn', ...mono, ...codec, '-b:a', `${kbps}k`], ext: 'ogg', mime: 'audio/ogg' };
  });
  return firstThatFits(ffmpeg, media, limitBytes, attempts, signal);
}
