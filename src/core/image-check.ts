import type { Result } from './errors.js';

/** A decoded, validated image normalised to PNG. */
export interface CheckedImage {
  readonly png: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * Validates untrusted image bytes (type sniffed from the bytes, pixel limits, corrupt data) and
 * normalises them; implemented in src/media with sharp, injected into the Orchestrator.
 */
export type ImageCheck = (bytes: Uint8Array, signal?: AbortSignal) => Promise<Result<CheckedImage>>;
