import { z } from 'zod';
import type { ErrorCode } from '../../core/errors.js';
import type { TaskRequest } from '../task.js';

/** The JSON request body (format `json`). Multipart carries the same fields, the image as a file part. */
export interface HttpTaskRequestBody {
  readonly kind: TaskRequest['kind'];
  /** Caption or instruction; for segmentation, the referring text. */
  readonly prompt: string;
  readonly seed: number;
  readonly size?: { readonly width: number; readonly height: number };
  /** The image the turn refers to (editing, segmentation, image → video). */
  readonly image?: { readonly mime: string; readonly data: string };
  /** `[SEG]` prompt embedding, float32 little-endian, base64 (in-process LLM with a seg projector only). */
  readonly segEmbedding?: string;
}

/** Float32 values as little-endian bytes (the wire form of `segEmbedding`). */
export function float32Bytes(values: Float32Array): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  for (const [i, v] of values.entries()) view.setFloat32(i * 4, v, true);
  return new Uint8Array(view.buffer);
}

/** The JSON request of a task run. */
export function jsonBody(request: TaskRequest, size: HttpTaskRequestBody['size']): HttpTaskRequestBody {
  return {
    kind: request.kind,
    prompt: request.prompt,
    seed: request.seed,
    ...(size ? { size } : {}),
    ...(request.inputImage
      ? {
          image: {
            mime: request.inputImage.mime,
            data: Buffer.from(request.inputImage.bytes).toString('base64'),
          },
        }
      : {}),
    ...(request.segEmbedding
      ? { segEmbedding: Buffer.from(float32Bytes(request.segEmbedding)).toString('base64') }
      : {}),
  };
}

/** The multipart request of a task run: text fields plus `image` and `seg_embedding` file parts. */
export function multipartBody(request: TaskRequest, size: HttpTaskRequestBody['size']): FormData {
  const form = new FormData();
  form.set('kind', request.kind);
  form.set('prompt', request.prompt);
  form.set('seed', String(request.seed));
  if (size) {
    form.set('width', String(size.width));
    form.set('height', String(size.height));
  }
  if (request.inputImage) {
    const { bytes, mime } = request.inputImage;
    form.set('image', new Blob([bytes], { type: mime }), `input.${mime.split('/')[1] ?? 'bin'}`);
  }
  if (request.segEmbedding)
    form.set(
      'seg_embedding',
      new Blob([float32Bytes(request.segEmbedding)], { type: 'application/octet-stream' }),
      'seg_embedding.f32',
    );
  return form;
}

/** Codes a task server may name in an error; anything else becomes `task_failed`. */
export const SERVER_ERROR_CODES = [
  'bad_input',
  'input_too_large',
  'unsupported_media',
  'output_too_large',
  'no_image_for_task',
  'rate_limited',
  'timeout',
  'task_failed',
] as const satisfies readonly ErrorCode[];

/** A JSON result (`application/json` body, or the `result` event of a stream). */
export const ResultSchema = z.object({
  media: z
    .array(
      z.object({
        mime: z.string().regex(/^(image|video|audio)\/[\w.+-]+$/),
        data: z.base64(),
        filename: z.string().min(1).max(200).optional(),
        altText: z.string().optional(),
      }),
    )
    .min(1),
  seed: z.number().int().optional(),
  computeSeconds: z.number().nonnegative().optional(),
});

/** A progress event of a stream. */
export const ProgressSchema = z.object({
  step: z.number().int().nonnegative(),
  totalSteps: z.number().int().positive(),
  preview: z.base64().optional(),
});

/** An error body (`{"error": {...}}` on a non-2xx answer) or the data of an `error` event. */
export const ServerErrorSchema = z.object({
  code: z.string().optional(),
  message: z.string().optional(),
});
