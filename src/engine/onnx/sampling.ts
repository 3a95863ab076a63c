/**
 * Token selection: greedy at temperature 0, else temperature + nucleus (top-p) sampling driven by a
 * seeded PRNG, so the same seed over the same logits gives the same tokens.
 */

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/** mulberry32: a small, fast 32-bit PRNG; the seed is taken modulo 2^32. */
export function createRng(seed: number): Rng {
  let state = Math.trunc(seed) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sampling settings of one request. */
export interface SamplerSettings {
  /** 0 = greedy. */
  readonly temperature: number;
  /** Nucleus mass in (0, 1]; 1 keeps every token. */
  readonly topP: number;
}

/** Index of the largest finite logit (the first one on ties); 0 when none is finite. */
export function argmax(logits: Float32Array): number {
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i += 1) {
    const v = logits[i] ?? Number.NEGATIVE_INFINITY;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/**
 * Sets the banned ids to −∞ in place, unless that would ban every token with a finite logit
 * (a constraint must never leave nothing to sample).
 */
export function banTokens(logits: Float32Array, banned: ReadonlySet<number>): void {
  let allowed = 0;
  for (let i = 0; i < logits.length; i += 1) {
    if (!banned.has(i) && Number.isFinite(logits[i] ?? Number.NaN)) allowed += 1;
  }
  if (allowed === 0) return;
  for (const id of banned) if (id >= 0 && id < logits.length) logits[id] = Number.NEGATIVE_INFINITY;
}

/** Picks the next token from last-position logits (the array is not modified). */
export function sampleToken(logits: Float32Array, settings: SamplerSettings, rng: Rng): number {
  if (!(settings.temperature > 0)) return argmax(logits);
  const n = logits.length;
  const max = logits[argmax(logits)] ?? 0;
  const probs = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i += 1) {
    const v = logits[i] ?? Number.NEGATIVE_INFINITY;
    const p = v === Number.NEGATIVE_INFINITY ? 0 : Math.exp((v - max) / settings.temperature);
    probs[i] = p;
    total += p;
  }
  const topP = Math.min(Math.max(settings.topP, 0), 1);
  let candidates: number[];
  let mass: number;
  if (topP >= 1) {
    candidates = [];
    for (let i = 0; i < n; i += 1) if ((probs[i] ?? 0) > 0) candidates.push(i);
    mass = total;
  } else {
    // Smallest set of most probable tokens whose mass reaches topP (at least one token).
    const order = Array.from({ length: n }, (_, i) => i).filter((i) => (probs[i] ?? 0) > 0);
    order.sort((a, b) => (probs[b] ?? 0) - (probs[a] ?? 0) || a - b);
    candidates = [];
    mass = 0;
    for (const i of order) {
      candidates.push(i);
      mass += probs[i] ?? 0;
      if (mass >= topP * total) break;
    }
  }
  let r = rng() * mass;
  for (const i of candidates) {
    r -= probs[i] ?? 0;
    if (r < 0) return i;
  }
  return candidates[candidates.length - 1] ?? argmax(logits);
}
