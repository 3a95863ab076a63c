import { fail, ok, type Result } from '../../core/errors.js';
import { type TaskTokens, TaskTokensSchema } from '../bundle/manifest.js';
import type { TaskKind } from './task-kind.js';
import type { TextTokenizer } from './text-tokenizer.js';

/** What a tag does: opens or closes a span, or (for `[SEG]`) marks a point. */
export type TaskTagRole = 'open' | 'close' | 'marker';

/** One spelling of a task tag. */
export interface TaskTag {
  readonly spelling: string;
  readonly kind: TaskKind;
  readonly role: TaskTagRole;
}

/** The LLMBind paper's tags, both spellings of the video/audio tags (the manifest default). */
export const DEFAULT_TASK_TOKENS: TaskTokens = TaskTokensSchema.parse(undefined);

const SPAN_KINDS = ['image_generation', 'image_editing', 'video_generation', 'audio_generation'] as const;

/**
 * Every tag spelling of a manifest's `taskTokens`, in a stable order; `bundle_invalid` when one
 * spelling has two meanings (the schema cannot express that rule, and parsing would be ambiguous).
 */
export function taskTagsOf(tokens: TaskTokens = DEFAULT_TASK_TOKENS): Result<readonly TaskTag[]> {
  const tags: TaskTag[] = [];
  for (const kind of SPAN_KINDS) {
    for (const spelling of tokens[kind].open) tags.push({ spelling, kind, role: 'open' });
    for (const spelling of tokens[kind].close) tags.push({ spelling, kind, role: 'close' });
  }
  for (const spelling of tokens.segmentation.marker)
    tags.push({ spelling, kind: 'segmentation', role: 'marker' });
  const seen = new Set<string>();
  for (const tag of tags) {
    if (seen.has(tag.spelling))
      return fail('bundle_invalid', 'task tag spelled twice', { tag: tag.spelling });
    seen.add(tag.spelling);
  }
  return ok(tags);
}

/**
 * Maps each tag to its token id. Every spelling must be an added token of the tokenizer (one id):
 * spans are found on ids, and a tag the tokenizer splits could also be typed by a user.
 */
export function taskTagIds(
  tags: readonly TaskTag[],
  tokenizer: TextTokenizer,
): Result<ReadonlyMap<number, TaskTag>> {
  const byId = new Map<number, TaskTag>();
  for (const tag of tags) {
    const id = tokenizer.addedTokens.get(tag.spelling);
    if (id === undefined) {
      return fail('bundle_invalid', 'task tag is not an added token of the tokenizer', { tag: tag.spelling });
    }
    byId.set(id, tag);
  }
  return ok(byId);
}
