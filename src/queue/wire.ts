import type { ErrorCode } from '../core/errors.js';
import type { EngineContext, EngineEvent, EngineImage, TaskCall } from '../engine/engine.js';
import type { TaskKind } from '../engine/protocol/task-kind.js';
import type { MediaResult, TaskOutput, TaskProgress, TaskRequest } from '../tasks/task.js';

// JSON shapes that cross Redis between a frontend and a worker. Bytes travel as base64 and
// Float32Arrays as the base64 of their little-endian bytes, so nothing depends on a binary codec.

const b64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

/** A Float32Array as base64 (copied first: the source may sit at an unaligned offset of a shared buffer). */
export function encodeFloats(values: Float32Array): string {
  return b64(new Uint8Array(Float32Array.from(values).buffer));
}

/** The inverse of {@link encodeFloats}. */
export function decodeFloats(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

interface WireImage {
  readonly bytes: string;
  readonly mime: string;
}

const image = (i: EngineImage): WireImage => ({ bytes: b64(i.bytes), mime: i.mime });
const unImage = (i: WireImage): EngineImage => ({ bytes: bytesOf(i.bytes), mime: i.mime });

/** {@link EngineContext} on the wire. */
export interface WireContext {
  readonly turns: { role: 'user' | 'assistant'; text: string; images: WireImage[] }[];
  readonly sampling: EngineContext['sampling'];
  readonly forcedTask?: TaskKind;
}

/** Encodes an engine job's input. */
export function encodeContext(context: EngineContext): WireContext {
  return {
    turns: context.turns.map((t) => ({ role: t.role, text: t.text, images: t.images.map(image) })),
    sampling: context.sampling,
    ...(context.forcedTask ? { forcedTask: context.forcedTask } : {}),
  };
}

/** Decodes an engine job's input. */
export function decodeContext(wire: WireContext): EngineContext {
  return {
    turns: wire.turns.map((t) => ({ role: t.role, text: t.text, images: t.images.map(unImage) })),
    sampling: wire.sampling,
    ...(wire.forcedTask ? { forcedTask: wire.forcedTask } : {}),
  };
}

type WireCall = Omit<TaskCall, 'segEmbedding'> & { readonly segEmbedding?: string };

/** An engine event on the wire: the `[SEG]` embedding as base64. */
export type WireEngineEvent =
  | Exclude<EngineEvent, { type: 'task' }>
  | { readonly type: 'task'; readonly call: WireCall };

/** Encodes one engine event. */
export function encodeEngineEvent(event: EngineEvent): WireEngineEvent {
  if (event.type !== 'task') return event;
  const { segEmbedding, ...call } = event.call;
  return {
    type: 'task',
    call: { ...call, ...(segEmbedding ? { segEmbedding: encodeFloats(segEmbedding) } : {}) },
  };
}

/** Decodes one engine event. */
export function decodeEngineEvent(event: WireEngineEvent): EngineEvent {
  if (event.type !== 'task') return event;
  const { segEmbedding, ...call } = event.call;
  return {
    type: 'task',
    call: { ...call, ...(segEmbedding ? { segEmbedding: decodeFloats(segEmbedding) } : {}) },
  };
}

/** {@link TaskRequest} on the wire. */
export interface WireTaskRequest {
  readonly kind: TaskKind;
  readonly prompt: string;
  readonly seed: number;
  readonly inputImage?: WireImage;
  readonly segEmbedding?: string;
}

/** Encodes a task job's input. */
export function encodeTaskRequest(request: TaskRequest): WireTaskRequest {
  const { inputImage, segEmbedding, ...rest } = request;
  return {
    ...rest,
    ...(inputImage ? { inputImage: image(inputImage) } : {}),
    ...(segEmbedding ? { segEmbedding: encodeFloats(segEmbedding) } : {}),
  };
}

/** Decodes a task job's input. */
export function decodeTaskRequest(wire: WireTaskRequest): TaskRequest {
  const { inputImage, segEmbedding, ...rest } = wire;
  return {
    ...rest,
    ...(inputImage ? { inputImage: unImage(inputImage) } : {}),
    ...(segEmbedding ? { segEmbedding: decodeFloats(segEmbedding) } : {}),
  };
}

type WireMedia = Omit<MediaResult, 'bytes'> & { readonly bytes: string };

/** A task's outcome on the wire (success with media, or an expected failure). */
export type WireTaskOutcome =
  | { readonly ok: true; readonly media: WireMedia[]; readonly seed: number; readonly computeSeconds: number }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

/** Encodes a successful task output. */
export function encodeTaskOutput(output: TaskOutput): WireTaskOutcome {
  return {
    ok: true,
    media: output.media.map((m) => ({ ...m, bytes: b64(m.bytes) })),
    seed: output.seed,
    computeSeconds: output.computeSeconds,
  };
}

/** Decodes a successful task output. */
export function decodeTaskOutput(wire: Extract<WireTaskOutcome, { ok: true }>): TaskOutput {
  return {
    media: wire.media.map((m) => ({ ...m, bytes: bytesOf(m.bytes) })),
    seed: wire.seed,
    computeSeconds: wire.computeSeconds,
  };
}

/** Task progress on the wire. */
export type WireProgress = Omit<TaskProgress, 'preview'> & { readonly preview?: string };

/** Encodes task progress. */
export function encodeProgress(progress: TaskProgress): WireProgress {
  const { preview, ...rest } = progress;
  return { ...rest, ...(preview ? { preview: b64(preview) } : {}) };
}

/** Decodes task progress. */
export function decodeProgress(wire: WireProgress): TaskProgress {
  const { preview, ...rest } = wire;
  return { ...rest, ...(preview ? { preview: bytesOf(preview) } : {}) };
}
