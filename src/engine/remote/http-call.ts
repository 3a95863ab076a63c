import { type ErrorCode, LlmbindError } from '../../core/errors.js';
import { isRetryableStatus, parseRetryAfter, type RetryPolicy, retryDelayMs, sleep } from './retry-policy.js';

/** The slice of a pino logger remote backends use; values logged never include headers or keys. */
export interface RemoteLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** What {@link fetchWithRetry} needs. */
export interface FetchWithRetryOptions {
  readonly fetch: typeof fetch;
  readonly retry: RetryPolicy;
  /** Cancellation and timeouts together; a retry wait ends early when it fires. */
  readonly signal: AbortSignal;
  /** Called before each wait (for logs); never given the request headers. */
  readonly onRetry?: (info: { attempt: number; delayMs: number; status?: number; error?: string }) => void;
  readonly now?: () => number;
  readonly random?: () => number;
}

/**
 * POSTs (or whatever `init` says) and retries on 408/429/5xx and on connection failures, honouring
 * Retry-After. Returns the last response, successful or not (the caller reads its error body);
 * throws the last connection error when every attempt failed to connect, or the signal's reason.
 * `init` is called per attempt so bodies are fresh.
 */
export async function fetchWithRetry(
  url: string,
  init: () => RequestInit,
  options: FetchWithRetryOptions,
): Promise<Response> {
  const now = options.now ?? Date.now;
  for (let attempt = 1; ; attempt += 1) {
    options.signal.throwIfAborted();
    let response: Response | undefined;
    let failure: unknown;
    try {
      response = await options.fetch(url, { ...init(), signal: options.signal });
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason;
      failure = error;
    }
    const retryable = response === undefined || isRetryableStatus(response.status);
    if (!retryable || attempt > options.retry.maxRetries) {
      if (response) return response;
      throw failure;
    }
    const retryAfter = response ? parseRetryAfter(response.headers.get('retry-after'), now()) : undefined;
    const delayMs = retryDelayMs(options.retry, attempt, retryAfter, options.random);
    // Drain the failed response so its connection goes back to the pool.
    await response?.body?.cancel().catch(() => {});
    options.onRetry?.({
      attempt,
      delayMs,
      ...(response ? { status: response.status } : { error: describeError(failure) }),
    });
    await sleep(delayMs, options.signal);
  }
}

/** A connection error's message and cause code (undici hides the reason in `cause`). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const detail =
    typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : '';
  return detail ? `${error.message} (${detail})` : error.message;
}

/** The URL without user info, query or fragment: safe to log (keys sometimes travel in either). */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

/** Replaces every occurrence of each non-empty secret in `text`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('[redacted]');
  return out;
}

/** Error codes for a final non-2xx status. */
export function codeForStatus(status: number, body: string, fallback: ErrorCode): ErrorCode {
  if (status === 429) return 'rate_limited';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 413) return 'input_too_large';
  if (status === 415) return 'unsupported_media';
  // vLLM, llama.cpp and Ollama answer an over-long prompt with a 400 that names the context length.
  if (status === 400 && /context (length|size|window)|too long|maximum.*tokens/i.test(body))
    return 'input_too_large';
  if (status === 400 || status === 422) return 'bad_input';
  return fallback;
}

/**
 * An LlmbindError for a non-2xx response: the code from the status, a short scrubbed excerpt of the
 * body for operators (servers sometimes echo request headers back), never the request headers.
 */
export async function httpError(
  response: Response,
  what: string,
  url: string,
  secrets: readonly string[],
  fallback: ErrorCode,
): Promise<LlmbindError> {
  const body = await response.text().catch(() => '');
  const excerpt = scrub(body.slice(0, 300), secrets).replace(/\s+/g, ' ').trim();
  return new LlmbindError(
    codeForStatus(response.status, body, fallback),
    `${what} answered HTTP ${response.status}${excerpt ? `: ${excerpt}` : ''}`,
    { status: response.status, url: safeUrl(url) },
  );
}

/**
 * Combines the caller's signal with a total timeout. `settle(error)` turns whatever was thrown into
 * the error to surface: the caller's AbortError, a `timeout` LlmbindError, or the error itself.
 */
export function deadline(
  signal: AbortSignal | undefined,
  timeoutMs: number,
  what: string,
): { readonly signal: AbortSignal; readonly controller: AbortController; settle(error: unknown): unknown } {
  const controller = new AbortController();
  const timer = AbortSignal.timeout(timeoutMs);
  const combined = AbortSignal.any(signal ? [signal, timer, controller.signal] : [timer, controller.signal]);
  return {
    signal: combined,
    controller,
    settle(error: unknown): unknown {
      if (signal?.aborted) return abortError(signal);
      if (timer.aborted)
        return new LlmbindError('timeout', `${what} took longer than ${timeoutMs} ms`, { timeoutMs });
      const reason: unknown = controller.signal.reason;
      if (controller.signal.aborted && LlmbindError.isInstance(reason)) return reason;
      return error;
    },
  };
}

/** The caller's abort reason when it is an AbortError, else a fresh one (the Engine contract promises one). */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return new DOMException('The operation was aborted', 'AbortError');
}
