import type { TaskKind } from '../../engine/protocol/task-kind.js';
import { fail, ok, type Result } from '../errors.js';
import { cleanText, codePoints, matchKey, spelledOutRuns } from './normalize-text.js';
import type { PromptPolicy, PromptSource } from './prompt-policy.js';

/** Settings of {@link BlocklistPolicy} (config: `safety.*`). */
export interface BlocklistPolicyOptions {
  /** Words or phrases refused anywhere as whole words, case-, accent- and width-insensitive. */
  readonly blocklist?: readonly string[];
  /** Regular expressions (source text) tested against the match key, case-insensitive. */
  readonly patterns?: readonly string[];
  /** Longest user message, in code points, after cleaning. */
  readonly maxUserChars?: number;
  /** Longest task prompt the model may write, in code points. */
  readonly maxTaskPromptChars?: number;
  /** Per-kind overrides of `maxTaskPromptChars`. */
  readonly maxTaskPromptCharsByKind?: Partial<Record<TaskKind, number>>;
}

/** Defaults, checked against the options type: no words blocked unless configured. */
export const DEFAULT_POLICY_OPTIONS = {
  blocklist: [],
  patterns: [],
  maxUserChars: 4_000,
  maxTaskPromptChars: 500,
  maxTaskPromptCharsByKind: {},
} as const satisfies Required<BlocklistPolicyOptions>;

interface Rule {
  readonly name: string;
  /** `runs` are the spelled-out words of the key, joined. */
  readonly test: (key: string, runs: readonly string[]) => boolean;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The configurable {@link PromptPolicy}: cleans the text (zero-width, RTL overrides, controls), checks
 * its length for its source, then matches the blocklist on a folded key so "ＮＳＦＷ", "n\u200bsfw"
 * and "n.s.f.w" are the same word.
 */
export class BlocklistPolicy implements PromptPolicy {
  private readonly rules: readonly Rule[];
  private readonly options: Required<BlocklistPolicyOptions>;

  constructor(options: BlocklistPolicyOptions = {}) {
    this.options = { ...DEFAULT_POLICY_OPTIONS, ...options };
    const terms = this.options.blocklist.map(matchKey).filter((t) => t.length > 0);
    const termRules = terms.map((term): Rule => {
      const re = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(term)}(?![\\p{L}\\p{N}])`, 'u');
      const compact = term.replace(/[^\p{L}\p{N}]/gu, '');
      return {
        name: `term:${term}`,
        test: (key, runs) => re.test(key) || (compact.length > 1 && runs.some((r) => r.includes(compact))),
      };
    });
    const patternRules = this.options.patterns.map((source): Rule => {
      // A broken pattern in config is a configuration bug: fail at start, not on the first message.
      const re = new RegExp(source, 'iu');
      return { name: `pattern:${source}`, test: (key) => re.test(key) };
    });
    this.rules = [...termRules, ...patternRules];
  }

  check(text: string, source: PromptSource): Result<string> {
    const { text: cleaned } = cleanText(text);
    const limit = this.limitFor(source);
    const length = codePoints(cleaned);
    const where: Record<string, string> =
      source.from === 'task' ? { source: 'task', kind: source.kind } : { source: 'user' };
    if (length > limit)
      return fail('input_too_large', `${where.source} prompt has ${length} characters, limit ${limit}`, {
        ...where,
        limit,
        length,
      });
    if (source.from === 'task' && cleaned.trim().length === 0)
      return fail('bad_input', 'the model wrote an empty task prompt', { ...where, reason: 'empty' });
    if (this.rules.length > 0) {
      const key = matchKey(cleaned);
      const runs = spelledOutRuns(key);
      const hit = this.rules.find((r) => r.test(key, runs));
      if (hit)
        return fail('bad_input', `${where.source} prompt matched ${hit.name}`, {
          ...where,
          reason: 'blocked',
          rule: hit.name,
        });
    }
    return ok(cleaned);
  }

  private limitFor(source: PromptSource): number {
    if (source.from === 'user') return this.options.maxUserChars;
    return this.options.maxTaskPromptCharsByKind[source.kind] ?? this.options.maxTaskPromptChars;
  }
}
