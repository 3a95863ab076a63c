import type { Notice } from '../core/reply-sink.js';

/** Number formatting every adapter's user-facing texts share (the sentences stay per adapter). */

/** "about 20 s" / "about 3 min" / "about 2 h" for a duration in milliseconds. */
export const about = (ms: number): string => {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 90) return `about ${s} s`;
  const min = Math.round(s / 60);
  return min < 90 ? `about ${min} min` : `about ${Math.round(min / 60)} h`;
};

/** A numeric detail of a notice, if present. */
export const num = (n: Notice, key: string): number | undefined => {
  const v = n.details?.[key];
  return typeof v === 'number' ? v : undefined;
};

/** Bytes as megabytes with one decimal ("?" when unknown). */
export const mb = (v: string | number | undefined): string =>
  typeof v === 'number' ? (v / 1e6).toFixed(1) : '?';
