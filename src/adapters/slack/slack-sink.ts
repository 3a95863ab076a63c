import type { FitMedia } from '../../core/fit-media.js';
import type { Logger } from '../../core/logger.js';
import type { Notice, OutgoingMedia, ProgressUpdate } from '../../core/reply-sink.js';
import { wellFormed } from '../text-safety.js';
import { JobStatus } from './job-status.js';
import { LiveMessage } from './live-message.js';
import type { Block, SlackApi } from './slack-api.js';
import { noticeText } from './texts.js';
import type { TurnSink } from './turn-sink.js';

/** What a SlackSink needs besides where it posts. */
export interface SlackSinkDeps {
  readonly api: SlackApi;
  readonly log: Logger;
  readonly pieceChars: number;
  readonly uploadLimitBytes: number;
  readonly fit: FitMedia;
  /** Blocks (buttons) to post under an uploaded media item; none when it returns undefined. */
  readonly mediaActions?: (item: OutgoingMedia) => Promise<Block[] | undefined>;
}

/**
 * The ReplySink of one Slack message: streams the reply into a message of the thread, uploads media
 * into the same thread, keeps one status message per running job, and posts notices.
 */
export class SlackSink implements TurnSink {
  private readonly reply: LiveMessage;
  private readonly status = new Map<ProgressUpdate['kind'], JobStatus>();
  private readonly pending: Promise<void>[] = [];

  constructor(
    private readonly deps: SlackSinkDeps,
    private readonly channel: string,
    private readonly threadTs: string | undefined,
  ) {
    this.reply = new LiveMessage(deps.api, channel, threadTs, deps.log, deps.pieceChars);
  }

  /** Slack has no typing indicator for bot messages outside assistant threads. */
  async typing(): Promise<void> {}

  async text(raw: string, final: boolean): Promise<void> {
    const text = wellFormed(raw);
    if (final) {
      await Promise.all(this.pending);
      await this.reply.settle(text);
    } else if (text.trim().length > 0) {
      this.reply.show(text);
    }
  }

  async media(item: OutgoingMedia): Promise<void> {
    const fitted = await this.deps.fit(item, this.deps.uploadLimitBytes);
    if (!fitted.ok) {
      await this.notice({ code: 'output_too_large', kind: item.kind });
      return;
    }
    await this.deps.api.upload({
      channel: this.channel,
      ...(this.threadTs ? { threadTs: this.threadTs } : {}),
      filename: fitted.value.filename,
      title: item.altText.slice(0, 250) || fitted.value.filename,
      altText: item.altText.slice(0, 1000),
      bytes: fitted.value.bytes,
    });
    const blocks = await this.deps.mediaActions?.(item);
    if (blocks) await this.deps.api.post(this.channel, 'What next?', blocks, this.threadTs);
  }

  async progress(update: ProgressUpdate): Promise<void> {
    let status = this.status.get(update.kind);
    if (!status) {
      const { api, log, pieceChars } = this.deps;
      status = new JobStatus(api, this.channel, this.threadTs, log, pieceChars);
      this.status.set(update.kind, status);
    }
    if (update.phase === 'done' || update.phase === 'failed') {
      // The final status must land; the final reply text waits for it.
      this.status.delete(update.kind);
      this.pending.push(
        status
          .finish(update)
          .catch((error: unknown) => this.deps.log.warn({ err: String(error) }, 'status update failed')),
      );
    } else {
      status.update(update);
    }
  }

  async notice(notice: Notice): Promise<void> {
    await this.deps.api.post(this.channel, noticeText(notice), undefined, this.threadTs);
  }

  /** Waits for the final job statuses (they are written off the reply's path). */
  async close(): Promise<void> {
    await Promise.all(this.pending);
  }
}
