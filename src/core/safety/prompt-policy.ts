import type { TaskKind } from '../../engine/protocol/task-kind.js';
import type { Result } from '../errors.js';

/** Where a prompt came from: the user's message, or a task span the model wrote. */
export type PromptSource = { readonly from: 'user' } | { readonly from: 'task'; readonly kind: TaskKind };

/**
 * The prompt policy contract. `check` returns the cleaned text to use from then on, or a Failure:
 * `input_too_large` (details: source, limit, length) or `bad_input` (details: reason 'blocked' with
 * the rule, or 'empty'; source; kind for task prompts). Model-written task prompts go through the
 * same policy as user text, because a user can talk the model into writing what they may not.
 */
export interface PromptPolicy {
  check(text: string, source: PromptSource): Result<string>;
}
