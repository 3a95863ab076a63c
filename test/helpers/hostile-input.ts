import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { cleanText } from '../../src/core/safety/normalize-text.js';
import type { Engine, EngineContext, EngineEvent } from '../../src/engine/engine.js';
import { TASK_KINDS } from '../../src/engine/protocol/task-kind.js';

/** A seeded PRNG (mulberry32): the same seed gives the same hostile corpus on every machine. */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** One of `items`, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** FNV-1a of a string: seeds the model's reply from what it was sent, whatever order turns run in. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** What survives of a user text on its way to the model on both platforms (cleaning, mention strip). */
export const replyKey = (text: string): string => cleanText(text).text.replace(/\s+/g, ' ').trim();

/** Every string inside a recorded request body (Slack form posts carry blocks as JSON text). */
export function strings(value: unknown): string[] {
  if (typeof value === 'string') {
    if (!/^[[{]/.test(value)) return [value];
    try {
      return [value, ...strings(JSON.parse(value))];
    } catch {
      return [value];
    }
  }
  if (Array.isArray(value)) return value.flatMap(strings);
  return value && typeof value === 'object' ? Object.values(value).flatMap(strings) : [];
}

/** True when a string has no unpaired surrogate (ES2024's isWellFormed, which lib ES2023 lacks). */
export const isWellFormed = (text: string): boolean => !/[\uD800-\uDFFF]/u.test(text);

/** A word no user may send (the fuzz run's policy blocklists it). */
export const BLOCKED_WORD = 'forbiddenword';

/** The blocked word, spelled out and in fullwidth letters too. */
const BLOCKED_FORMS = [BLOCKED_WORD, 'f.o.r.b.i.d.d.e.n.w.o.r.d', 'ＦＯＲＢＩＤＤＥＮＷＯＲＤ'];
const list = (s: string, separator = '|'): readonly string[] => s.split(separator);
const WORDS = list('draw|a|red|circle|make|it|blue|square|please|hello|left|big');
const TASK_TOKENS = list('<gen>|</gen>|<edit>|</edit>|[SEG]|<video_cap>|</vid_cap>|<aud_cap>|</audio_cap>');
const MORE_TOKENS = list('<image>|</s>|<s>|<pad>|ASSISTANT:|USER:|<vid_cap>|<audio_cap>');
const INVISIBLE = list('\u200b|\u200c|\u200d|\u2060|\ufeff|\u00ad|\u{E0041}|\u180e');
const BIDI = list('\u202e|\u202d|\u2066|\u2067|\u2069|\u061c|\u200f');
const SCRIPTS = list('مرحبا بالعالم|שלום עולם|Привет|你好世界|नमस्ते|👨‍👩‍👧‍👦|🏳️‍🌈|Ｎ Ｓ Ｆ Ｗ');
const LONE = ['\ud800', '\udfff', 'x\ud83d', '\ude00y', '\udbff\udbff'];
const CONTROLS = list('\u0000|\u0007|\u001b[31m|\r\n|\u0085|\u2028');
/** Mentions of both platforms: model output must never turn one into a ping. */
export const MENTIONS = list(
  '@everyone @here <@123456789012345678> <@!123456789012345678> <@&234567890123456789> <!channel> ' +
    '<!here> <!everyone> <@U0ADA0001> <!subteam^S0123|@team>',
  ' ',
);

const words = (rng: Prng, n: number): string => Array.from({ length: n }, () => rng.pick(WORDS)).join(' ');
const mix = (rng: Prng, pool: readonly string[], n: number): string =>
  Array.from({ length: n }, () => rng.pick(pool)).join(rng.pick(['', ' ', '\n']));
const interleave = (rng: Prng, text: string, pool: readonly string[]): string =>
  [...text].map((c) => c + (rng.chance(0.5) ? rng.pick(pool) : '')).join('');
const marks = (rng: Prng): string =>
  String.fromCharCode(...Array.from({ length: 1 + rng.int(12) }, () => 0x300 + rng.int(0x70)));
/** `length` UTF-16 units of mixed hostile text, built from one chunk so it is cheap. */
function bulk(rng: Prng, length: number): string {
  const chunk = [words(rng, 20), ...TASK_TOKENS, rng.pick(SCRIPTS), rng.pick(INVISIBLE)].join(' ');
  return chunk.repeat(Math.ceil(length / chunk.length)).slice(0, length);
}

interface TextFamily {
  readonly name: string;
  readonly weight: number;
  readonly make: (r: Prng) => string;
  /** What the refusal notice must say, when the policy must refuse this text. */
  readonly refusal?: RegExp;
}

const USER_TEXT: readonly TextFamily[] = [
  { name: 'plain', weight: 6, make: (r) => words(r, 1 + r.int(8)) },
  { name: 'task-tokens', weight: 10, make: (r) => mix(r, [...TASK_TOKENS, ...MORE_TOKENS], 3 + r.int(10)) },
  { name: 'zero-width', weight: 8, make: (r) => interleave(r, words(r, 4), INVISIBLE) },
  { name: 'rtl', weight: 8, make: (r) => r.pick(BIDI) + r.pick(SCRIPTS) + interleave(r, words(r, 3), BIDI) },
  { name: 'combining', weight: 6, make: (r) => [...words(r, 3)].map((c) => c + marks(r)).join('') },
  { name: 'lone-surrogate', weight: 8, make: (r) => mix(r, [...LONE, ...WORDS], 4 + r.int(6)) },
  { name: 'controls', weight: 4, make: (r) => mix(r, [...CONTROLS, ...WORDS], 6) },
  { name: 'mentions', weight: 6, make: (r) => mix(r, [...MENTIONS, ...WORDS], 5) },
  { name: 'empty', weight: 6, make: (r) => r.pick(['', ' ', '\n\n', '\u200b\u200b', '\u202e', '\t']) },
  { name: 'emoji-wall', weight: 3, make: (r) => `x${'😀'.repeat(1000 + r.int(900))}` },
  { name: 'huge-100k', weight: 3, make: (r) => bulk(r, 100_000), refusal: /too long/ },
  { name: 'just-over-limit', weight: 2, make: () => 'é'.repeat(4001), refusal: /too long/ },
  {
    name: 'blocked',
    weight: 3,
    make: (r) => `${words(r, 2)} ${r.pick(BLOCKED_FORMS)}`,
    refusal: /not allowed/,
  },
];

/** Draws one user text; `family` names it, `refusal` is set when the policy must refuse it. */
export function hostileText(rng: Prng): { family: string; text: string; refusal?: RegExp } {
  const family = rng.pick(USER_TEXT.flatMap((f) => Array<TextFamily>(f.weight).fill(f)));
  const refusal = family.refusal ? { refusal: family.refusal } : {};
  return { family: family.name, text: family.make(rng), ...refusal };
}

/** Byte fixtures for hostile files (built once: sharp is the slow part). */
export interface MediaFixtures {
  readonly png: Uint8Array;
  /** A valid PNG over one megabyte (noise does not compress). */
  readonly bigPng: Uint8Array;
  /** A PNG declaring 60,000 × 60,000 pixels with valid CRCs (a decompression bomb's header). */
  readonly pixelBomb: Uint8Array;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/** Builds the shared byte fixtures. */
export async function mediaFixtures(rng: Prng): Promise<MediaFixtures> {
  const solid = { create: { width: 16, height: 16, channels: 3, background: '#c03030' } } as const;
  const png = new Uint8Array(await sharp(solid).png().toBuffer());
  const side = 640;
  const noise = Buffer.alloc(side * side * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = rng.int(256);
  const raw = { raw: { width: side, height: side, channels: 3 } } as const;
  const bigPng = new Uint8Array(await sharp(noise, raw).png().toBuffer());
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(60_000, 0);
  ihdr.writeUInt32BE(60_000, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const idat = new Uint8Array([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
  const pixelBomb = Buffer.concat([
    png.subarray(0, 8),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', new Uint8Array()),
  ]);
  return { png, bigPng, pixelBomb: new Uint8Array(pixelBomb) };
}

/** One hostile file: what the platform says about it and what it holds. */
export interface HostileFile {
  readonly kind: string;
  readonly name: string;
  readonly mime: string;
  readonly bytes: Uint8Array;
  /** Size the platform reports, when it differs from the bytes. */
  readonly declaredSize?: number;
  /** Served from a host that is not the platform's. */
  readonly foreign?: boolean;
  /** Must be refused with a notice. */
  readonly refused: boolean;
}

const FILE_NAMES = list(
  `image.png|<!channel>.png|@everyone.png|<@U0ADA0001>.png|\u202egnp.exe|ze\u200bro.png|../../../etc/passwd|` +
    `${'x'.repeat(200)}.png|\`tick\`*b*_i_.png|Ω≈ç√.png`,
);

/** Draws one hostile file. The fuzz rig refuses attachments over 1,000,000 bytes. */
export function hostileFile(rng: Prng, m: MediaFixtures): HostileFile {
  const name = rng.pick(FILE_NAMES);
  const garbage = new Uint8Array(Array.from({ length: 64 + rng.int(400) }, () => rng.int(256)));
  const base = { name, mime: 'image/png' };
  const file = (kind: string, bytes: Uint8Array, refused: boolean, more?: Partial<HostileFile>) =>
    ({ ...base, kind, bytes, refused, ...more }) as HostileFile;
  return rng.pick([
    file('valid-png', m.png, false),
    file('png-labelled-jpeg', m.png, false, { mime: 'image/jpeg' }),
    file('truncated-png', m.png.slice(0, m.png.length >> 1), true),
    file('png-header-garbage', Buffer.concat([m.png.subarray(0, 33), garbage]), true),
    file('zero-bytes', new Uint8Array(0), true),
    file('pixel-bomb', m.pixelBomb, true),
    file('declared-5gb', m.png, true, { declaredSize: 5e9 }),
    file('declared-small-actual-big', m.bigPng, true, { declaredSize: 900 }),
    file('png-as-pdf', m.png, true, { mime: 'application/pdf' }),
    file('text-as-png', new TextEncoder().encode('not a picture'), true),
    file('foreign-url', m.png, true, { foreign: true }),
  ]);
}

/** The size field a platform reports for a file: the declared one when it lies. */
export const reportedSize = (f: HostileFile): { size?: number } =>
  f.declaredSize === undefined ? {} : { size: f.declaredSize };

/** One hostile message: its text family and text, and up to two hostile files (one case in three). */
export function hostileMessage(rng: Prng, m: MediaFixtures) {
  const files = rng.chance(0.35) ? Array.from({ length: 1 + rng.int(2) }, () => hostileFile(rng, m)) : [];
  return { ...hostileText(rng), files };
}

/** Splits text into stream deltas at code-point boundaries (a decoder never emits half a character). */
function deltas(rng: Prng, text: string): EngineEvent[] {
  const points = Array.from(text);
  const cuts = [0, ...Array.from({ length: rng.int(4) }, () => rng.int(points.length + 1))];
  cuts.sort((a, b) => a - b);
  const parts = cuts.map((c, i) => points.slice(c, cuts[i + 1] ?? points.length).join(''));
  return parts.filter(Boolean).map((delta) => ({ type: 'text', delta }));
}

const taskPrompt = (r: Prng): string =>
  r.pick([words(r, 4), `${r.pick(MENTIONS)} ${words(r, 2)}`, 'y'.repeat(600), '  ', BLOCKED_WORD]);
const REPLIES = list('mentions|mentions|echo|long|emoji-wall|markdown|tasks|tasks|unclosed|tokens|empty');
const MARKDOWN = [...list('``` * _ ~ > &amp; & < <script> ||spoiler||', ' '), ...WORDS];
const sentence = (rng: Prng): string => `${words(rng, 8)}.${rng.pick(['', '\n', '\n\n', ' ```js\n'])}`;

/** What the hostile model writes for one user turn: text deltas, task calls, a warning, then done. */
export function hostileReply(rng: Prng, userText: string): { family: string; events: EngineEvent[] } {
  const family = rng.pick(REPLIES);
  const texts: Record<string, () => string> = {
    mentions: () => mix(rng, [...MENTIONS, ...WORDS], 8 + rng.int(10)),
    echo: () => `You said: ${userText}`,
    long: () => Array.from({ length: 60 + rng.int(120) }, () => sentence(rng)).join(' '),
    // An odd offset puts the emoji pairs across every even cut a splitter makes.
    'emoji-wall': () => `x${'🙂'.repeat(1500 + rng.int(2000))}`,
    markdown: () => mix(rng, MARKDOWN, 30),
    tokens: () => mix(rng, [...TASK_TOKENS, ...WORDS], 12),
    empty: () => '',
  };
  const text = (texts[family] ?? (() => words(rng, 1 + rng.int(6))))();
  const events = deltas(rng, text);
  if (family === 'tasks') {
    for (let index = 0; index < 1 + rng.int(3); index++)
      events.push({ type: 'task', call: { kind: rng.pick(TASK_KINDS), prompt: taskPrompt(rng), index } });
  }
  if (family === 'unclosed')
    events.push({ type: 'warning', code: 'unclosed_task_tag', kind: 'image_generation', prompt: 'red' });
  const finishReason = rng.chance(0.2) ? 'length' : 'stop';
  events.push({ type: 'done', raw: text, tokens: text.length, finishReason, firstTokenMs: 1 });
  return { family, events };
}

/** A fast fake model answering every turn with a hostile reply drawn from the turn's own text. */
export class HostileModel implements Engine {
  /** Reply family by {@link replyKey} of the user text it answered (for failure reports). */
  readonly families = new Map<string, string>();
  constructor(private readonly seed: number) {}

  async *respond(context: EngineContext, signal?: AbortSignal): AsyncIterable<EngineEvent> {
    const last = context.turns.at(-1);
    const text = last?.text ?? '';
    const reply = hostileReply(new Prng(fnv1a(`${this.seed}:${text}:${last?.images.length ?? 0}`)), text);
    this.families.set(replyKey(text), reply.family);
    for (const event of reply.events) {
      signal?.throwIfAborted();
      yield event;
    }
  }

  async close(): Promise<void> {}
}
