import { ModelSignature } from '../shared/section.js';
import type { TaskPool } from '../task-deps.js';
import { Denoiser } from './denoiser.js';
import { PromptEncoder, type PromptTokenizerSettings } from './prompt-encoder.js';

/** The model files every text-conditioned latent pipeline has (image, video, audio generation). */
export interface TextConditionedFiles {
  readonly tokenizer: string;
  readonly text_encoder: string;
  readonly unet: string;
  readonly vae_decoder: string;
}

/**
 * Checks the text encoder, denoiser and VAE decoder signatures of a text-conditioned pipeline and
 * builds its prompt encoder and denoiser; failures name the file and the mismatch.
 */
export async function loadTextConditioned(
  pool: TaskPool,
  kind: string,
  files: TextConditionedFiles,
  tokenizer: PromptTokenizerSettings,
): Promise<{ readonly prompt: PromptEncoder; readonly denoiser: Denoiser }> {
  const [encoder, unet, vae] = await Promise.all(
    [files.text_encoder, files.unet, files.vae_decoder].map((p) => ModelSignature.inspect(pool, p)),
  );
  if (!encoder || !unet || !vae) throw new Error('unreachable: three signatures were inspected');
  vae.requireInput('latent_sample');
  const prompt = await PromptEncoder.create(files.tokenizer, encoder, tokenizer, `tasks.${kind}.tokenizer`);
  return { prompt, denoiser: new Denoiser(unet) };
}
