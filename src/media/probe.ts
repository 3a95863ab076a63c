import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { fail, ok, type Result } from '../core/errors.js';
import type { Ffmpeg, FfmpegRunOptions } from './ffmpeg.js';

/** One stream as ffprobe reports it. */
export interface ProbedStream {
  readonly index: number;
  readonly type: 'video' | 'audio' | 'other';
  /** ffprobe's codec name: `h264`, `opus`, `mp3`, `gif`, … */
  readonly codec: string;
  readonly width?: number;
  readonly height?: number;
  /** `yuv420p` and friends (video only). */
  readonly pixelFormat?: string;
  readonly sampleRate?: number;
  readonly channels?: number;
}

/** What a media file contains. */
export interface ProbeInfo {
  /** ffprobe's format name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`, `ogg`, `mp3`, `gif`. */
  readonly container: string;
  /** Seconds, when the container knows. */
  readonly durationSec?: number;
  /** Overall bits per second, when known. */
  readonly bitRate?: number;
  readonly streams: readonly ProbedStream[];
  /** First video stream, if any. */
  readonly video?: ProbedStream;
  /** First audio stream, if any. */
  readonly audio?: ProbedStream;
}

// Only what we read: ffprobe prints numbers as strings in places and adds fields between versions.
const numeric = z.union([z.number(), z.string()]).transform(Number).optional();
const ffprobeSchema = z.object({
  format: z.object({ format_name: z.string(), duration: numeric, bit_rate: numeric }),
  streams: z
    .array(
      z.object({
        index: z.number(),
        codec_type: z.string().optional(),
        codec_name: z.string().optional(),
        width: z.number().optional(),
        height: z.number().optional(),
        pix_fmt: z.string().optional(),
        sample_rate: numeric,
        channels: z.number().optional(),
      }),
    )
    .default([]),
});

const finite = (value: number | undefined): value is number => value !== undefined && Number.isFinite(value);

/** Probes a file on disk. Unreadable or non-media files give a `bad_input` Failure. */
export async function probeFile(
  ffmpeg: Ffmpeg,
  path: string,
  options: Omit<FfmpegRunOptions, 'failureCode'> = {},
): Promise<Result<ProbeInfo>> {
  const out = await ffmpeg.probe(['-print_format', 'json', '-show_format', '-show_streams', path], {
    ...options,
    failureCode: 'bad_input',
  });
  if (!out.ok) return out;
  let json: unknown;
  try {
    json = JSON.parse(out.value);
  } catch {
    return fail('bad_input', 'ffprobe printed no JSON');
  }
  const parsed = ffprobeSchema.safeParse(json);
  if (!parsed.success) return fail('bad_input', 'not a media file ffprobe understands');
  const streams = parsed.data.streams.map((s): ProbedStream => {
    const type = s.codec_type === 'video' || s.codec_type === 'audio' ? s.codec_type : 'other';
    return {
      index: s.index,
      type,
      codec: s.codec_name ?? 'unknown',
      ...(s.width !== undefined && { width: s.width }),
      ...(s.height !== undefined && { height: s.height }),
      ...(s.pix_fmt !== undefined && { pixelFormat: s.pix_fmt }),
      ...(finite(s.sample_rate) && { sampleRate: s.sample_rate }),
      ...(s.channels !== undefined && { channels: s.channels }),
    };
  });
  const { format_name, duration, bit_rate } = parsed.data.format;
  const video = streams.find((s) => s.type === 'video');
  const audio = streams.find((s) => s.type === 'audio');
  return ok({
    container: format_name,
    ...(finite(duration) && { durationSec: duration }),
    ...(finite(bit_rate) && { bitRate: bit_rate }),
    streams,
    ...(video && { video }),
    ...(audio && { audio }),
  });
}

/** Probes bytes (written to a private temp file: MP4 needs seeking, so a pipe will not do). */
export function probeBytes(
  ffmpeg: Ffmpeg,
  bytes: Uint8Array,
  options: Omit<FfmpegRunOptions, 'failureCode'> = {},
): Promise<Result<ProbeInfo>> {
  if (bytes.length === 0) return Promise.resolve(fail('bad_input', 'empty media'));
  return ffmpeg.withTempDir(async (dir) => {
    const path = join(dir, 'input.bin');
    await writeFile(path, bytes);
    return probeFile(ffmpeg, path, options);
  });
}
