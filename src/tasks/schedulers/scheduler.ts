/**
 * The scheduler contract of the denoising loop, after diffusers' `SchedulerMixin`: a fixed list of
 * timesteps, input scaling, and one update per step. Implementations port diffusers' formulas.
 */

/** What one update returns. */
export interface SchedulerStep {
  /** x_{t-1}: the latents for the next step. */
  readonly prevSample: Float32Array;
  /** The model's estimate of the clean latents x_0 at this step (used for previews). */
  readonly predOriginal: Float32Array;
}

/** Draws standard-normal noise for stochastic steps, as many values as asked. */
export type NoiseSource = (count: number) => Float32Array;

/** A noise scheduler set up for a number of inference steps. */
export interface Scheduler {
  /** Timesteps fed to the denoiser, one per step, in order (may be fractional for Euler + linspace). */
  readonly timesteps: readonly number[];
  /** Standard deviation of the initial noise (multiply N(0,1) latents by it). */
  readonly initNoiseSigma: number;
  /** Scales the denoiser input at step `index` (identity for DDIM, 1/√(σ²+1) for Euler). */
  scaleModelInput(sample: Float32Array, index: number): Float32Array;
  /** One update from the model output at step `index`. `noise` is only called by stochastic steps. */
  step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: NoiseSource): SchedulerStep;
}
