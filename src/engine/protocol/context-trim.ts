/** Inputs of {@link planTrim}: token costs only, so the token and text prompt builders share it. */
export interface TrimInput {
  /** Tokens the prompt may use: context length minus the tokens reserved for the reply. */
  readonly budget: number;
  /** Cost of what is always kept: system prompt, generation prompt and the turns from `latest` on. */
  readonly fixedCost: number;
  /** Cost of each turn before `latest` (images expanded). */
  readonly turnCosts: readonly number[];
  /** Role of each turn before `latest`: kept history starts at a user turn. */
  readonly roles: readonly ('user' | 'assistant')[];
  /** Index of the first turn that is always kept (the latest user turn; the turn count when none). */
  readonly latest: number;
  /** Turn holding the image the latest turn refers to, when that turn has none of its own. */
  readonly referredImageTurn?: number;
  /** Extra cost of carrying that image into the first kept turn when its own turn is dropped. */
  readonly carryCost: number;
}

/** The oldest kept turn, whether the referred image is carried, and how far over budget the minimum is. */
export interface TrimPlan {
  readonly start: number;
  readonly carry: boolean;
  /** Tokens to cut from the latest turn's text (0 when everything kept fits). */
  readonly overBy: number;
}

/**
 * Drops the oldest turns first until the prompt fits. Kept history starts at a user turn (a prompt
 * opening with an orphaned assistant answer reads as if the model had spoken unprompted), except that
 * nothing is dropped when everything fits. O(turns).
 */
export function planTrim(input: TrimInput): TrimPlan {
  const { budget, fixedCost, turnCosts, roles, latest, referredImageTurn, carryCost } = input;
  const suffix = new Array<number>(latest + 1).fill(0);
  for (let i = latest - 1; i >= 0; i -= 1) suffix[i] = (suffix[i + 1] ?? 0) + (turnCosts[i] ?? 0);
  let total = 0;
  let carry = false;
  for (let start = 0; start <= latest; start += 1) {
    if (start !== 0 && start !== latest && roles[start] !== 'user') continue;
    carry = referredImageTurn !== undefined && referredImageTurn < start;
    total = fixedCost + (suffix[start] ?? 0) + (carry ? carryCost : 0);
    if (total <= budget) return { start, carry, overBy: 0 };
  }
  return { start: latest, carry, overBy: total - budget };
}
