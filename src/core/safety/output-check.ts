import type { TaskKind } from '../../engine/protocol/task-kind.js';
import { ok, type Result } from '../errors.js';

/** A produced file, as the output check sees it before it is posted. */
export interface CheckedOutput {
  readonly bytes: Uint8Array;
  readonly mime: string;
  readonly kind: TaskKind;
  readonly prompt: string;
}

/**
 * Optional hook run on every produced image before it is posted (an NSFW classifier ONNX can be
 * configured; none ships). A refusal is a Failure (`task_failed`, details.reason 'output_refused'
 * until a dedicated code exists); the file is then neither stored nor posted.
 */
export type OutputCheck = (output: CheckedOutput, signal?: AbortSignal) => Promise<Result<void>>;

/** The default: every output passes. */
export const allowAllOutputs: OutputCheck = async () => ok(undefined);
