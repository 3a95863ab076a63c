import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DdimScheduler } from '../../src/tasks/schedulers/ddim.js';
import { EulerAncestralScheduler } from '../../src/tasks/schedulers/euler-ancestral.js';
import { guidanceScaleEmbedding, LcmScheduler } from '../../src/tasks/schedulers/lcm.js';
import {
  alphasCumprod,
  type SchedulerConfig,
  SchedulerConfigSchema,
  spacedTimesteps,
} from '../../src/tasks/schedulers/noise-schedule.js';

/**
 * Reference values: test/fixtures/models/generate_tasks.py computes them with NumPy, transliterated
 * from diffusers' scheduling_ddim.py / scheduling_euler_ancestral_discrete.py (float64).
 */
interface References {
  sample: number[];
  modelOutput: number[];
  noise: number[];
  alphasCumprod: Record<string, number>;
  alphasCumprodLinear: Record<string, number>;
  timesteps: Record<'leading' | 'trailing' | 'linspace', number[]>;
  ddim: {
    steps: number;
    timestep: number;
    eta: number;
    prediction: 'epsilon' | 'v_prediction';
    setAlphaToOne: boolean;
    prev: number[];
  }[];
  lcm: {
    steps: number;
    originalInferenceSteps: number;
    timesteps: number[];
    guidanceEmbedding: { w: number; dim: number; values: number[] };
    cases: {
      index: number;
      prediction: 'epsilon' | 'v_prediction';
      setAlphaToOne: boolean;
      prev: number[];
    }[];
  };
  eulerAncestral: {
    steps: number;
    spacing: 'leading' | 'trailing' | 'linspace';
    index: number;
    prediction: 'epsilon' | 'v_prediction';
    timesteps: number[];
    sigmas: number[];
    initNoiseSigma: number;
    scaledInput: number[];
    prev: number[];
  }[];
}

const refs = JSON.parse(
  readFileSync(new URL('../fixtures/models/tasks/scheduler_references.json', import.meta.url), 'utf8'),
) as References;
const sd15 = SchedulerConfigSchema.parse({});
const f32 = (values: number[]) => Float32Array.from(values);

function expectClose(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-5) {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    expect(Math.abs((actual[i] ?? Number.NaN) - e)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e)));
  });
}

describe('noise schedule', () => {
  it('scaled_linear ᾱ follows the closed form at both ends', () => {
    const ac = alphasCumprod(sd15);
    // ᾱ_0 = 1 − β_0 = 1 − 0.00085 exactly; β_999 = 0.012.
    expect(ac[0]).toBeCloseTo(1 - 0.00085, 12);
    expect((ac[1] ?? 0) / (ac[0] ?? 1)).toBeCloseTo(
      1 - (Math.sqrt(0.00085) + (Math.sqrt(0.012) - Math.sqrt(0.00085)) / 999) ** 2,
      12,
    );
    for (const [t, value] of Object.entries(refs.alphasCumprod)) expect(ac[Number(t)]).toBeCloseTo(value, 12);
  });

  it('linear ᾱ matches the reference', () => {
    const ac = alphasCumprod({ ...sd15, betaSchedule: 'linear', betaStart: 0.0001, betaEnd: 0.02 });
    for (const [t, value] of Object.entries(refs.alphasCumprodLinear))
      expect(ac[Number(t)]).toBeCloseTo(value, 12);
  });

  it.each(['leading', 'trailing', 'linspace'] as const)('%s timestep spacing', (spacing) => {
    expect(spacedTimesteps({ ...sd15, timestepSpacing: spacing }, 10)).toEqual(refs.timesteps[spacing]);
  });

  it('leading spacing for SD 1.5 with 10 steps is 901, 801, …, 1', () => {
    expect(spacedTimesteps(sd15, 10)).toEqual([901, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
  });
});

describe('DDIM', () => {
  it.each(
    refs.ddim.map((r) => [`t=${r.timestep} eta=${r.eta} ${r.prediction} one=${r.setAlphaToOne}`, r] as const),
  )('step %s matches diffusers', (_, r) => {
    const config: SchedulerConfig = {
      ...sd15,
      eta: r.eta,
      predictionType: r.prediction,
      setAlphaToOne: r.setAlphaToOne,
    };
    const scheduler = new DdimScheduler(config, r.steps);
    const index = scheduler.timesteps.indexOf(r.timestep);
    expect(index).toBeGreaterThanOrEqual(0);
    const { prevSample } = scheduler.step(f32(refs.modelOutput), index, f32(refs.sample), () =>
      f32(refs.noise),
    );
    expectClose(prevSample, r.prev);
  });

  it('eta 0 draws no noise and leaves the input unscaled', () => {
    const scheduler = new DdimScheduler(sd15, 10);
    const x = f32(refs.sample);
    expect(scheduler.scaleModelInput(x)).toBe(x);
    expect(scheduler.initNoiseSigma).toBe(1);
    scheduler.step(f32(refs.modelOutput), 0, x, () => {
      throw new Error('noise drawn');
    });
  });
});

describe('Euler ancestral', () => {
  it.each(refs.eulerAncestral.map((r) => [`${r.spacing} step ${r.index} ${r.prediction}`, r] as const))(
    '%s matches diffusers',
    (_, r) => {
      const config: SchedulerConfig = {
        ...sd15,
        type: 'euler_ancestral',
        timestepSpacing: r.spacing,
        predictionType: r.prediction,
      };
      const scheduler = new EulerAncestralScheduler(config, r.steps);
      expectClose(scheduler.timesteps, r.timesteps);
      expectClose(scheduler.sigmas, r.sigmas);
      expect(scheduler.initNoiseSigma).toBeCloseTo(r.initNoiseSigma, 6);
      expectClose(scheduler.scaleModelInput(f32(refs.sample), r.index), r.scaledInput);
      const { prevSample } = scheduler.step(f32(refs.modelOutput), r.index, f32(refs.sample), () =>
        f32(refs.noise),
      );
      expectClose(prevSample, r.prev);
    },
  );

  it('σ at the first leading step is √((1−ᾱ)/ᾱ) at t=901 and the last σ is 0', () => {
    const scheduler = new EulerAncestralScheduler({ ...sd15, type: 'euler_ancestral' }, 10);
    const ac = alphasCumprod(sd15)[901] ?? 1;
    expect(scheduler.sigmas[0]).toBeCloseTo(Math.sqrt((1 - ac) / ac), 10);
    expect(scheduler.sigmas.at(-1)).toBe(0);
  });
});

describe('LCM', () => {
  const lcm = refs.lcm;
  const config = (r: {
    prediction: 'epsilon' | 'v_prediction';
    setAlphaToOne: boolean;
  }): SchedulerConfig => ({
    ...sd15,
    type: 'lcm',
    predictionType: r.prediction,
    setAlphaToOne: r.setAlphaToOne,
    originalInferenceSteps: lcm.originalInferenceSteps,
  });

  it('picks 4 timesteps from the 50-step distillation schedule: 999, 759, 499, 259', () => {
    const scheduler = new LcmScheduler(config({ prediction: 'epsilon', setAlphaToOne: true }), lcm.steps);
    expect(scheduler.timesteps).toEqual(lcm.timesteps);
    expect(scheduler.timesteps).toEqual([999, 759, 499, 259]);
  });

  it.each(lcm.cases.map((c) => [`step ${c.index} ${c.prediction}`, c] as const))(
    '%s matches diffusers',
    (_, c) => {
      const scheduler = new LcmScheduler(config(c), lcm.steps);
      let drawn = false;
      const { prevSample } = scheduler.step(f32(refs.modelOutput), c.index, f32(refs.sample), () => {
        drawn = true;
        return f32(refs.noise);
      });
      expectClose(prevSample, c.prev);
      // The last step returns the denoised sample without fresh noise.
      expect(drawn).toBe(c.index !== lcm.steps - 1);
    },
  );

  it('guidance-scale embedding matches get_guidance_scale_embedding', () => {
    const { w, dim, values } = lcm.guidanceEmbedding;
    expectClose(guidanceScaleEmbedding(w, dim), values);
  });
});
