import { z } from 'zod';

/**
 * Scheduler settings as diffusers' `scheduler_config.json` names them (camelCased), with Stable
 * Diffusion 1.5's values as defaults.
 */
export const SchedulerConfigSchema = z.strictObject({
  type: z.enum(['ddim', 'euler_ancestral', 'lcm']).default('ddim'),
  numTrainTimesteps: z.number().int().positive().default(1000),
  betaStart: z.number().positive().default(0.00085),
  betaEnd: z.number().positive().default(0.012),
  betaSchedule: z.enum(['scaled_linear', 'linear']).default('scaled_linear'),
  timestepSpacing: z.enum(['leading', 'trailing', 'linspace']).default('leading'),
  stepsOffset: z.number().int().nonnegative().default(1),
  predictionType: z.enum(['epsilon', 'v_prediction']).default('epsilon'),
  /** DDIM only: 0 is deterministic DDIM, 1 is DDPM-like. */
  eta: z.number().min(0).max(1).default(0),
  /** DDIM and LCM: ᾱ used after the last step (1, or ᾱ_0 as SD 1.5's DDIM config has it). */
  setAlphaToOne: z.boolean().default(false),
  /** LCM only: the distillation schedule's step count (timesteps are picked from it). */
  originalInferenceSteps: z.number().int().positive().default(50),
  /** LCM only: scales t in the boundary-condition coefficients c_skip, c_out. */
  timestepScaling: z.number().positive().default(10),
});

/** Parsed scheduler settings. */
export type SchedulerConfig = z.infer<typeof SchedulerConfigSchema>;

/** `np.linspace(start, end, n)` in float64. */
function linspace(start: number, end: number, n: number): number[] {
  if (n === 1) return [start];
  return Array.from({ length: n }, (_, i) => start + ((end - start) * i) / (n - 1));
}

/** β_t for t = 0..N−1: `linear`, or `scaled_linear` (linear in √β, then squared: SD's schedule). */
export function betas(config: SchedulerConfig): number[] {
  const { betaStart, betaEnd, numTrainTimesteps: n } = config;
  if (config.betaSchedule === 'linear') return linspace(betaStart, betaEnd, n);
  return linspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), n).map((b) => b * b);
}

/** ᾱ_t = ∏_{s≤t} (1 − β_s). */
export function alphasCumprod(config: SchedulerConfig): Float64Array {
  const out = new Float64Array(config.numTrainTimesteps);
  let product = 1;
  betas(config).forEach((beta, i) => {
    product *= 1 - beta;
    out[i] = product;
  });
  return out;
}

/**
 * Inference timesteps, highest first, per diffusers' `timestep_spacing` (DDIM's `set_timesteps`):
 * `leading` = k·⌊N/n⌋ + offset, `trailing` = round(N − k·N/n) − 1, `linspace` = round(linspace(0, N−1, n)).
 * `round` false keeps linspace values fractional (what Euler schedulers do).
 */
export function spacedTimesteps(config: SchedulerConfig, steps: number, round = true): number[] {
  const n = config.numTrainTimesteps;
  if (!Number.isInteger(steps) || steps < 1 || steps > n) throw new RangeError(`steps must be 1..${n}`);
  switch (config.timestepSpacing) {
    case 'leading': {
      const ratio = Math.floor(n / steps);
      return Array.from({ length: steps }, (_, k) => (steps - 1 - k) * ratio + config.stepsOffset);
    }
    case 'trailing': {
      const ratio = n / steps;
      // np.round rounds half to even; the arange values are k·ratio, so ties only occur at .5 exactly.
      return Array.from({ length: steps }, (_, k) => roundHalfEven(n - k * ratio) - 1);
    }
    case 'linspace': {
      const values = linspace(0, n - 1, steps).reverse();
      return round ? values.map(roundHalfEven) : values;
    }
  }
}

/** NumPy's rounding: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
