import { cutBeforePair } from '../text-safety.js';
/** Discord's message length limit, in characters. */
export const DISCORD_MESSAGE_LIMIT = 2000;

const FENCE = /^```(\S*)/gm;

/** The language tag of the code fence left open at the end of `text`, or undefined when none is open. */
function openFence(text: string): string | undefined {
  let open: string | undefined;
  for (const match of text.matchAll(FENCE)) open = open === undefined ? (match[1] ?? '') : undefined;
  return open;
}

/** Where to cut `window`: the latest good boundary in its second half, else a hard cut. */
function cutPoint(window: string): number {
  const floor = Math.floor(window.length / 2);
  const candidates: Array<RegExp> = [/\n```\n/g, /\n\n/g, /\n/g, /[.!?]["')\]]?\s/g, /\s/g];
  for (const pattern of candidates) {
    let best = -1;
    for (const match of window.matchAll(pattern)) {
      const end = match.index + match[0].length;
      // A closing fence stays with the block it closes.
      const cut = pattern.source.startsWith('\\n```') ? match.index + 4 : end;
      if (cut > floor && cut <= window.length) best = cut;
    }
    if (best > 0) return best;
  }
  return cutBeforePair(window, window.length);
}

/**
 * Splits a reply into messages of at most `limit` characters, preferring code-block, paragraph,
 * line and sentence boundaries. A code block cut in two is closed at the end of one part and reopened
 * (same language) at the start of the next, so both render as code.
 */
export function splitMessage(text: string, limit: number = DISCORD_MESSAGE_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text;
  let reopen = '';
  while (rest.length > 0) {
    const prefix = reopen;
    // Room for a reopened fence before and a closing fence after.
    const budget = limit - prefix.length - 4;
    if (prefix.length + rest.length <= limit) {
      parts.push(prefix + rest);
      break;
    }
    const cut = cutPoint(rest.slice(0, budget));
    const head = rest.slice(0, cut);
    const body = (prefix + head).replace(/\s+$/, '');
    const lang = openFence(body);
    parts.push(lang === undefined ? body : `${body}\n\`\`\``);
    reopen = lang === undefined ? '' : `\`\`\`${lang}\n`;
    // Inside a code block indentation matters: drop only the line break at the cut.
    rest = lang === undefined ? rest.slice(cut).replace(/^\s+/, '') : rest.slice(cut).replace(/^\n/, '');
  }
  return parts.filter((p) => p.trim().length > 0);
}
