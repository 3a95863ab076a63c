import type { ChatTemplate } from '../bundle/manifest.js';
import type { EngineTurn } from '../engine.js';
import { userText } from './chat-template.js';
import { planTrim } from './context-trim.js';

/** Inserted after the first character of a reserved literal in user text: invisible, but breaks the tag. */
const WORD_JOINER = '\u2060';

/** Options of {@link renderTextPrompt}. */
export interface TextPromptOptions {
  readonly template: ChatTemplate;
  /**
   * Literals a user may not send verbatim: task tag spellings, `<image>`, bos/eos. A remote server
   * parses special tokens out of prompt text, so they are broken up with an invisible word joiner.
   */
  readonly reserved: readonly string[];
  /** Token budget for the prompt (context length minus reply tokens); omit to keep every turn. */
  readonly budget?: number;
  /** Counts tokens of a piece of text; required with `budget` (an estimate is fine: keep a margin). */
  readonly countTokens?: (text: string) => number;
}

/**
 * Breaks every occurrence of a reserved literal (longest first) in untrusted text by inserting a
 * word joiner after its first character, so `<gen>` reads the same but is no longer the tag.
 */
export function neutralizeLiterals(text: string, reserved: readonly string[]): string {
  const literals = reserved.filter((l) => l.length > 1).sort((a, b) => b.length - a.length);
  if (literals.length === 0) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const literal = literals.find((l) => text.startsWith(l, i));
    if (literal === undefined) {
      out += text.charAt(i);
      i += 1;
      continue;
    }
    const first = String.fromCodePoint(literal.codePointAt(0) ?? 0);
    out += first + WORD_JOINER + neutralizeLiterals(literal.slice(first.length), reserved);
    i += literal.length;
  }
  return out;
}

/**
 * Builds a plain-text prompt for remote completion backends with the same layout as the token
 * renderer (system, turns, generation; user text trimmed and neutralised; images left out: a remote
 * server receives them through its own API). With `budget` and `countTokens`, the oldest turns are
 * dropped first (history starts at a user turn) and an over-long latest turn keeps its end.
 */
export function renderTextPrompt(turns: readonly EngineTurn[], options: TextPromptOptions): string {
  const { template, reserved, budget, countTokens } = options;
  const pieces = turns.map((turn) => {
    const format = turn.role === 'user' ? template.user : template.assistant;
    const text =
      turn.role === 'user' ? neutralizeLiterals(userText(turn.text, template), reserved) : turn.text;
    const at = format.indexOf('{text}');
    return { before: format.slice(0, at), text, after: format.slice(at + '{text}'.length) };
  });
  const join = (from: number): string =>
    template.system +
    pieces
      .slice(from)
      .map((p) => p.before + p.text + p.after)
      .join('') +
    template.generation;
  if (budget === undefined || countTokens === undefined) return join(0);

  let latest = turns.length;
  for (let i = turns.length - 1; i >= 0; i -= 1) {
    if (turns[i]?.role === 'user') {
      latest = i;
      break;
    }
  }
  const pieceCost = (p: { before: string; text: string; after: string }): number =>
    countTokens(p.before + p.text + p.after);
  const fixedCost =
    countTokens(template.system) +
    countTokens(template.generation) +
    pieces.slice(latest).reduce((sum, p) => sum + pieceCost(p), 0);
  const plan = planTrim({
    budget,
    fixedCost,
    turnCosts: pieces.slice(0, latest).map(pieceCost),
    roles: turns.slice(0, latest).map((t) => t.role),
    latest,
    carryCost: 0,
  });
  const last = pieces[latest];
  if (plan.overBy > 0 && last !== undefined) {
    // Keep the longest end of the text whose cost drops by at least overBy (binary search on characters).
    const target = countTokens(last.text) - plan.overBy;
    let lo = 0;
    let hi = last.text.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (countTokens(last.text.slice(mid)) <= target) hi = mid;
      else lo = mid + 1;
    }
    last.text = last.text.slice(lo);
  }
  return join(plan.start);
}
