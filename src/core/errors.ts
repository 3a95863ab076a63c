/**
 * Stable error codes. Adapters map each code to user-facing text; logs and metrics use the code.
 * Codes are part of the public interface: add new ones, never rename.
 */
export const ERROR_CODES = [
  'config_invalid',
  'bundle_invalid',
  'model_missing',
  'task_not_configured',
  'bad_input',
  'input_too_large',
  'unsupported_media',
  'output_too_large',
  'timeout',
  'cancelled',
  'rate_limited',
  'quota_exceeded',
  'engine_failed',
  'task_failed',
  'unclosed_task_tag',
  'no_image_for_task',
  'internal',
  'access_denied',
  'interrupted',
  'restarting',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Base class of every error this project raises on purpose. `code` is stable; `message` is for
 * operators and logs, never shown to chat users (adapters render text from the code).
 */
export class LlmbindError extends Error {
  override readonly name = 'LlmbindError';
  readonly code: ErrorCode;
  /** Structured details for logs and for the adapter's user text (no secrets, no stack traces). */
  readonly details: Readonly<Record<string, string | number>>;

  constructor(
    code: ErrorCode,
    message: string,
    details: Record<string, string | number> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  /** Works across module copies and worker boundaries where `instanceof` does not. */
  static isInstance(value: unknown): value is LlmbindError {
    return (
      value instanceof Error &&
      value.name === 'LlmbindError' &&
      typeof (value as { code?: unknown }).code === 'string'
    );
  }
}

/** An expected failure carried as a value: `{ ok: false, error }`. */
export interface Failure {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, string | number>>;
}

/** Expected failures are values; bugs are exceptions. */
export type Result<T, E = Failure> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };

/** Builds a success value. */
export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });

/** Builds a failure value. */
export const fail = (
  code: ErrorCode,
  message: string,
  details?: Record<string, string | number>,
): Result<never> => ({ ok: false, error: details ? { code, message, details } : { code, message } });

/** Converts a thrown value into a Failure without leaking stack traces. */
export function toFailure(error: unknown, fallback: ErrorCode = 'internal'): Failure {
  if (LlmbindError.isInstance(error))
    return { code: error.code, message: error.message, details: error.details };
  if (error instanceof Error && error.name === 'AbortError')
    return { code: 'cancelled', message: 'cancelled' };
  return { code: fallback, message: error instanceof Error ? error.message : String(error) };
}

/**
 * The code a user is told for a failed job: a job cancelled because the bot is shutting down becomes
 * `restarting` (the turn journal resumes it after the restart); everything else keeps its code.
 */
export function userCodeOf(failure: Failure): ErrorCode {
  return failure.code === 'cancelled' && failure.details?.reason === 'shutdown' ? 'restarting' : failure.code;
}
