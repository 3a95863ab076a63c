/**
 * Text as the platforms accept it: a lone UTF-16 surrogate (from a model, or a user's broken paste) is
 * replaced by U+FFFD. Slack's client form-encodes text and throws on one; Discord rejects or mangles it.
 */
export function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/**
 * Moves a cut point back off the middle of a surrogate pair, so splitting long text never makes two
 * broken halves of one emoji.
 */
export function cutBeforePair(text: string, at: number): number {
  const before = text.charCodeAt(at - 1);
  return at > 1 && before >= 0xd800 && before <= 0xdbff ? at - 1 : at;
}
