/**
 * The HTTP side of response_url posts, which do not go through the WebClient and so get their retry
 * policy here: a 429 waits Retry-After, a 5xx or a lost connection backs off, other 4xx give up.
 */

import type { SlackRetryPolicy } from './slack-adapter-options.js';

/** Why a response_url post did not land. */
export interface RespondFailure {
  readonly reason: 'http' | 'network' | 'budget';
  readonly status?: number;
}

/** A response_url answer worth retrying: 429 (after Retry-After), 5xx, or no answer at all. */
export class RetryableResponse extends Error {
  constructor(
    readonly status: number | undefined,
    readonly delayMs: number | undefined,
  ) {
    super(`response_url answered ${status ?? 'nothing'}`);
  }
}

/** A response_url answer retrying cannot fix (404 expired_url, 4xx used_url…). */
export class RefusedResponse extends Error {
  constructor(readonly status: number) {
    super(`response_url refused the post (${status})`);
  }
}

/**
 * POSTs a JSON body; throws a RetryableResponse or RefusedResponse when it did not land. These throws only
 * carry the answer to the limiter's retry listener: SlackApi.respond turns them into failure values.
 */
export async function postJson(url: string, body: Record<string, unknown>): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      redirect: 'error',
      signal: AbortSignal.timeout(30_000),
    });
  } catch {
    throw new RetryableResponse(undefined, undefined);
  }
  await res.arrayBuffer(); // drain, so the connection can be reused
  if (res.ok) return;
  if (res.status === 429) {
    const header = res.headers.get('retry-after');
    const seconds = header === null ? Number.NaN : Number(header);
    throw new RetryableResponse(429, Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined);
  }
  if (res.status >= 500) throw new RetryableResponse(res.status, undefined);
  throw new RefusedResponse(res.status);
}

/** The retry policy's delay before retry `n` (0-based): minTimeout × factor^n, capped at maxTimeout. */
function backoff(policy: SlackRetryPolicy, n: number): number {
  const delay = (policy.minTimeout ?? 1_000) * policy.factor ** n;
  return Math.min(delay, policy.maxTimeout ?? Number.POSITIVE_INFINITY);
}

/** How long Bottleneck waits before re-running a failed post; undefined: give up. */
export function retryDelay(error: unknown, retryCount: number, policy: SlackRetryPolicy): number | undefined {
  if (!(error instanceof RetryableResponse) || retryCount >= policy.retries) return undefined;
  return error.delayMs ?? backoff(policy, retryCount);
}
