import { z } from 'zod';
import { ok, type Result } from '../../core/errors.js';
import type { Ffmpeg } from '../../media/ffmpeg.js';
import type { MediaFile } from '../../media/media-types.js';
import { encodeGif, encodeMp4 } from '../../media/video.js';
import type { Denoiser } from '../diffusion/denoiser.js';
import { DiffusionSettingsShape, fileRole } from '../diffusion/diffusion-settings.js';
import { decodeLatents, previewPng, SD15_PREVIEW_FACTORS, tensorToRgb } from '../diffusion/latent-images.js';
import { loadTextConditioned } from '../diffusion/load-text-conditioned.js';
import type { PromptEncoder } from '../diffusion/prompt-encoder.js';
import { textToLatents } from '../diffusion/text-to-latents.js';
import { runGuarded } from '../shared/outcome.js';
import { RunMeter } from '../shared/run-meter.js';
import { parseSection, resolveFiles, sectionError } from '../shared/section.js';
import type { Task, TaskOutput, TaskRequest, TaskRunOptions } from '../task.js';
import type { TaskDeps, TaskLogger, TaskPool } from '../task-deps.js';

/** `tasks.video_generation` (ModelScope / AnimateDiff layout, see docs/tasks.md). */
export const VideoGenerationSectionSchema = z.looseObject({
  files: z.object({ tokenizer: fileRole, text_encoder: fileRole, unet: fileRole, vae_decoder: fileRole }),
  ...DiffusionSettingsShape,
  guidanceScale: z.number().min(0).default(9),
  width: z.number().int().positive().default(256),
  height: z.number().int().positive().default(256),
  frames: z.number().int().positive().max(512).default(16),
  fps: z.number().positive().max(120).default(8),
  /** Frames per VAE decoder run (1 for exports with a fixed batch). */
  decodeBatch: z.number().int().positive().default(1),
  /** Encoded videos are upscaled so their longest side is at least this (tiny frames play tiny). */
  minSide: z.number().int().min(0).default(256),
});

/** Parsed `tasks.video_generation`. */
export type VideoGenerationSection = z.infer<typeof VideoGenerationSectionSchema>;

/**
 * Text → video: text encoder → 5-D denoiser over [B,C,F,h,w] latents → per-frame VAE decoding →
 * MP4 (H.264 yuv420p, faststart), or a GIF when the MP4 encode fails.
 */
export class VideoGenerationTask implements Task {
  readonly kind = 'video_generation' as const;
  readonly #pool: TaskPool;
  readonly #ffmpeg: Ffmpeg;
  readonly #logger: TaskLogger;
  readonly #s: VideoGenerationSection;
  readonly #encoder: PromptEncoder;
  readonly #denoiser: Denoiser;
  readonly #vaeDecoder: string;

  private constructor(
    deps: TaskDeps,
    s: VideoGenerationSection,
    encoder: PromptEncoder,
    denoiser: Denoiser,
    vaeDecoder: string,
  ) {
    this.#pool = deps.pool;
    this.#ffmpeg = deps.ffmpeg;
    this.#logger = deps.logger;
    this.#s = s;
    this.#encoder = encoder;
    this.#denoiser = denoiser;
    this.#vaeDecoder = vaeDecoder;
  }

  /** Validates the section and the models' signatures. */
  static async create(dir: string, section: unknown, deps: TaskDeps): Promise<VideoGenerationTask> {
    const kind = 'video_generation';
    const s = parseSection(kind, VideoGenerationSectionSchema, section);
    for (const key of ['width', 'height'] as const)
      if (s[key] % s.vaeScaleFactor !== 0)
        throw sectionError(kind, key, `must be a multiple of vaeScaleFactor (${s.vaeScaleFactor})`);
    const files = await resolveFiles(dir, kind, s.files);
    const { prompt, denoiser } = await loadTextConditioned(deps.pool, kind, files, s.tokenizer);
    return new VideoGenerationTask(deps, s, prompt, denoiser, files.vae_decoder);
  }

  run(request: TaskRequest, options: TaskRunOptions): Promise<Result<TaskOutput>> {
    return runGuarded(options.signal, async () => {
      const s = this.#s;
      const meter = new RunMeter(this.#pool, options.signal);
      const c = s.latentChannels;
      const f = s.frames;
      const h = s.height / s.vaeScaleFactor;
      const w = s.width / s.vaeScaleFactor;
      const factors = s.previewFactors ?? (c === 4 ? SD15_PREVIEW_FACTORS : undefined);
      const latents = await textToLatents(
        meter,
        { ...s, encoder: this.#encoder, denoiser: this.#denoiser },
        {
          prompt: request.prompt,
          seed: request.seed,
          shape: [c, f, h, w],
          signal: options.signal,
          onProgress: options.onProgress,
          // The first frame: channel c of frame 0 sits at c·F·h·w.
          preview: {
            every: s.previewEvery,
            render: (x0) => previewPng(firstFrame(x0, c, f, h * w), c, h, w, factors),
          },
        },
      );
      const frames = await this.#decodeFrames(meter, latents);
      const video = { width: s.width, height: s.height, fps: s.fps, frames };
      const name = `video-${request.seed}`;
      const common = { name, minSide: s.minSide, ...(options.signal ? { signal: options.signal } : {}) };
      let file: Result<MediaFile> = await meter.time(() => encodeMp4(this.#ffmpeg, video, common));
      if (!file.ok && file.error.code !== 'cancelled' && file.error.code !== 'timeout') {
        this.#logger.warn(
          { code: file.error.code, details: file.error.details },
          'MP4 encode failed; trying GIF',
        );
        file = await meter.time(() => encodeGif(this.#ffmpeg, video, common));
      }
      if (!file.ok) return file;
      const { bytes, mime, filename } = file.value;
      return ok({
        media: [{ bytes, mime, filename, altText: request.prompt }],
        seed: request.seed,
        computeSeconds: meter.computeSeconds,
      });
    });
  }

  /** [1,C,F,h,w] latents → RGB frames, decoded `decodeBatch` frames per VAE run. */
  async #decodeFrames(meter: RunMeter, latents: Float32Array): Promise<Uint8Array[]> {
    const s = this.#s;
    const c = s.latentChannels;
    const plane = (s.height / s.vaeScaleFactor) * (s.width / s.vaeScaleFactor);
    const h = s.height / s.vaeScaleFactor;
    const w = s.width / s.vaeScaleFactor;
    const frames: Uint8Array[] = [];
    for (let start = 0; start < s.frames; start += s.decodeBatch) {
      const n = Math.min(s.decodeBatch, s.frames - start);
      // [C,F,h,w] → [n,C,h,w]: the 2-D VAE sees frames as a batch.
      const batch = new Float32Array(n * c * plane);
      for (let i = 0; i < n; i++)
        for (let ch = 0; ch < c; ch++) {
          const from = (ch * s.frames + start + i) * plane;
          batch.set(latents.subarray(from, from + plane), (i * c + ch) * plane);
        }
      const pixels = await decodeLatents(meter, this.#vaeDecoder, batch, [n, c, h, w], s.scalingFactor);
      for (let i = 0; i < n; i++) frames.push(tensorToRgb(pixels, i).data);
    }
    return frames;
  }

  async dispose(): Promise<void> {
    // Sessions belong to the shared pool.
  }
}

/** Frame 0 of [C,F,plane] latents as [C,plane]. */
function firstFrame(x0: Float32Array, c: number, f: number, plane: number): Float32Array {
  const out = new Float32Array(c * plane);
  for (let ch = 0; ch < c; ch++) out.set(x0.subarray(ch * f * plane, ch * f * plane + plane), ch * plane);
  return out;
}
