import type { Scheduler } from '../schedulers/scheduler.js';
import type { Gaussian } from '../shared/gaussian.js';
import { throwIfAborted } from '../shared/outcome.js';
import type { TaskProgress } from '../task.js';

/** What the loop needs from a pipeline. */
export interface DenoiseLoopOptions {
  readonly scheduler: Scheduler;
  /** Initial noise, N(0,1); the loop scales it by the scheduler's `initNoiseSigma`. */
  readonly noise: Float32Array;
  /** Guided model output for the scaled latents at one step (the pipeline runs the UNet and CFG). */
  readonly predict: (scaled: Float32Array, timestep: number, index: number) => Promise<Float32Array>;
  readonly rng: Gaussian;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: TaskProgress) => void) | undefined;
  /** Renders a preview from the current x̂₀ every `every` steps (never on the last step). */
  readonly preview?:
    | { readonly every: number; readonly render: (x0: Float32Array) => Promise<Uint8Array> }
    | undefined;
}

/**
 * The denoising loop shared by the diffusion runners (diffusers' `for t in timesteps` body): scale
 * the input, predict, step. The abort signal is checked before every step and every session run,
 * so a cancel stops the job within one step. Progress is reported after every step.
 */
export async function denoise(options: DenoiseLoopOptions): Promise<Float32Array> {
  const { scheduler, rng, signal, onProgress, preview } = options;
  const sigma = scheduler.initNoiseSigma;
  let latents: Float32Array = options.noise.map((v) => v * sigma);
  const total = scheduler.timesteps.length;
  for (let i = 0; i < total; i++) {
    throwIfAborted(signal);
    const t = scheduler.timesteps[i] ?? 0;
    const output = await options.predict(scheduler.scaleModelInput(latents, i), t, i);
    const step = scheduler.step(output, i, latents, (n) => rng.normals(n));
    latents = step.prevSample;
    const step1 = i + 1;
    const wantsPreview = preview && preview.every > 0 && step1 % preview.every === 0 && step1 < total;
    if (wantsPreview) {
      const png = await preview.render(step.predOriginal);
      onProgress?.({ step: step1, totalSteps: total, preview: png });
    } else onProgress?.({ step: step1, totalSteps: total });
  }
  return latents;
}

/** Classifier-free guidance over a [uncond; cond] batch: ε = ε_u + g·(ε_c − ε_u). */
export function guide(batchOutput: Float32Array, scale: number): Float32Array {
  const n = batchOutput.length / 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = batchOutput[i] ?? 0;
    out[i] = u + scale * ((batchOutput[n + i] ?? 0) - u);
  }
  return out;
}
