import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LlmbindError, ok, type Result } from '../core/errors.js';
import type { Ffmpeg, FfmpegRunOptions } from './ffmpeg.js';
import type { MediaFile } from './media-types.js';

/** Frames as the video task produces them: tightly packed RGB24, all the same size. */
export interface VideoFrames {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly frames: readonly Uint8Array[];
}

/** Encoders that write an MP4 video stream, best first. */
export type Mp4Encoder = 'libx264' | 'libopenh264' | 'mpeg4';

/** Encode options shared by MP4 and GIF. */
export interface VideoEncodeOptions extends Omit<FfmpegRunOptions, 'failureCode'> {
  /** Upscale so the longest side is at least this (generators make tiny frames; players show them tiny). */
  readonly minSide?: number;
  /** File name stem. */
  readonly name?: string;
}

/** MP4 options. */
export interface Mp4Options extends VideoEncodeOptions {
  /** x264 constant quality, 0–51 (lower is better); ignored when `bitrateKbps` is set. */
  readonly crf?: number;
  /** Target average bitrate instead of constant quality (fit-to-limit uses it). */
  readonly bitrateKbps?: number;
}

/** libx264 when present (best quality per byte), then Cisco's libopenh264, else MPEG-4 part 2. */
export async function pickMp4Encoder(ffmpeg: Ffmpeg): Promise<Mp4Encoder> {
  const encoders = await ffmpeg.encoders();
  if (encoders.has('libx264')) return 'libx264';
  if (encoders.has('libopenh264')) return 'libopenh264';
  return 'mpeg4';
}

function checkFrames(video: VideoFrames): void {
  const { width, height, fps, frames } = video;
  const size = width * height * 3;
  if (!(width > 0 && height > 0 && fps > 0 && frames.length > 0) || frames.some((f) => f.length !== size)) {
    // Frames come from our own task code, so a mismatch is a bug, not user input.
    throw new LlmbindError('internal', 'invalid video frames', { width, height, fps, frames: frames.length });
  }
}

/** Scale filter making the longest side at least `minSide` (kept even for yuv420p). */
function upscaleFilter(video: VideoFrames, minSide: number | undefined): string[] {
  const longest = Math.max(video.width, video.height);
  if (!minSide || longest >= minSide) return [];
  const factor = minSide / longest;
  const w = 2 * Math.round((video.width * factor) / 2);
  const h = 2 * Math.round((video.height * factor) / 2);
  return [`scale=${Math.max(2, w)}:${Math.max(2, h)}:flags=lanczos`];
}

/** Writes the frames to a raw file and returns ffmpeg's input arguments for it. */
async function rawInput(dir: string, video: VideoFrames): Promise<string[]> {
  const path = join(dir, 'frames.rgb');
  await writeFile(
    path,
    Buffer.concat(video.frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.length))),
  );
  return [
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${video.width}x${video.height}`,
    '-r',
    `${video.fps}`,
    '-i',
    path,
  ];
}

/** Codec arguments per encoder; all give yuv420p, which every player (and Discord/Slack) plays. */
function codecArgs(encoder: Mp4Encoder, options: Mp4Options): string[] {
  const kbps = options.bitrateKbps;
  const rate = kbps ? ['-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps * 2}k`] : [];
  switch (encoder) {
    case 'libx264':
      return ['-c:v', 'libx264', '-preset', 'veryfast', ...(kbps ? rate : ['-crf', `${options.crf ?? 23}`])];
    case 'libopenh264':
      return ['-c:v', 'libopenh264', ...(kbps ? rate : ['-b:v', '2M'])];
    case 'mpeg4':
      return ['-c:v', 'mpeg4', ...(kbps ? rate : ['-q:v', '4'])];
  }
}

/**
 * Encodes RGB frames as MP4 with the best available encoder (see {@link pickMp4Encoder}): yuv420p,
 * even dimensions (padded, not cropped), `+faststart` so playback starts before the download ends.
 */
export async function encodeMp4(
  ffmpeg: Ffmpeg,
  video: VideoFrames,
  options: Mp4Options = {},
): Promise<Result<MediaFile & { encoder: Mp4Encoder }>> {
  checkFrames(video);
  const encoder = await pickMp4Encoder(ffmpeg);
  return ffmpeg.withTempDir(async (dir) => {
    const out = join(dir, 'out.mp4');
    const filters = [...upscaleFilter(video, options.minSide), 'pad=ceil(iw/2)*2:ceil(ih/2)*2'];
    const run = await ffmpeg.run(
      [
        ...(await rawInput(dir, video)),
        '-vf',
        filters.join(','),
        ...codecArgs(encoder, options),
        '-pix_fmt',
        'yuv420p',
        '-movflags',
        '+faststart',
        '-an',
        out,
      ],
      options,
    );
    if (!run.ok) return run;
    const bytes = new Uint8Array(await readFile(out));
    return ok({ bytes, mime: 'video/mp4', filename: `${options.name ?? 'video'}.mp4`, encoder });
  });
}

/**
 * Encodes RGB frames as a looping GIF with a palette computed from the clip (the fallback where
 * a platform will not inline MP4, and for very short clips).
 */
export async function encodeGif(
  ffmpeg: Ffmpeg,
  video: VideoFrames,
  options: VideoEncodeOptions & { maxColors?: number } = {},
): Promise<Result<MediaFile>> {
  checkFrames(video);
  return ffmpeg.withTempDir(async (dir) => {
    const out = join(dir, 'out.gif');
    const pre = upscaleFilter(video, options.minSide);
    const graph = `${pre.length ? `${pre.join(',')},` : ''}split[a][b];[a]palettegen=max_colors=${options.maxColors ?? 256}:stats_mode=diff[p];[b][p]paletteuse=dither=bayer:bayer_scale=3`;
    const run = await ffmpeg.run(
      [...(await rawInput(dir, video)), '-filter_complex', graph, '-loop', '0', out],
      options,
    );
    if (!run.ok) return run;
    const bytes = new Uint8Array(await readFile(out));
    return ok({ bytes, mime: 'image/gif', filename: `${options.name ?? 'video'}.gif` });
  });
}
