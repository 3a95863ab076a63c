import { cutBeforePair } from '../text-safety.js';
/** Slack's limit for the text of one section block. */
export const SECTION_TEXT_LIMIT = 3_000;

/**
 * Splits a reply into pieces of at most `limit` characters, preferring paragraph, then line, then word
 * boundaries so a split never cuts a word when it can be avoided.
 */
export function splitText(text: string, limit: number = SECTION_TEXT_LIMIT): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    const cut = bestCut(window);
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0 || pieces.length === 0) pieces.push(rest);
  return pieces;
}

function bestCut(window: string): number {
  // Only accept a boundary in the second half, so pieces stay reasonably full.
  const floor = Math.floor(window.length / 2);
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(separator);
    if (at > floor) return at + separator.length;
  }
  return cutBeforePair(window, window.length);
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Splits a reply into escaped mrkdwn pieces that each fit `limit` after escaping (escaping `&`, `<`, `>`
 * makes text longer, and Slack counts the escaped form).
 */
export function splitEscaped(text: string, limit: number = SECTION_TEXT_LIMIT): string[] {
  return splitText(text, limit).flatMap((piece) => fitEscaped(piece, limit));
}

function fitEscaped(piece: string, limit: number): string[] {
  const escaped = escapeMrkdwn(piece);
  // An entity is at most 5 characters: below that no split helps.
  if (escaped.length <= limit || piece.length <= 1 || limit < 5) return [escaped];
  // Shrink the raw budget by the expansion ratio; each round strictly shortens the pieces.
  const budget = Math.max(1, Math.floor((limit * piece.length) / escaped.length));
  return splitText(piece, budget).flatMap((p) => fitEscaped(p, limit));
}

/** Removes mentions of the bot (`<@U123>` or `<@U123|name>`) from a message text. */
export function stripMention(text: string, botUserId: string | undefined): string {
  if (!botUserId) return text.trim();
  return text
    .replace(new RegExp(`<@${botUserId}(\\|[^>]*)?>`, 'g'), ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
