import { z } from 'zod';
import { LlmbindError, ok, type Result } from '../../core/errors.js';
import type { HostTensor } from '../../engine/onnx/tensors.js';
import { encodeMp3, encodeOgg, encodeWav } from '../../media/audio.js';
import type { Ffmpeg } from '../../media/ffmpeg.js';
import type { MediaFile } from '../../media/media-types.js';
import type { Denoiser } from '../diffusion/denoiser.js';
import { DiffusionSettingsShape, fileRole } from '../diffusion/diffusion-settings.js';
import { decodeLatents } from '../diffusion/latent-images.js';
import { loadTextConditioned } from '../diffusion/load-text-conditioned.js';
import type { PromptEncoder } from '../diffusion/prompt-encoder.js';
import { textToLatents } from '../diffusion/text-to-latents.js';
import { runGuarded } from '../shared/outcome.js';
import { RunMeter } from '../shared/run-meter.js';
import { ModelSignature, parseSection, resolveFiles, sectionError } from '../shared/section.js';
import type { Task, TaskOutput, TaskRequest, TaskRunOptions } from '../task.js';
import type { TaskDeps, TaskLogger, TaskPool } from '../task-deps.js';

/** `tasks.audio_generation` (AudioLDM layout, see docs/tasks.md); defaults are AudioLDM's. */
export const AudioGenerationSectionSchema = z.looseObject({
  files: z.object({
    tokenizer: fileRole,
    text_encoder: fileRole,
    unet: fileRole,
    vae_decoder: fileRole,
    vocoder: fileRole.optional(),
  }),
  ...DiffusionSettingsShape,
  guidanceScale: z.number().min(0).default(2.5),
  latentChannels: z.number().int().positive().default(8),
  scalingFactor: z.number().positive().default(1),
  /** Latent time frames (AudioLDM: 10.24 s → 1024 mel frames → 256 latent frames). */
  latentFrames: z.number().int().positive().default(256),
  /** Latent frequency bins (64 mel bins / 4). */
  latentBins: z.number().int().positive().default(16),
  /** `spectrogram`: the VAE decodes a mel spectrogram and the vocoder makes the waveform; `waveform`: the decoder outputs samples. */
  output: z.enum(['spectrogram', 'waveform']).default('spectrogram'),
  sampleRate: z.number().int().min(1000).max(384_000).default(16_000),
  /** AudioLDM L2-normalises the CLAP text embedding before the UNet. */
  normalizeTextEmbeds: z.boolean().default(true),
  format: z.enum(['ogg', 'mp3']).default('ogg'),
});

/** Parsed `tasks.audio_generation`. */
export type AudioGenerationSection = z.infer<typeof AudioGenerationSectionSchema>;

/**
 * Text → audio: text encoder → denoiser over [B,C,T,F] latents → VAE decoder → mel spectrogram →
 * vocoder → waveform (or a waveform straight from the decoder) → OGG/Opus or MP3, WAV as fallback.
 */
export class AudioGenerationTask implements Task {
  readonly kind = 'audio_generation' as const;
  readonly #pool: TaskPool;
  readonly #ffmpeg: Ffmpeg;
  readonly #logger: TaskLogger;
  readonly #s: AudioGenerationSection;
  readonly #encoder: PromptEncoder;
  readonly #denoiser: Denoiser;
  readonly #files: { vae_decoder: string; vocoder?: string | undefined };

  private constructor(
    deps: TaskDeps,
    s: AudioGenerationSection,
    encoder: PromptEncoder,
    denoiser: Denoiser,
    files: { vae_decoder: string; vocoder?: string | undefined },
  ) {
    this.#pool = deps.pool;
    this.#ffmpeg = deps.ffmpeg;
    this.#logger = deps.logger;
    this.#s = s;
    this.#encoder = encoder;
    this.#denoiser = denoiser;
    this.#files = files;
  }

  /** Validates the section and the models' signatures. */
  static async create(dir: string, section: unknown, deps: TaskDeps): Promise<AudioGenerationTask> {
    const kind = 'audio_generation';
    const s = parseSection(kind, AudioGenerationSectionSchema, section);
    if (s.output === 'spectrogram' && !s.files.vocoder)
      throw sectionError(kind, 'files.vocoder', "required when output is 'spectrogram'");
    const { vocoder, ...required } = s.files;
    const files = {
      ...(await resolveFiles(dir, kind, required)),
      ...(vocoder ? await resolveFiles(dir, kind, { vocoder }) : {}),
    };
    const { prompt, denoiser } = await loadTextConditioned(deps.pool, kind, files, s.tokenizer);
    if (files.vocoder) {
      const voc = await ModelSignature.inspect(deps.pool, files.vocoder);
      voc.requireInput('spectrogram');
      voc.requireOutput('waveform');
    }
    if (denoiser.conditioning === 'class_labels' && !prompt.hasPooled)
      throw new LlmbindError(
        'bundle_invalid',
        `${files.text_encoder}: the UNet takes class_labels but the encoder has no text_embeds`,
        { file: files.text_encoder },
      );
    return new AudioGenerationTask(deps, s, prompt, denoiser, files);
  }

  run(request: TaskRequest, options: TaskRunOptions): Promise<Result<TaskOutput>> {
    return runGuarded(options.signal, async () => {
      const s = this.#s;
      const meter = new RunMeter(this.#pool, options.signal);
      const c = s.latentChannels;
      const latents = await textToLatents(
        meter,
        { ...s, encoder: this.#encoder, denoiser: this.#denoiser, normalizePooled: s.normalizeTextEmbeds },
        {
          prompt: request.prompt,
          seed: request.seed,
          shape: [c, s.latentFrames, s.latentBins],
          signal: options.signal,
          onProgress: options.onProgress,
        },
      );
      const decoded = await decodeLatents(
        meter,
        this.#files.vae_decoder,
        latents,
        [1, c, s.latentFrames, s.latentBins],
        s.scalingFactor,
      );
      const samples = await this.#waveform(meter, decoded);
      const file = await this.#encode(
        meter,
        { samples, sampleRate: s.sampleRate },
        `audio-${request.seed}`,
        options.signal,
      );
      if (!file.ok) return file;
      const { bytes, mime, filename } = file.value;
      return ok({
        media: [{ bytes, mime, filename, altText: request.prompt }],
        seed: request.seed,
        computeSeconds: meter.computeSeconds,
      });
    });
  }

  /** Decoder output → mono samples: through the vocoder ([1,1,T,M] → [1,T,M] → [1,N]) or as is. */
  async #waveform(meter: RunMeter, decoded: HostTensor): Promise<Float32Array> {
    // The pool returns float outputs as float32.
    const data = decoded.data as Float32Array;
    if (this.#s.output === 'waveform' || !this.#files.vocoder) return Float32Array.from(data);
    const [, , frames, mels] = decoded.dims;
    if (!frames || !mels)
      throw new LlmbindError('task_failed', `VAE decoder returned [${decoded.dims}], expected [1,1,T,M]`);
    const out = await meter.run(this.#files.vocoder, {
      spectrogram: { type: 'float32', data, dims: [1, frames, mels] },
    });
    const wave = out.waveform;
    if (!wave) throw new LlmbindError('task_failed', 'vocoder returned no waveform');
    return Float32Array.from(wave.data as Float32Array);
  }

  /** The configured format; WAV (no ffmpeg needed) when that encode fails for a reason other than a cancel. */
  async #encode(
    meter: RunMeter,
    wave: { samples: Float32Array; sampleRate: number },
    name: string,
    signal: AbortSignal | undefined,
  ): Promise<Result<MediaFile>> {
    const options = { name, ...(signal ? { signal } : {}) };
    const encoded = await meter.time(() =>
      this.#s.format === 'mp3'
        ? encodeMp3(this.#ffmpeg, wave, options)
        : encodeOgg(this.#ffmpeg, wave, options),
    );
    if (encoded.ok || encoded.error.code === 'cancelled' || encoded.error.code === 'timeout') return encoded;
    this.#logger.warn(
      { code: encoded.error.code, details: encoded.error.details },
      `${this.#s.format} encode failed; sending WAV`,
    );
    return ok(encodeWav(wave, name));
  }

  async dispose(): Promise<void> {
    // Sessions belong to the shared pool.
  }
}
