import { z } from 'zod';

/**
 * The model bundle manifest (`manifest.json` at the bundle root), shared by the shipped demo pack
 * and real exports. File paths are relative to the bundle directory. See docs/model-bundle.md.
 */

const relPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), 'must be a path inside the bundle');

/** Open/close spellings of one task span; the first spelling is canonical. */
export const TaskSpanSchema = z.object({
  open: z.array(z.string().min(1)).min(1),
  close: z.array(z.string().min(1)).min(1),
});

export const TaskTokensSchema = z
  .object({
    image_generation: TaskSpanSchema,
    image_editing: TaskSpanSchema,
    video_generation: TaskSpanSchema,
    audio_generation: TaskSpanSchema,
    segmentation: z.object({ marker: z.array(z.string().min(1)).min(1) }),
  })
  .default({
    image_generation: { open: ['<gen>'], close: ['</gen>'] },
    image_editing: { open: ['<edit>'], close: ['</edit>'] },
    video_generation: { open: ['<video_cap>', '<vid_cap>'], close: ['</video_cap>', '</vid_cap>'] },
    audio_generation: { open: ['<audio_cap>', '<aud_cap>'], close: ['</audio_cap>', '</aud_cap>'] },
    segmentation: { marker: ['[SEG]'] },
  });

/**
 * Chat template as format strings with a `{text}` placeholder (LLaVA v1 by default):
 * prompt = system + user/assistant turns + generation.
 */
export const ChatTemplateSchema = z
  .object({
    system: z.string(),
    user: z.string().includes('{text}'),
    assistant: z.string().includes('{text}'),
    generation: z.string(),
    /** Prepended to a user turn's text once per attached image. */
    image: z.string().includes('<image>').default('<image>\n'),
    /**
     * `lower`: user text is lower-cased before it is encoded, for models trained uncased (the demo pack:
     * its tiny LM reads "DRAW" as four unrelated byte pieces). Templates and assistant text keep their case.
     */
    userCase: z.enum(['keep', 'lower']).default('keep'),
  })
  .default({
    system:
      "A chat between a curious human and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the human's questions. ",
    user: 'USER: {text} ',
    assistant: 'ASSISTANT: {text}</s>',
    generation: 'ASSISTANT:',
    image: '<image>\n',
    userCase: 'keep',
  });

export const VisionSchema = z.object({
  /** ONNX file: pixel_values [B,3,h,w] → image_features [B,N,H]. */
  encoder: relPath,
  /** Square input size the encoder expects. */
  size: z.number().int().positive(),
  mean: z.tuple([z.number(), z.number(), z.number()]),
  std: z.tuple([z.number(), z.number(), z.number()]),
  /** N: feature vectors per image (spliced in place of one `<image>` token). */
  tokensPerImage: z.number().int().positive(),
});

export const LlmSchema = z.object({
  tokenizer: relPath,
  /** Optimum layout: `decoder_model.onnx` (position_ids) or `decoder_model_merged.onnx` (use_cache_branch). */
  decoder: relPath,
  /** input_ids → inputs_embeds; required when the decoder takes inputs_embeds (vision). */
  embedTokens: relPath.optional(),
  vision: VisionSchema.optional(),
  /** [SEG] hidden state [B,H] → prompt embedding [B,256] (LISA: Linear→ReLU→Linear). */
  segProjector: relPath.optional(),
  numLayers: z.number().int().positive(),
  numKeyValueHeads: z.number().int().positive(),
  headDim: z.number().int().positive(),
  hiddenSize: z.number().int().positive(),
  contextLength: z.number().int().positive(),
  /** The longest reply the model is meant to write; caps engine.sampling.maxNewTokens (small demo models). */
  maxNewTokens: z.number().int().positive().optional(),
  bosToken: z.string().optional(),
  eosToken: z.string(),
  /** Generation stops at any of these (eosToken is always one). */
  stopTokens: z.array(z.string()).default([]),
  imageToken: z.string().default('<image>'),
  chatTemplate: ChatTemplateSchema,
  taskTokens: TaskTokensSchema,
});

/** Task models by kind; each runner validates its own section (tasks/<task>/). */
export const TaskModelsSchema = z
  .object({
    image_generation: z.looseObject({ files: z.record(z.string(), relPath) }),
    image_editing: z.looseObject({ files: z.record(z.string(), relPath) }),
    segmentation: z.looseObject({ files: z.record(z.string(), relPath) }),
    video_generation: z.looseObject({ files: z.record(z.string(), relPath) }),
    audio_generation: z.looseObject({ files: z.record(z.string(), relPath) }),
  })
  .partial()
  .default({});

export const ManifestSchema = z.object({
  format: z.literal('llmbind-bundle/1'),
  name: z.string().min(1),
  description: z.string().optional(),
  modelCard: relPath.optional(),
  llm: LlmSchema,
  tasks: TaskModelsSchema,
});

/** A parsed manifest with defaults applied. */
export type Manifest = z.infer<typeof ManifestSchema>;
/** The LLM section. */
export type LlmManifest = z.infer<typeof LlmSchema>;
/** Task token spellings. */
export type TaskTokens = z.infer<typeof TaskTokensSchema>;
/** Chat template strings. */
export type ChatTemplate = z.infer<typeof ChatTemplateSchema>;
