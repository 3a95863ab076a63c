/** The modality tasks an LLMBind model can call, by their stable public names (used in --json output). */
export const TASK_KINDS = [
  'image_generation',
  'image_editing',
  'segmentation',
  'video_generation',
  'audio_generation',
] as const;

/** One of {@link TASK_KINDS}. */
export type TaskKind = (typeof TASK_KINDS)[number];

/** Type guard for untrusted strings (config, CLI flags, buttons). */
export function isTaskKind(value: string): value is TaskKind {
  return (TASK_KINDS as readonly string[]).includes(value);
}
