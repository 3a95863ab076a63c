import { alphasCumprod, type SchedulerConfig, spacedTimesteps } from './noise-schedule.js';
import type { NoiseSource, Scheduler, SchedulerStep } from './scheduler.js';

/**
 * DDIM (Song et al. 2020), ported from diffusers' `DDIMScheduler.step` (formula 12 of the paper):
 * x̂₀ = (x_t − √(1−ᾱ_t)·ε) / √ᾱ_t, σ = η·√((1−ᾱ_prev)/(1−ᾱ_t)·(1−ᾱ_t/ᾱ_prev)),
 * x_prev = √ᾱ_prev·x̂₀ + √(1−ᾱ_prev−σ²)·ε (+ σ·z when η > 0). Coefficients are float64.
 */
export class DdimScheduler implements Scheduler {
  readonly timesteps: readonly number[];
  readonly initNoiseSigma = 1;
  readonly #config: SchedulerConfig;
  readonly #alphas: Float64Array;
  readonly #final: number;
  readonly #stride: number;

  constructor(config: SchedulerConfig, steps: number) {
    this.#config = config;
    this.#alphas = alphasCumprod(config);
    this.#final = config.setAlphaToOne ? 1 : (this.#alphas[0] ?? 1);
    this.timesteps = spacedTimesteps(config, steps);
    // diffusers steps back by N // n whatever the spacing (prev_timestep in DDIMScheduler.step).
    this.#stride = Math.floor(config.numTrainTimesteps / steps);
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: NoiseSource): SchedulerStep {
    const t = this.timesteps[index];
    if (t === undefined) throw new RangeError(`step ${index} out of range`);
    const prevT = t - this.#stride;
    const aT = this.#alphas[t] ?? 1;
    const aPrev = prevT >= 0 ? (this.#alphas[prevT] ?? 1) : this.#final;
    const bT = 1 - aT;
    const sqrtA = Math.sqrt(aT);
    const sqrtB = Math.sqrt(bT);
    const variance = ((1 - aPrev) / bT) * (1 - aT / aPrev);
    const std = this.#config.eta * Math.sqrt(variance);
    const dirCoef = Math.sqrt(Math.max(0, 1 - aPrev - std * std));
    const sqrtAPrev = Math.sqrt(aPrev);
    const vPred = this.#config.predictionType === 'v_prediction';
    const z = std > 0 ? noise(sample.length) : undefined;
    const prev = new Float32Array(sample.length);
    const x0 = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i] ?? 0;
      const out = modelOutput[i] ?? 0;
      const predX0 = vPred ? sqrtA * x - sqrtB * out : (x - sqrtB * out) / sqrtA;
      const predEps = vPred ? sqrtA * out + sqrtB * x : out;
      x0[i] = predX0;
      prev[i] = sqrtAPrev * predX0 + dirCoef * predEps + (z ? std * (z[i] ?? 0) : 0);
    }
    return { prevSample: prev, predOriginal: x0 };
  }
}
