/** How a remote call is retried on 429, 5xx and connection failures. */
export interface RetryPolicy {
  /** Retries after the first attempt (0: never retry). */
  readonly maxRetries: number;
  /** First backoff; doubled on each retry, with full jitter. */
  readonly baseDelayMs: number;
  /** No wait is longer than this, even when the server's Retry-After asks for more. */
  readonly maxDelayMs: number;
}

/** Defaults, checked against the options type. */
export const DEFAULT_RETRY_POLICY = {
  maxRetries: 3,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
} as const satisfies RetryPolicy;

/** HTTP statuses worth another try: rate limits and server-side failures (not 501, which will not change). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501);
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when
 * absent or unreadable. A date in the past means "now".
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * The wait before retry number `attempt` (1-based): the server's Retry-After when it gave one,
 * else exponential backoff with full jitter; both capped at `maxDelayMs`.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling * random());
}

/** Waits `ms`, or rejects with the signal's reason as soon as it fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
