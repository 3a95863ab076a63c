import type { webApi } from '@slack/bolt';
import Bottleneck from 'bottleneck';

/** Minimum spacing between calls, per method (and per channel where Slack limits per channel). */
export interface SlackPacing {
  /** chat.postMessage: Slack allows about one message per second per channel. */
  readonly postMessageMs: number;
  /** chat.update: Tier 3 (~50/min); streaming edits are coalesced to this pace. */
  readonly updateMs: number;
  /** files.uploadV2 (three calls each). */
  readonly uploadMs: number;
  /** conversations.replies: may be limited to about 1/min for non-Marketplace apps. */
  readonly repliesMs: number;
}

/** Production pacing. */
export const DEFAULT_PACING = {
  postMessageMs: 1_000,
  updateMs: 1_200,
  uploadMs: 1_000,
  repliesMs: 1_000,
} as const satisfies SlackPacing;

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
 * so a limited call is late, never lost.
 */
export class SlackApi {
  private readonly groups: Record<keyof SlackPacing, Bottleneck.Group>;
  private readonly names = new Map<string, string>();

  constructor(
    private readonly client: webApi.WebClient,
    pacing: SlackPacing = DEFAULT_PACING,
  ) {
    const group = (minTime: number) => new Bottleneck.Group({ maxConcurrent: 1, minTime });
    this.groups = {
      postMessageMs: group(pacing.postMessageMs),
      updateMs: group(pacing.updateMs),
      uploadMs: group(pacing.uploadMs),
      repliesMs: group(pacing.repliesMs),
    };
  }

  /** Posts a message; returns its ts. */
  async post(channel: string, text: string, blocks?: Block[], threadTs?: string): Promise<string> {
    const res = await this.groups.postMessageMs.key(channel).schedule(() =>
      this.client.chat.postMessage({
        channel,
        text,
        ...(blocks ? { blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      } as webApi.ChatPostMessageArguments),
    );
    if (!res.ts) throw new Error('chat.postMessage returned no ts');
    return res.ts;
  }

  /** Replaces a message's text and blocks. */
  async update(channel: string, ts: string, text: string, blocks?: Block[]): Promise<void> {
    await this.groups.updateMs.key(channel).schedule(() =>
      this.client.chat.update({
        channel,
        ts,
        text,
        ...(blocks ? { blocks } : {}),
      } as webApi.ChatUpdateArguments),
    );
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

  /** Reads a whole thread, oldest first, at most `maxPages` pages of `pageSize`. */
  async replies(channel: string, ts: string, pageSize: number, maxPages: number): Promise<ThreadMessage[]> {
    const out: ThreadMessage[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const res = await this.groups.repliesMs.key('all').schedule(() =>
        this.client.conversations.replies({
          channel,
          ts,
          limit: pageSize,
          ...(cursor ? { cursor } : {}),
        }),
      );
      for (const m of res.messages ?? []) {
        if (!m.ts) continue;
        out.push({
          ts: m.ts,
          text: m.text ?? '',
          ...(m.user ? { user: m.user } : {}),
          ...(m.bot_id ? { botId: m.bot_id } : {}),
          files: (m.files ?? []) as SlackFile[],
        });
      }
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    return out;
  }

  /** A user's display name (users.info, cached for the process); the id when Slack will not say. */
  async userName(userId: string): Promise<string> {
    const cached = this.names.get(userId);
    if (cached) return cached;
    try {
      const res = await this.client.users.info({ user: userId });
      const name = res.user?.profile?.display_name || res.user?.real_name || res.user?.name || userId;
      this.names.set(userId, name);
      return name;
    } catch {
      return userId;
    }
  }

  /** Stops the limiters' timers. */
  async close(): Promise<void> {
    for (const group of Object.values(this.groups)) {
      await Promise.all(group.limiters().map(({ limiter }) => limiter.disconnect()));
    }
  }
}

/** The Web API base with the trailing slash the WebClient needs (it appends method names to it). */
export function normaliseApiUrl(apiUrl: string): string {
  return apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
}

/** The file id files.uploadV2 reports (one completion per upload, one file in it). */
function fileIdOf(res: unknown): string | undefined {
  return (res as { files?: Array<{ files?: Array<{ id?: string }> }> }).files?.[0]?.files?.[0]?.id;
}
