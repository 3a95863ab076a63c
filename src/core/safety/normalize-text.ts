/**
 * Invisible characters that carry no meaning in a chat prompt but hide words from filters or flip how
 * text displays: zero-width space, soft hyphen, word joiners, BOM, Hangul fillers, Mongolian vowel
 * separator, invisible math operators, bidi marks, embeddings, overrides and isolates (the "RTL
 * override" trick), and the Unicode tag block (used to smuggle hidden ASCII instructions to models).
 */
const INVISIBLE =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: the class lists invisible characters on purpose.
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\u3164\uFEFF\uFFA0\u{E0000}-\u{E007F}]/gu;

/**
 * Zero-width (non-)joiners are kept only between letters or emoji, where they are real orthography
 * (Persian, Indic scripts, family emoji); anywhere else they only split a word to dodge a filter.
 */
const STRAY_JOINER =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: joiners are matched alone on purpose.
  /(?<![\p{L}\p{M}\p{Extended_Pictographic}\u{FE0F}])[\u200C\u200D]|[\u200C\u200D](?![\p{L}\p{M}\p{Extended_Pictographic}])/gu;

/** C0/C1 controls except tab and newline. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** What {@link cleanText} did. */
export interface CleanedText {
  readonly text: string;
  /** How many characters were removed (0 for ordinary text); logged, never shown. */
  readonly removed: number;
}

/**
 * Cleans text for the model and for storage: NFC, CRLF → LF, no controls, no invisible or
 * direction-changing characters. Visible text, accents and emoji are untouched.
 */
export function cleanText(input: string): CleanedText {
  const nfc = input.normalize('NFC').replace(/\r\n?/g, '\n');
  const text = nfc.replace(INVISIBLE, '').replace(STRAY_JOINER, '').replace(CONTROL, '');
  return { text, removed: codePoints(nfc) - codePoints(text) };
}

/**
 * The form a blocklist matches on: compatibility-folded (fullwidth and styled letters become plain),
 * lower-cased, accents and every format character removed, whitespace collapsed. Never shown to
 * anyone: it only decides whether a rule matches.
 */
export function matchKey(input: string): string {
  return input
    .normalize('NFKD')
    .replace(/[\p{M}\p{Cf}]/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Words spelled out one character at a time ("n.u.d.e", "n u d e"), each joined ("nude"), so a
 * blocklist term can be looked for inside them without gluing ordinary words together (which would
 * cause false positives).
 */
export function spelledOutRuns(key: string): string[] {
  const runs = key.match(
    /(?<![\p{L}\p{N}])(?:[\p{L}\p{N}][^\p{L}\p{N}\n]){2,}[\p{L}\p{N}](?![\p{L}\p{N}])/gu,
  );
  return (runs ?? []).map((m) => m.replace(/[^\p{L}\p{N}]/gu, ''));
}

/** Length in code points (what a user would count, near enough; UTF-16 units overcount emoji). */
export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}
