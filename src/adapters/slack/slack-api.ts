import type { webApi } from '@slack/bolt';
import type Bottleneck from 'bottleneck';
import type { Result } from '../../core/errors.js';
import { type LimiterFactory, localLimiters } from '../../queue/limiter-factory.js';
import { wellFormed } from '../text-safety.js';
import {
  postJson,
  RefusedResponse,
  type RespondFailure,
  RetryableResponse,
  retryDelay,
} from './response-url-http.js';
import type { SlackRetryPolicy } from './slack-adapter-options.js';
import {
  DEFAULT_PACING,
  FINAL_PRIORITY,
  GROUP_NAMES,
  PROGRESS_PRIORITY,
  type SlackPacing,
} from './slack-pacing.js';

/** A block of Block Kit, kept loose: Slack validates it. */
export type Block = Record<string, unknown>;

/** One file to upload into a conversation. */
export interface UploadRequest {
  readonly channel: string;
  readonly threadTs?: string;
  readonly filename: string;
  readonly title: string;
  readonly altText: string;
  readonly bytes: Uint8Array;
}

/** A message of a thread, as the adapter reads history. */
export interface ThreadMessage {
  readonly ts: string;
  readonly text: string;
  readonly user?: string;
  readonly botId?: string;
  readonly files: readonly SlackFile[];
}

/** One conversations.replies page: messages oldest first. */
export interface RepliesPage {
  readonly messages: readonly ThreadMessage[];
  /** More messages match the window than this page holds. */
  readonly hasMore: boolean;
  readonly nextCursor?: string;
}

/** Which part of a thread to read: Slack timestamps, both bounds exclusive. */
export interface RepliesWindow {
  readonly oldest?: string;
  readonly latest?: string;
  readonly cursor?: string;
}

/** A file as Slack describes it in events and history. */
export interface SlackFile {
  readonly id: string;
  readonly name?: string;
  readonly mimetype?: string;
  readonly size?: number;
  readonly url_private?: string;
  readonly url_private_download?: string;
}

/**
 * The Web API calls the adapter makes, each through a bottleneck limiter keyed by method and channel.
 * Rate-limit answers (429 + Retry-After) are waited out and retried by the WebClient's retry policy,
 * so a limited call is late, never lost. response_url posts are plain HTTP (not the WebClient): their
 * limiter retries them itself, after Retry-After on a 429 and with backoff on a 5xx or network error.
 * With shared limiters (Redis), every SlackApi of the bot, in any process, shares each method's pace.
 */
export class SlackApi {
  private readonly groups: Record<keyof SlackPacing, Bottleneck.Group>;
  private readonly names = new Map<string, string>();

  constructor(
    private readonly client: webApi.WebClient,
    pacing: SlackPacing = DEFAULT_PACING,
    private readonly retry: SlackRetryPolicy = {
      retries: 10,
      factor: 2,
      minTimeout: 1_000,
      maxTimeout: 60_000,
    },
    limiters: LimiterFactory = localLimiters,
  ) {
    const group = (pace: keyof SlackPacing) =>
      limiters.group(GROUP_NAMES[pace], { minTime: pacing[pace] ?? DEFAULT_PACING[pace] });
    this.groups = {
      postMessageMs: group('postMessageMs'),
      updateMs: group('updateMs'),
      uploadMs: group('uploadMs'),
      repliesMs: group('repliesMs'),
      viewsOpenMs: group('viewsOpenMs'),
      usersInfoMs: group('usersInfoMs'),
      responseUrlMs: group('responseUrlMs'),
    };
    // Bottleneck re-runs a failed job after the delay a `failed` listener returns.
    this.groups.responseUrlMs.on('created', (limiter: Bottleneck) => {
      limiter.on('failed', (error: unknown, info: Bottleneck.EventInfoRetryable) =>
        retryDelay(error, info.retryCount, this.retry),
      );
    });
  }

  /** Posts a message; returns its ts. */
  async post(channel: string, text: string, blocks?: Block[], threadTs?: string): Promise<string> {
    const res = await this.groups.postMessageMs.key(channel).schedule(() =>
      this.client.chat.postMessage({
        channel,
        // The client form-encodes text and throws on a lone surrogate.
        text: wellFormed(text),
        ...(blocks ? { blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      } as webApi.ChatPostMessageArguments),
    );
    if (!res.ts) throw new Error('chat.postMessage returned no ts');
    return res.ts;
  }

  /**
   * Replaces a message's text and blocks. All conversations share chat.update's budget, so a `final` edit
   * (the answer users wait for) goes before `progress` ones (streaming, status lines), and a progress edit
   * whose `stale()` holds when its turn comes is dropped without a call. Resolves false when dropped.
   */
  async update(
    channel: string,
    ts: string,
    text: string,
    blocks?: Block[],
    options: { readonly urgency?: 'final' | 'progress'; readonly stale?: () => boolean } = {},
  ): Promise<boolean> {
    const priority = options.urgency === 'progress' ? PROGRESS_PRIORITY : FINAL_PRIORITY;
    // Tier 3 counts per workspace, not per channel: five busy channels keyed apart ran 5x over the limit.
    return this.groups.updateMs.key('workspace').schedule({ priority }, async () => {
      if (options.stale?.()) return false;
      await this.client.chat.update({
        channel,
        ts,
        text: wellFormed(text),
        ...(blocks ? { blocks } : {}),
      } as webApi.ChatUpdateArguments);
      return true;
    });
  }

  /** Uploads one file into a channel or thread (files.uploadV2); returns the file id. */
  async upload(request: UploadRequest): Promise<string | undefined> {
    const res = await this.groups.uploadMs.key(request.channel).schedule(() =>
      this.client.filesUploadV2({
        channel_id: request.channel,
        ...(request.threadTs ? { thread_ts: request.threadTs } : {}),
        file: Buffer.from(request.bytes),
        filename: request.filename,
        title: request.title,
        alt_text: request.altText,
      } as webApi.FilesUploadV2Arguments),
    );
    return fileIdOf(res);
  }

  /** Uploads a progress preview without sharing it anywhere; image blocks show it by file id. */
  async uploadPreview(bytes: Uint8Array): Promise<string | undefined> {
    const res = await this.groups.uploadMs.key('previews').schedule(() =>
      this.client.filesUploadV2({
        file: Buffer.from(bytes),
        filename: 'preview.png',
        alt_text: 'preview',
      } as webApi.FilesUploadV2Arguments),
    );
    return fileIdOf(res);
  }

  /** One conversations.replies call: a page of the thread within `window`, oldest first. */
  async repliesPage(channel: string, ts: string, window: RepliesWindow, limit: number): Promise<RepliesPage> {
    const res = await this.groups.repliesMs
      .key('all')
      .schedule(() => this.client.conversations.replies({ channel, ts, limit, ...window }));
    const messages: ThreadMessage[] = [];
    for (const m of res.messages ?? []) {
      if (!m.ts) continue;
      messages.push({
        ts: m.ts,
        text: m.text ?? '',
        ...(m.user ? { user: m.user } : {}),
        ...(m.bot_id ? { botId: m.bot_id } : {}),
        files: (m.files ?? []) as SlackFile[],
      });
    }
    const nextCursor = res.response_metadata?.next_cursor || undefined;
    return {
      messages,
      hasMore: res.has_more === true || nextCursor !== undefined,
      ...(nextCursor ? { nextCursor } : {}),
    };
  }

  /** A user's display name (users.info, cached for the process); the id when Slack will not say. */
  async userName(userId: string): Promise<string> {
    const cached = this.names.get(userId);
    if (cached) return cached;
    try {
      const res = await this.groups.usersInfoMs
        .key('all')
        .schedule(() => this.client.users.info({ user: userId }));
      const name = res.user?.profile?.display_name || res.user?.real_name || res.user?.name || userId;
      this.names.set(userId, name);
      return name;
    } catch {
      return userId;
    }
  }

  /** Opens a modal (views.open) for a trigger_id, which Slack honours for 3 seconds. */
  async openView(triggerId: string, view: Record<string, unknown>): Promise<void> {
    await this.groups.viewsOpenMs
      .key('all')
      .schedule(() =>
        this.client.views.open({ trigger_id: triggerId, view } as unknown as webApi.ViewsOpenArguments),
      );
  }

  /**
   * Posts a JSON body to a response_url (slash commands, buttons): paced per URL, retried after 429s and
   * server errors. A URL Slack refuses (expired, used up) is a failure value, not an exception.
   */
  async respond(url: string, body: Record<string, unknown>): Promise<Result<void, RespondFailure>> {
    try {
      await this.groups.responseUrlMs.key(url).schedule(() => postJson(url, body));
      return { ok: true, value: undefined };
    } catch (error) {
      if (error instanceof RetryableResponse || error instanceof RefusedResponse) {
        return {
          ok: false,
          error: {
            reason: error.status ? 'http' : 'network',
            ...(error.status ? { status: error.status } : {}),
          },
        };
      }
      throw error;
    }
  }

  /** Stops the limiters' timers. */
  async close(): Promise<void> {
    for (const group of Object.values(this.groups)) {
      await Promise.all(group.limiters().map(({ limiter }) => limiter.disconnect()));
    }
  }
}

/** The Slack error code of a failed Web API call (`not_in_channel`…), if it is a platform error. */
export function slackErrorCode(error: unknown): string | undefined {
  const data = (error as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/** The Web API base with the trailing slash the WebClient needs (it appends method names to it). */
export function normaliseApiUrl(apiUrl: string): string {
  return apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
}

/** The file id files.uploadV2 reports (one completion per upload, one file in it). */
function fileIdOf(res: unknown): string | undefined {
  return (res as { files?: Array<{ files?: Array<{ id?: string }> }> }).files?.[0]?.files?.[0]?.id;
}
