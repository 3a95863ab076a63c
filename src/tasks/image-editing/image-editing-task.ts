import { z } from 'zod';
import { fail, LlmbindError, ok, type Result } from '../../core/errors.js';
import { decodeImageInput } from '../../media/image-input.js';
import { encodeRaw, resizeExact } from '../../media/image-ops.js';
import { denoise } from '../diffusion/denoise-loop.js';
import { Denoiser, repeatRows, stackBatch } from '../diffusion/denoiser.js';
import { DiffusionSettingsShape, fileRole } from '../diffusion/diffusion-settings.js';
import { decodeLatents, previewPng, SD15_PREVIEW_FACTORS, tensorToRgb } from '../diffusion/latent-images.js';
import { PromptEncoder } from '../diffusion/prompt-encoder.js';
import { createScheduler } from '../schedulers/create-scheduler.js';
import { Gaussian } from '../shared/gaussian.js';
import { runGuarded } from '../shared/outcome.js';
import { RunMeter } from '../shared/run-meter.js';
import { ModelSignature, parseSection, resolveFiles, sectionError } from '../shared/section.js';
import type { Task, TaskOutput, TaskRequest, TaskRunOptions } from '../task.js';
import type { TaskDeps, TaskPool } from '../task-deps.js';
import { editSize, imageLatents, pix2pixGuide, pixelsInRange } from './pix2pix.js';

/** `tasks.image_editing` (InstructPix2Pix layout, see docs/tasks.md). */
export const ImageEditingSectionSchema = z.looseObject({
  files: z.object({
    tokenizer: fileRole,
    text_encoder: fileRole,
    unet: fileRole,
    vae_encoder: fileRole,
    vae_decoder: fileRole,
  }),
  ...DiffusionSettingsShape,
  steps: z.number().int().min(1).max(1000).default(20),
  /** Text guidance (s_T in the paper). */
  guidanceScale: z.number().min(0).default(7.5),
  /** Image guidance (s_I): how closely the result follows the input image. */
  imageGuidanceScale: z.number().min(0).default(1.5),
  /** The input is scaled to fit this longest side (then rounded down to whole latent cells). */
  maxSide: z.number().int().positive().default(512),
  /**
   * Image sides the UNet accepts are multiples of this (a patchified UNet needs whole patches of latent
   * cells: VAE factor × patch). Defaults to `vaeScaleFactor`; must be a multiple of it.
   */
  sizeMultiple: z.number().int().positive().optional(),
});

/** Parsed `tasks.image_editing`. */
export type ImageEditingSection = z.infer<typeof ImageEditingSectionSchema>;

/**
 * Instruction-based editing (InstructPix2Pix): the UNet takes 8 channels, concat(noisy latents,
 * unscaled image latents), and three-way guidance over a [text; image; uncond] batch.
 */
export class ImageEditingTask implements Task {
  readonly kind = 'image_editing' as const;
  readonly #pool: TaskPool;
  readonly #s: ImageEditingSection;
  readonly #encoder: PromptEncoder;
  readonly #denoiser: Denoiser;
  readonly #files: { vae_encoder: string; vae_decoder: string };
  readonly #latentOutput: string;

  private constructor(
    pool: TaskPool,
    s: ImageEditingSection,
    encoder: PromptEncoder,
    denoiser: Denoiser,
    files: { vae_encoder: string; vae_decoder: string },
    latentOutput: string,
  ) {
    this.#pool = pool;
    this.#s = s;
    this.#encoder = encoder;
    this.#denoiser = denoiser;
    this.#files = files;
    this.#latentOutput = latentOutput;
  }

  /** Validates the section and the models' signatures. */
  static async create(
    dir: string,
    section: unknown,
    deps: Pick<TaskDeps, 'pool'>,
  ): Promise<ImageEditingTask> {
    const kind = 'image_editing';
    const s = parseSection(kind, ImageEditingSectionSchema, section);
    if (s.sizeMultiple !== undefined && s.sizeMultiple % s.vaeScaleFactor !== 0)
      throw sectionError(kind, 'sizeMultiple', `must be a multiple of vaeScaleFactor (${s.vaeScaleFactor})`);
    const files = await resolveFiles(dir, kind, s.files);
    const inspect = (p: string) => ModelSignature.inspect(deps.pool, p);
    const [encoder, unet, vaeEncoder, vaeDecoder] = await Promise.all([
      inspect(files.text_encoder),
      inspect(files.unet),
      inspect(files.vae_encoder),
      inspect(files.vae_decoder),
    ]);
    vaeEncoder.requireInput('sample');
    // Older exports return a sampled `latent_sample`; Optimum returns `latent_parameters` (mean ‖ logvar).
    const latentOutput = vaeEncoder.requireOutput('latent_sample', 'latent_parameters').name;
    vaeDecoder.requireInput('latent_sample');
    const denoiser = new Denoiser(unet);
    const channels = denoiser.sampleChannels;
    if (channels !== undefined && channels !== 2 * s.latentChannels) {
      throw new LlmbindError(
        'bundle_invalid',
        `${files.unet}: sample has ${channels} channels, InstructPix2Pix needs ${2 * s.latentChannels}`,
        { file: files.unet },
      );
    }
    const prompt = await PromptEncoder.create(
      files.tokenizer,
      encoder,
      s.tokenizer,
      `tasks.${kind}.tokenizer`,
    );
    return new ImageEditingTask(deps.pool, s, prompt, denoiser, files, latentOutput);
  }

  run(request: TaskRequest, options: TaskRunOptions): Promise<Result<TaskOutput>> {
    return runGuarded(options.signal, async () => {
      if (!request.inputImage) return fail('no_image_for_task', 'image editing needs an input image');
      const decoded = await decodeImageInput(request.inputImage.bytes);
      if (!decoded.ok) return decoded;
      const s = this.#s;
      const meter = new RunMeter(this.#pool, options.signal);
      const { width, height } = editSize(
        decoded.value.width,
        decoded.value.height,
        s.maxSide,
        s.sizeMultiple ?? s.vaeScaleFactor,
      );
      const resized = await resizeExact(decoded.value.rgb, width, height);
      const c = s.latentChannels;
      const h = height / s.vaeScaleFactor;
      const w = width / s.vaeScaleFactor;
      const out = await meter.run(this.#files.vae_encoder, {
        sample: { type: 'float32', data: pixelsInRange(resized), dims: [1, 3, height, width] },
      });
      const image = imageLatents(out[this.#latentOutput], c, h * w);

      // Batch rows: [text, image-only, uncond] as diffusers' pipeline orders them.
      const text = (await this.#encoder.encode(meter, request.prompt)).hidden;
      const negative = (await this.#encoder.encode(meter, s.negativePrompt)).hidden;
      const condition = stackBatch([text, negative, negative]);
      const zeros = new Float32Array(image.length);
      const rng = new Gaussian(request.seed);
      const factors = s.previewFactors ?? (c === 4 ? SD15_PREVIEW_FACTORS : undefined);
      const latents = await denoise({
        scheduler: createScheduler(s.scheduler, s.steps),
        noise: rng.normals(c * h * w),
        rng,
        signal: options.signal,
        onProgress: options.onProgress,
        preview: { every: s.previewEvery, render: (x0) => previewPng(x0, c, h, w, factors) },
        predict: async (scaled, t) => {
          // Only the noisy half is scaled by the scheduler; image latents enter unscaled.
          const sample = concatChannels(repeatRows(scaled, 3), [image, image, zeros], c, h * w);
          const eps = await this.#denoiser.predict(meter, sample, [3, 2 * c, h, w], t, condition, c);
          return pix2pixGuide(eps, s.guidanceScale, s.imageGuidanceScale);
        },
      });
      const pixels = await decodeLatents(
        meter,
        this.#files.vae_decoder,
        latents,
        [1, c, h, w],
        s.scalingFactor,
      );
      const png = await meter.time(() => encodeRaw(tensorToRgb(pixels), 'png'));
      return ok({
        media: [
          { bytes: png, mime: 'image/png', filename: `edited-${request.seed}.png`, altText: request.prompt },
        ],
        seed: request.seed,
        computeSeconds: meter.computeSeconds,
      });
    });
  }

  async dispose(): Promise<void> {
    // Sessions belong to the shared pool.
  }
}

/** Per batch row, channels of `noisy` ([rows,c,plane]) followed by that row's image latents. */
function concatChannels(
  noisy: Float32Array,
  images: readonly Float32Array[],
  c: number,
  plane: number,
): Float32Array {
  const block = c * plane;
  const out = new Float32Array(noisy.length * 2);
  images.forEach((img, row) => {
    out.set(noisy.subarray(row * block, (row + 1) * block), row * 2 * block);
    out.set(img, row * 2 * block + block);
  });
  return out;
}
