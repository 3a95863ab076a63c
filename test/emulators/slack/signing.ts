import { createHmac } from 'node:crypto';

/** Slack's v0 request signature: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`. */
export function signV0(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** How to sign one delivery (tests forge or age requests with these). */
export interface SignOptions {
  /** Seconds since the epoch put in X-Slack-Request-Timestamp (default: now). */
  readonly timestamp?: number;
  /** Signs with this secret instead of the real one (a forgery). */
  readonly secret?: string;
}

/** Headers for a signed delivery. */
export function signedHeaders(
  secret: string,
  body: string,
  contentType: string,
  options: SignOptions = {},
): Record<string, string> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    'content-type': contentType,
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signV0(options.secret ?? secret, timestamp, body),
  };
}
