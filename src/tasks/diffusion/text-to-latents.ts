import { LlmbindError } from '../../core/errors.js';
import type { HostTensor } from '../../engine/onnx/tensors.js';
import { createScheduler } from '../schedulers/create-scheduler.js';
import { guidanceScaleEmbedding } from '../schedulers/lcm.js';
import type { SchedulerConfig } from '../schedulers/noise-schedule.js';
import { Gaussian } from '../shared/gaussian.js';
import type { RunMeter } from '../shared/run-meter.js';
import type { TaskProgress } from '../task.js';
import { denoise, guide } from './denoise-loop.js';
import { type Denoiser, repeatRows, stackBatch } from './denoiser.js';
import type { PromptEncoder } from './prompt-encoder.js';

/** A text encoder and a denoiser with their sampling settings. */
export interface TextDiffusionModels {
  readonly encoder: PromptEncoder;
  readonly denoiser: Denoiser;
  readonly scheduler: SchedulerConfig;
  readonly steps: number;
  readonly guidanceScale: number;
  readonly negativePrompt: string;
  /** L2-normalise pooled embeddings (AudioLDM's `F.normalize(text_embeds)`). */
  readonly normalizePooled?: boolean;
}

/** One sampling job. */
export interface TextToLatentsJob {
  readonly prompt: string;
  readonly seed: number;
  /** Latent shape without the batch dimension ([C,h,w] or [C,F,h,w]). */
  readonly shape: readonly number[];
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: TaskProgress) => void) | undefined;
  readonly preview?:
    | { readonly every: number; readonly render: (x0: Float32Array) => Promise<Uint8Array> }
    | undefined;
}

function l2normalize(t: HostTensor): HostTensor {
  const data = Float32Array.from(t.data as Float32Array);
  const width = t.dims[t.dims.length - 1] ?? data.length;
  for (let row = 0; row < data.length; row += width) {
    let sum = 0;
    for (let i = 0; i < width; i++) sum += (data[row + i] ?? 0) ** 2;
    const scale = 1 / Math.max(Math.sqrt(sum), 1e-12);
    for (let i = 0; i < width; i++) data[row + i] = (data[row + i] ?? 0) * scale;
  }
  return { ...t, data };
}

/** The conditioning the denoiser takes for one prompt: hidden states, or the (normalised) pooled vector. */
async function conditionOf(meter: RunMeter, models: TextDiffusionModels, text: string): Promise<HostTensor> {
  const embedding = await models.encoder.encode(meter, text);
  if (models.denoiser.conditioning === 'encoder_hidden_states') return embedding.hidden;
  if (!embedding.pooled)
    throw new LlmbindError(
      'bundle_invalid',
      'the denoiser takes class_labels but the text encoder has no pooled output',
    );
  return models.normalizePooled ? l2normalize(embedding.pooled) : embedding.pooled;
}

/**
 * Text → denoised latents (diffusers' text-to-image loop): encode prompt and negative prompt,
 * draw seeded noise, run the scheduler with classifier-free guidance over a [uncond; cond] batch.
 */
export async function textToLatents(
  meter: RunMeter,
  models: TextDiffusionModels,
  job: TextToLatentsJob,
): Promise<Float32Array> {
  // LCM-distilled UNets have guidance baked in: no [uncond; cond] batch, w = g − 1 as timestep_cond.
  const lcm = models.scheduler.type === 'lcm';
  const cfg = models.guidanceScale > 1 && !lcm;
  const condDim = models.denoiser.timestepCondDim;
  const extra: Record<string, HostTensor> =
    condDim === undefined
      ? {}
      : {
          timestep_cond: {
            type: 'float32',
            data: repeatRows(guidanceScaleEmbedding(models.guidanceScale - 1, condDim), cfg ? 2 : 1),
            dims: [cfg ? 2 : 1, condDim],
          },
        };
  const cond = await conditionOf(meter, models, job.prompt);
  const condition = cfg ? stackBatch([await conditionOf(meter, models, models.negativePrompt), cond]) : cond;
  const rng = new Gaussian(job.seed);
  const count = job.shape.reduce((a, b) => a * b, 1);
  const scheduler = createScheduler(models.scheduler, models.steps);
  const rows = cfg ? 2 : 1;
  const dims = [rows, ...job.shape];
  return denoise({
    scheduler,
    noise: rng.normals(count),
    rng,
    signal: job.signal,
    onProgress: job.onProgress,
    preview: job.preview,
    predict: async (scaled, t) => {
      const out = await models.denoiser.predict(
        meter,
        cfg ? repeatRows(scaled, 2) : scaled,
        dims,
        t,
        condition,
        dims[1],
        extra,
      );
      return cfg ? guide(out, models.guidanceScale) : out;
    },
  });
}
