import type { Result } from '../../core/errors.js';
import type { RespondFailure } from './response-url-http.js';
import type { SlackApi } from './slack-api.js';

/** What Slack allows per response_url: 5 posts within 30 minutes of the command or click. */
export const RESPONSE_URL_ALLOWANCE = { posts: 5, windowMs: 30 * 60 * 1000 } as const;

/**
 * One response_url and what is left of its allowance. Posts past the allowance are refused here, as a
 * failure value, instead of being sent for Slack to refuse.
 */
export class ResponseUrl {
  private used = 0;
  private readonly issuedAt: number;

  constructor(
    private readonly api: SlackApi,
    readonly url: string,
    private readonly now: () => number = Date.now,
  ) {
    this.issuedAt = now();
  }

  /** Posts still allowed now. */
  get remaining(): number {
    if (this.now() - this.issuedAt > RESPONSE_URL_ALLOWANCE.windowMs) return 0;
    return RESPONSE_URL_ALLOWANCE.posts - this.used;
  }

  /** Posts one message body (text/blocks, response_type…). */
  async post(body: Record<string, unknown>): Promise<Result<void, RespondFailure>> {
    if (this.remaining <= 0) return { ok: false, error: { reason: 'budget' } };
    this.used += 1;
    return this.api.respond(this.url, body);
  }
}
