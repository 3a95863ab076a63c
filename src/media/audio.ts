import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fail, LlmbindError, ok, type Result } from '../core/errors.js';
import type { Ffmpeg, FfmpegRunOptions } from './ffmpeg.js';
import type { MediaFile } from './media-types.js';

/** Mono audio as the audio task produces it: samples in [-1, 1]. */
export interface Waveform {
  readonly samples: Float32Array;
  readonly sampleRate: number;
}

/** Options of the compressed encoders. */
export interface AudioEncodeOptions extends Omit<FfmpegRunOptions, 'failureCode'> {
  /** Target bitrate in kbit/s. */
  readonly bitrateKbps?: number;
  /** File name stem. */
  readonly name?: string;
}

function checkWaveform(wave: Waveform): void {
  if (!(wave.sampleRate >= 1000 && wave.sampleRate <= 384_000) || wave.samples.length === 0) {
    // The waveform is ours (a task's output): a bad one is a bug.
    throw new LlmbindError('internal', 'invalid waveform', {
      sampleRate: wave.sampleRate,
      samples: wave.samples.length,
    });
  }
}

/** Float to 16-bit PCM; NaN becomes silence and out-of-range samples are clipped, not wrapped. */
function toPcm16(samples: Float32Array): Int16Array {
  const pcm = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] ?? 0;
    const v = Number.isNaN(s) ? 0 : Math.max(-1, Math.min(1, s));
    pcm[i] = Math.round(v < 0 ? v * 0x8000 : v * 0x7fff);
  }
  return pcm;
}

/** 16-bit PCM mono WAV, written in-process: the fallback that needs no ffmpeg at all. */
export function encodeWav(wave: Waveform, name = 'audio'): MediaFile {
  checkWaveform(wave);
  const pcm = toPcm16(wave.samples);
  const dataBytes = pcm.length * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVEfmt ', 8, 'latin1');
  out.writeUInt32LE(16, 16); // fmt chunk size
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(wave.sampleRate, 24);
  out.writeUInt32LE(wave.sampleRate * 2, 28); // byte rate
  out.writeUInt16LE(2, 32); // block align
  out.writeUInt16LE(16, 34); // bits per sample
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < pcm.length; i++) out.writeInt16LE(pcm[i] ?? 0, 44 + i * 2);
  return {
    bytes: new Uint8Array(out.buffer, out.byteOffset, out.length),
    mime: 'audio/wav',
    filename: `${name}.wav`,
  };
}

/** Runs ffmpeg on the waveform (fed as raw float32) with the given output arguments. */
async function encodeWith(
  ffmpeg: Ffmpeg,
  wave: Waveform,
  outName: string,
  outputArgs: readonly string[],
  options: AudioEncodeOptions,
): Promise<Result<Uint8Array>> {
  checkWaveform(wave);
  return ffmpeg.withTempDir(async (dir) => {
    const input = join(dir, 'in.f32');
    const out = join(dir, outName);
    const s = wave.samples;
    await writeFile(input, new Uint8Array(s.buffer, s.byteOffset, s.byteLength));
    const run = await ffmpeg.run(
      ['-f', 'f32le', '-ar', `${wave.sampleRate}`, '-ac', '1', '-i', input, ...outputArgs, out],
      options,
    );
    if (!run.ok) return run;
    return ok(new Uint8Array(await readFile(out)));
  });
}

/** OGG with Opus (libopus, resampled to 48 kHz as Opus requires) or Vorbis when libopus is absent. */
export async function encodeOgg(
  ffmpeg: Ffmpeg,
  wave: Waveform,
  options: AudioEncodeOptions = {},
): Promise<Result<MediaFile & { codec: 'opus' | 'vorbis' }>> {
  const hasOpus = (await ffmpeg.encoders()).has('libopus');
  const kbps = options.bitrateKbps ?? (hasOpus ? 64 : 96);
  const args = hasOpus
    ? ['-c:a', 'libopus', '-ar', '48000', '-b:a', `${kbps}k`]
    : ['-c:a', 'libvorbis', '-b:a', `${kbps}k`];
  const bytes = await encodeWith(ffmpeg, wave, 'out.ogg', args, options);
  if (!bytes.ok) return bytes;
  return ok({
    bytes: bytes.value,
    mime: 'audio/ogg',
    filename: `${options.name ?? 'audio'}.ogg`,
    codec: hasOpus ? 'opus' : 'vorbis',
  });
}

/** MP3 sample rates allow only some bitrates: low bitrates need MPEG-2 rates (≤ 24 kHz). */
export function mp3SampleRate(kbps: number, sourceRate: number): number {
  if (kbps <= 24) return Math.min(sourceRate, 16_000) >= 16_000 ? 16_000 : 8_000;
  if (kbps <= 64) return Math.min(sourceRate, 22_050) >= 22_050 ? 22_050 : 16_000;
  return sourceRate >= 44_100 ? 44_100 : sourceRate >= 32_000 ? 32_000 : 22_050;
}

/** MP3 (libmp3lame), the format every player accepts. */
export async function encodeMp3(
  ffmpeg: Ffmpeg,
  wave: Waveform,
  options: AudioEncodeOptions = {},
): Promise<Result<MediaFile>> {
  if (!(await ffmpeg.encoders()).has('libmp3lame')) {
    return fail('task_failed', 'this ffmpeg build has no MP3 encoder (libmp3lame)');
  }
  const kbps = options.bitrateKbps ?? 128;
  const rate = mp3SampleRate(kbps, wave.sampleRate);
  const args = ['-c:a', 'libmp3lame', '-ar', `${rate}`, '-b:a', `${kbps}k`];
  const bytes = await encodeWith(ffmpeg, wave, 'out.mp3', args, options);
  if (!bytes.ok) return bytes;
  return ok({ bytes: bytes.value, mime: 'audio/mpeg', filename: `${options.name ?? 'audio'}.mp3` });
}
