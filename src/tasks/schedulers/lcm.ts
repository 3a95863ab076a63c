import { alphasCumprod, type SchedulerConfig } from './noise-schedule.js';
import type { NoiseSource, Scheduler, SchedulerStep } from './scheduler.js';

/** σ_data of the consistency-model boundary condition (diffusers' LCMScheduler). */
const SIGMA_DATA = 0.5;

/**
 * Latent Consistency Model sampling (Luo et al. 2023), ported from diffusers' `LCMScheduler`:
 * timesteps picked evenly from the distillation schedule (k·i − 1, i = 1..originalInferenceSteps),
 * x̂₀ = (x_t − √(1−ᾱ_t)·ε)/√ᾱ_t, denoised = c_out·x̂₀ + c_skip·x_t with
 * c_skip = σ_d²/((s·t)² + σ_d²), c_out = s·t/√((s·t)² + σ_d²); then re-noised to the next timestep
 * (x = √ᾱ_prev·denoised + √(1−ᾱ_prev)·z) except after the last step.
 */
export class LcmScheduler implements Scheduler {
  readonly timesteps: readonly number[];
  readonly initNoiseSigma = 1;
  readonly #config: SchedulerConfig;
  readonly #alphas: Float64Array;
  readonly #final: number;

  constructor(config: SchedulerConfig, steps: number) {
    this.#config = config;
    this.#alphas = alphasCumprod(config);
    this.#final = config.setAlphaToOne ? 1 : (this.#alphas[0] ?? 1);
    const original = config.originalInferenceSteps;
    if (steps > original) throw new RangeError(`LCM steps must be ≤ originalInferenceSteps (${original})`);
    const k = Math.floor(config.numTrainTimesteps / original);
    const origin = Array.from({ length: original }, (_, i) => (original - i) * k - 1);
    // np.floor(np.linspace(0, len, steps, endpoint=False))
    this.timesteps = Array.from({ length: steps }, (_, i) => origin[Math.floor((i * original) / steps)] ?? 0);
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: NoiseSource): SchedulerStep {
    const t = this.timesteps[index];
    if (t === undefined) throw new RangeError(`step ${index} out of range`);
    const last = index === this.timesteps.length - 1;
    const prevT = last ? t : (this.timesteps[index + 1] ?? t);
    const aT = this.#alphas[t] ?? 1;
    const aPrev = prevT >= 0 ? (this.#alphas[prevT] ?? 1) : this.#final;
    const scaled = t * this.#config.timestepScaling;
    const cSkip = SIGMA_DATA ** 2 / (scaled ** 2 + SIGMA_DATA ** 2);
    const cOut = scaled / Math.sqrt(scaled ** 2 + SIGMA_DATA ** 2);
    const sqrtA = Math.sqrt(aT);
    const sqrtB = Math.sqrt(1 - aT);
    const vPred = this.#config.predictionType === 'v_prediction';
    const z = last ? undefined : noise(sample.length);
    const prev = new Float32Array(sample.length);
    const denoised = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i] ?? 0;
      const out = modelOutput[i] ?? 0;
      const x0 = vPred ? sqrtA * x - sqrtB * out : (x - sqrtB * out) / sqrtA;
      const d = cOut * x0 + cSkip * x;
      denoised[i] = d;
      prev[i] = z ? Math.sqrt(aPrev) * d + Math.sqrt(1 - aPrev) * (z[i] ?? 0) : d;
    }
    return { prevSample: prev, predOriginal: denoised };
  }
}

/**
 * The guidance-scale embedding LCM-distilled UNets take as `timestep_cond` (diffusers'
 * `get_guidance_scale_embedding`, w = guidance − 1): sinusoids of 1000·w, sin half first.
 */
export function guidanceScaleEmbedding(w: number, dim: number): Float32Array {
  const half = Math.floor(dim / 2);
  const out = new Float32Array(dim);
  const base = Math.log(10000) / (half - 1);
  for (let i = 0; i < half; i++) {
    const arg = w * 1000 * Math.exp(-base * i);
    out[i] = Math.sin(arg);
    out[half + i] = Math.cos(arg);
  }
  return out;
}
