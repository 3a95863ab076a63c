/** A file of media bytes with the metadata every platform upload needs. */
export interface MediaFile {
  readonly bytes: Uint8Array;
  readonly mime: string;
  readonly filename: string;
}

/** Interleaved 8-bit pixels, row-major, top-left first. */
export interface RawImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** 3 = RGB, 4 = RGBA. */
  readonly channels: 3 | 4;
}

/** Replaces (or adds) the extension of a file name, keeping the stem. */
export function withExtension(filename: string, ext: string): string {
  const dot = filename.lastIndexOf('.');
  const stem = dot > 0 ? filename.slice(0, dot) : filename || 'media';
  return `${stem}.${ext}`;
}
