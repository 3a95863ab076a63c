import { createHash } from 'node:crypto';
import { z } from 'zod';
import { fail, LlmbindError, ok, type Result } from '../../core/errors.js';
import type { HostTensor } from '../../engine/onnx/tensors.js';
import { decodeImageInput } from '../../media/image-input.js';
import { encodeRaw, overlayMask, resizeExact, scaleMask } from '../../media/image-ops.js';
import { fileRole } from '../diffusion/diffusion-settings.js';
import { runGuarded } from '../shared/outcome.js';
import { RunMeter } from '../shared/run-meter.js';
import { ModelSignature, parseSection, resolveFiles } from '../shared/section.js';
import type { Task, TaskOutput, TaskRequest, TaskRunOptions } from '../task.js';
import type { TaskDeps, TaskPool } from '../task-deps.js';

const rgbTriple = z.tuple([z.number(), z.number(), z.number()]);

/** `tasks.segmentation` (LISA/SAM layout, see docs/model-bundle.md and docs/tasks.md). */
export const SegmentationSectionSchema = z.looseObject({
  files: z.object({ image_encoder: fileRole, mask_decoder: fileRole }),
  /** Square input side of the image encoder. */
  size: z.number().int().positive().default(1024),
  mean: rgbTriple.default([0.485, 0.456, 0.406]),
  std: rgbTriple.default([0.229, 0.224, 0.225]),
});

/** Parsed `tasks.segmentation`. */
export type SegmentationSection = z.infer<typeof SegmentationSectionSchema>;

/** Image embeddings of the last image, so several `[SEG]` calls on one image encode it once. */
interface CachedEmbedding {
  readonly key: string;
  readonly embeddings: HostTensor;
}

/**
 * `[SEG]` segmentation: image encoder → mask decoder prompted with the seg projector's embedding →
 * mask (logits > 0) at the original resolution. Returns the overlay PNG and the mask PNG.
 */
export class SegmentationTask implements Task {
  readonly kind = 'segmentation' as const;
  readonly #pool: TaskPool;
  readonly #s: SegmentationSection;
  readonly #encoder: string;
  readonly #decoder: ModelSignature;
  readonly #promptWidth: number;
  #cache: CachedEmbedding | undefined;

  private constructor(pool: TaskPool, s: SegmentationSection, encoder: string, decoder: ModelSignature) {
    this.#pool = pool;
    this.#s = s;
    this.#encoder = encoder;
    this.#decoder = decoder;
    const width = decoder.input('prompt_embeddings')?.shape[2];
    this.#promptWidth = typeof width === 'number' ? width : 256;
  }

  /** Validates the section and the models' signatures. */
  static async create(
    dir: string,
    section: unknown,
    deps: Pick<TaskDeps, 'pool'>,
  ): Promise<SegmentationTask> {
    const kind = 'segmentation';
    const s = parseSection(kind, SegmentationSectionSchema, section);
    const files = await resolveFiles(dir, kind, s.files);
    const [encoder, decoder] = await Promise.all([
      ModelSignature.inspect(deps.pool, files.image_encoder),
      ModelSignature.inspect(deps.pool, files.mask_decoder),
    ]);
    encoder.requireInput('pixel_values');
    encoder.requireOutput('image_embeddings');
    decoder.requireInput('image_embeddings');
    decoder.requireInput('prompt_embeddings');
    decoder.requireOutput('mask_logits');
    return new SegmentationTask(deps.pool, s, files.image_encoder, decoder);
  }

  run(request: TaskRequest, options: TaskRunOptions): Promise<Result<TaskOutput>> {
    return runGuarded(options.signal, async () => {
      if (!request.inputImage) return fail('no_image_for_task', 'segmentation needs an input image');
      const embedding = request.segEmbedding;
      if (!embedding || embedding.length !== this.#promptWidth) {
        return fail('bad_input', `segmentation needs a ${this.#promptWidth}-d [SEG] embedding`, {
          length: embedding?.length ?? 0,
        });
      }
      const decoded = await decodeImageInput(request.inputImage.bytes);
      if (!decoded.ok) return decoded;
      const { rgb, width, height } = decoded.value;
      const meter = new RunMeter(this.#pool, options.signal);
      const total = 2;
      const imageEmbeddings = await this.#embed(meter, request.inputImage.bytes, rgb);
      options.onProgress?.({ step: 1, totalSteps: total });

      const feeds: Record<string, HostTensor> = {
        image_embeddings: imageEmbeddings,
        prompt_embeddings: {
          type: 'float32',
          data: Float32Array.from(embedding),
          dims: [1, 1, this.#promptWidth],
        },
      };
      if (this.#decoder.input('orig_im_size'))
        feeds.orig_im_size = { type: 'float32', data: Float32Array.of(height, width), dims: [2] };
      const out = await meter.run(this.#decoder.path, feeds);
      const logits = out.mask_logits;
      const [, , mh, mw] = logits?.dims ?? [];
      if (!logits || !mh || !mw)
        throw new LlmbindError('task_failed', `mask decoder returned [${logits?.dims ?? []}]`);
      const small = new Uint8Array(mh * mw);
      for (let i = 0; i < small.length; i++) small[i] = Number(logits.data[i] ?? 0) > 0 ? 1 : 0;
      const mask = scaleMask({ data: small, width: mw, height: mh }, width, height);
      options.onProgress?.({ step: 2, totalSteps: total });

      const [overlayPng, maskPng] = await meter.time(() =>
        Promise.all([
          encodeRaw(overlayMask(rgb, { data: mask, width, height }), 'png'),
          encodeRaw({ data: maskPixels(mask), width, height, channels: 3 }, 'png'),
        ]),
      );
      return ok({
        media: [
          { bytes: overlayPng, mime: 'image/png', filename: 'segmentation.png', altText: request.prompt },
          { bytes: maskPng, mime: 'image/png', filename: 'mask.png', altText: `mask: ${request.prompt}` },
        ],
        seed: request.seed,
        computeSeconds: meter.computeSeconds,
      });
    });
  }

  /** Image embeddings, reused when the same image comes back (one reply with several `[SEG]`). */
  async #embed(
    meter: RunMeter,
    bytes: Uint8Array,
    rgb: Parameters<typeof resizeExact>[0],
  ): Promise<HostTensor> {
    const key = createHash('sha256').update(bytes).digest('hex');
    if (this.#cache?.key === key) return this.#cache.embeddings;
    const { size, mean, std } = this.#s;
    const resized = await resizeExact(rgb, size, size);
    const plane = size * size;
    const pixels = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) {
      const m = mean[c] ?? 0;
      const sd = std[c] ?? 1;
      for (let p = 0; p < plane; p++) pixels[c * plane + p] = ((resized.data[p * 3 + c] ?? 0) / 255 - m) / sd;
    }
    const out = await meter.run(this.#encoder, {
      pixel_values: { type: 'float32', data: pixels, dims: [1, 3, size, size] },
    });
    const embeddings = out.image_embeddings;
    if (!embeddings) throw new LlmbindError('task_failed', 'image encoder returned no image_embeddings');
    this.#cache = { key, embeddings };
    return embeddings;
  }

  async dispose(): Promise<void> {
    this.#cache = undefined;
  }
}

/** A binary mask as white-on-black RGB pixels. */
function maskPixels(mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(mask.length * 3);
  for (let i = 0; i < mask.length; i++) out.fill(mask[i] ? 255 : 0, i * 3, i * 3 + 3);
  return out;
}
