import { z } from 'zod';
import { SchedulerConfigSchema } from '../schedulers/noise-schedule.js';
import { PromptTokenizerSchema } from './prompt-encoder.js';

/** A relative file path inside the bundle (manifest.ts already refused absolute paths and `..`). */
export const fileRole = z.string().min(1);

/** Settings every text-conditioned diffusion runner shares, with SD 1.5's values as defaults. */
export const DiffusionSettingsShape = {
  tokenizer: PromptTokenizerSchema.prefault({}),
  scheduler: SchedulerConfigSchema.prefault({}),
  steps: z.number().int().min(1).max(1000).default(25),
  /** Classifier-free guidance scale; ≤ 1 turns guidance off (one UNet row per step). */
  guidanceScale: z.number().min(0).default(7.5),
  negativePrompt: z.string().default(''),
  latentChannels: z.number().int().positive().default(4),
  /** VAE latent scaling factor (SD 1.5: 0.18215); latents are divided by it before decoding. */
  scalingFactor: z.number().positive().default(0.18215),
  /** Pixels per latent cell. */
  vaeScaleFactor: z.number().int().positive().default(8),
  /** A preview image every k steps; 0 turns previews off. */
  previewEvery: z.number().int().min(0).default(0),
  /** Latent → RGB factors for previews, one [r,g,b] per latent channel (SD 1.5's by default). */
  previewFactors: z.array(z.tuple([z.number(), z.number(), z.number()])).optional(),
} as const;
