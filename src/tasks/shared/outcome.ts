import { type Failure, LlmbindError, type Result, toFailure } from '../../core/errors.js';

/** Thrown inside a runner when its signal fires; {@link runGuarded} turns it into a Failure. */
class Aborted extends Error {
  override readonly name = 'AbortError';
}

/** Throws when the job's signal has fired (checked before every session run and every step). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Aborted('cancelled');
}

/** `timeout` when the signal fired because of `AbortSignal.timeout`, else `cancelled`. */
export function abortFailure(signal: AbortSignal): Failure {
  const reason: unknown = signal.reason;
  const timedOut =
    (reason instanceof Error && reason.name === 'TimeoutError') ||
    (LlmbindError.isInstance(reason) && reason.code === 'timeout');
  return timedOut
    ? { code: 'timeout', message: 'task timed out' }
    : { code: 'cancelled', message: 'cancelled' };
}

/**
 * Runs a job body and makes every expected failure a value: aborts become `cancelled`/`timeout`,
 * LlmbindErrors (from the pool, bad inputs, encoders) keep their code. Anything else is a bug and
 * is rethrown.
 */
export async function runGuarded<T>(
  signal: AbortSignal | undefined,
  body: () => Promise<Result<T>>,
): Promise<Result<T>> {
  if (signal?.aborted) return { ok: false, error: abortFailure(signal) };
  try {
    const result = await body();
    if (!result.ok && signal?.aborted) return { ok: false, error: abortFailure(signal) };
    return result;
  } catch (error) {
    if (signal?.aborted) return { ok: false, error: abortFailure(signal) };
    if (LlmbindError.isInstance(error)) return { ok: false, error: toFailure(error) };
    throw error;
  }
}
