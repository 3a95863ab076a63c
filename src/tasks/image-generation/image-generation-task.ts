import { z } from 'zod';
import { ok, type Result } from '../../core/errors.js';
import { encodeRaw } from '../../media/image-ops.js';
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
import type { TaskDeps, TaskPool } from '../task-deps.js';

/** `tasks.image_generation` (Stable Diffusion layout, see docs/tasks.md). */
export const ImageGenerationSectionSchema = z.looseObject({
  files: z.object({ tokenizer: fileRole, text_encoder: fileRole, unet: fileRole, vae_decoder: fileRole }),
  ...DiffusionSettingsShape,
  width: z.number().int().positive().default(512),
  height: z.number().int().positive().default(512),
});

/** Parsed `tasks.image_generation`. */
export type ImageGenerationSection = z.infer<typeof ImageGenerationSectionSchema>;

/** Text → image: text encoder → denoising loop with CFG → VAE decoder → PNG. */
export class ImageGenerationTask implements Task {
  readonly kind = 'image_generation' as const;
  readonly #pool: TaskPool;
  readonly #section: ImageGenerationSection;
  readonly #encoder: PromptEncoder;
  readonly #denoiser: Denoiser;
  readonly #vaeDecoder: string;

  private constructor(
    pool: TaskPool,
    section: ImageGenerationSection,
    encoder: PromptEncoder,
    denoiser: Denoiser,
    vaeDecoder: string,
  ) {
    this.#pool = pool;
    this.#section = section;
    this.#encoder = encoder;
    this.#denoiser = denoiser;
    this.#vaeDecoder = vaeDecoder;
  }

  /** Validates the section and the models' signatures (`bundle_invalid` / `model_missing` on problems). */
  static async create(
    dir: string,
    section: unknown,
    deps: Pick<TaskDeps, 'pool'>,
  ): Promise<ImageGenerationTask> {
    const kind = 'image_generation';
    const s = parseSection(kind, ImageGenerationSectionSchema, section);
    for (const key of ['width', 'height'] as const) {
      if (s[key] % s.vaeScaleFactor !== 0)
        throw sectionError(kind, key, `must be a multiple of vaeScaleFactor (${s.vaeScaleFactor})`);
    }
    const files = await resolveFiles(dir, kind, s.files);
    const { prompt, denoiser } = await loadTextConditioned(deps.pool, kind, files, s.tokenizer);
    return new ImageGenerationTask(deps.pool, s, prompt, denoiser, files.vae_decoder);
  }

  run(request: TaskRequest, options: TaskRunOptions): Promise<Result<TaskOutput>> {
    return runGuarded(options.signal, async () => {
      const s = this.#section;
      const meter = new RunMeter(this.#pool, options.signal);
      const h = s.height / s.vaeScaleFactor;
      const w = s.width / s.vaeScaleFactor;
      const c = s.latentChannels;
      const factors = s.previewFactors ?? (c === 4 ? SD15_PREVIEW_FACTORS : undefined);
      const latents = await textToLatents(
        meter,
        { ...s, encoder: this.#encoder, denoiser: this.#denoiser },
        {
          prompt: request.prompt,
          seed: request.seed,
          shape: [c, h, w],
          signal: options.signal,
          onProgress: options.onProgress,
          preview: { every: s.previewEvery, render: (x0) => previewPng(x0, c, h, w, factors) },
        },
      );
      const image = await decodeLatents(meter, this.#vaeDecoder, latents, [1, c, h, w], s.scalingFactor);
      const png = await meter.time(() => encodeRaw(tensorToRgb(image), 'png'));
      return ok({
        media: [
          {
            bytes: png,
            mime: 'image/png',
            filename: `generated-${request.seed}.png`,
            altText: request.prompt,
          },
        ],
        seed: request.seed,
        computeSeconds: meter.computeSeconds,
      });
    });
  }

  async dispose(): Promise<void> {
    // Sessions belong to the shared pool, which keeps them until it closes.
  }
}
