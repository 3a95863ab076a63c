import { alphasCumprod, type SchedulerConfig, spacedTimesteps } from './noise-schedule.js';
import type { NoiseSource, Scheduler, SchedulerStep } from './scheduler.js';

/** `np.interp(x, arange(len(ys)), ys)` for x inside the range. */
function interp(x: number, ys: Float64Array): number {
  const i = Math.max(0, Math.min(ys.length - 2, Math.floor(x)));
  const f = x - i;
  return (ys[i] ?? 0) * (1 - f) + (ys[i + 1] ?? 0) * f;
}

/**
 * Euler ancestral sampling (Karras et al. 2022, k-diffusion's `sample_euler_ancestral`), ported from
 * diffusers' `EulerAncestralDiscreteScheduler`: σ_t = √((1−ᾱ_t)/ᾱ_t) interpolated at the timesteps,
 * input scaled by 1/√(σ²+1), x̂₀ = x − σ·ε, σ_up = √(σ_to²(σ_from²−σ_to²)/σ_from²),
 * σ_down = √(σ_to² − σ_up²), x_prev = x + (x − x̂₀)/σ·(σ_down − σ) + σ_up·z.
 */
export class EulerAncestralScheduler implements Scheduler {
  readonly timesteps: readonly number[];
  readonly initNoiseSigma: number;
  /** σ per step plus a final 0. */
  readonly sigmas: readonly number[];
  readonly #vPred: boolean;

  constructor(config: SchedulerConfig, steps: number) {
    const alphas = alphasCumprod(config);
    const all = alphas.map((a) => Math.sqrt((1 - a) / a));
    this.timesteps = spacedTimesteps(config, steps, false);
    this.sigmas = [...this.timesteps.map((t) => interp(t, all)), 0];
    const max = Math.max(...this.sigmas);
    // diffusers: the "leading" spacing keeps σ_max below the noise level the model saw, hence √(σ²+1).
    const spacing = config.timestepSpacing;
    this.initNoiseSigma = spacing === 'leading' ? Math.sqrt(max * max + 1) : max;
    this.#vPred = config.predictionType === 'v_prediction';
  }

  scaleModelInput(sample: Float32Array, index: number): Float32Array {
    const sigma = this.sigmas[index] ?? 0;
    const scale = 1 / Math.sqrt(sigma * sigma + 1);
    return sample.map((x) => x * scale);
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: NoiseSource): SchedulerStep {
    const sigma = this.sigmas[index];
    const sigmaTo = this.sigmas[index + 1];
    if (sigma === undefined || sigmaTo === undefined) throw new RangeError(`step ${index} out of range`);
    const s2 = sigma * sigma;
    const sigmaUp = Math.sqrt((sigmaTo * sigmaTo * (s2 - sigmaTo * sigmaTo)) / s2);
    const sigmaDown = Math.sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
    const dt = sigmaDown - sigma;
    const vScale = -sigma / Math.sqrt(s2 + 1);
    // Drawn even when σ_up is 0 (last step), as diffusers does, so the random stream stays aligned.
    const z = noise(sample.length);
    const prev = new Float32Array(sample.length);
    const x0 = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i] ?? 0;
      const out = modelOutput[i] ?? 0;
      const predX0 = this.#vPred ? out * vScale + x / (s2 + 1) : x - sigma * out;
      x0[i] = predX0;
      prev[i] = x + ((x - predX0) / sigma) * dt + (z[i] ?? 0) * sigmaUp;
    }
    return { prevSample: prev, predOriginal: x0 };
  }
}
