import type Bottleneck from 'bottleneck';
import { AttachmentBuilder, DiscordAPIError, HTTPError } from 'discord.js';
import type { FitMedia, FittableMedia } from '../../core/fit-media.js';
import type { Logger } from '../../core/logger.js';
import type { Notice, OutgoingMedia, ProgressUpdate, ReplySink } from '../../core/reply-sink.js';
import { wellFormed } from '../text-safety.js';
import { cancelButton, mediaButtons } from './buttons.js';
import { isMissingPermissions } from './discord-errors.js';
import type { DiscordState } from './discord-state.js';
import type { OutgoingPayload, PostedMessage, ReplyTarget } from './reply-target.js';
import { splitMessage } from './split-message.js';
import { noticeText, progressText, TEXT } from './texts.js';

/** What a sink needs besides its target. */
export interface DiscordSinkDeps {
  /** Per-channel limiter: every post and edit of streamed text and status lines goes through it. */
  readonly limiter: Bottleneck;
  readonly fit: FitMedia;
  readonly state: DiscordState;
  readonly conversationId: string;
  readonly logger: Logger;
  /** Custom id of the Cancel button shown while the turn runs; no button when absent. */
  readonly cancelId?: string;
}

/** Discord's "Request entity too large" (the JSON code; an edge proxy answers a bare HTTP 413). */
const TOO_LARGE = 40005;

/** Whether an upload was refused for its size. */
function isTooLarge(error: unknown): boolean {
  if (error instanceof DiscordAPIError) return error.status === 413 || error.code === TOO_LARGE;
  return error instanceof HTTPError && error.status === 413;
}

/** One posted part of the streamed text, as the platform shows it now. */
interface TextPart {
  readonly message: PostedMessage;
  content: string;
  /** Whether it carries the Cancel button. */
  cancel: boolean;
}

/**
 * The ReplySink of one Discord turn. Everything it posts goes through one ordered queue, so text,
 * media and notices arrive in the order the core produced them; streamed text is coalesced (the
 * latest text wins) and paced by the per-channel limiter, split at 2,000 characters. While the turn
 * runs, the last streamed part and the status line carry a Cancel button; the final text removes it.
 */
export class DiscordReplySink implements ReplySink {
  private latest = '';
  private final = false;
  private renderQueued = false;
  private readonly parts: TextPart[] = [];
  private status: PostedMessage | undefined;
  private statusUpdate: ProgressUpdate | undefined;
  private statusQueued = false;
  private postedCount = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly target: ReplyTarget,
    private readonly deps: DiscordSinkDeps,
  ) {}

  async typing(): Promise<void> {
    await this.target.typing().catch((error: unknown) => this.warn(error, 'typing failed'));
  }

  async text(text: string, final: boolean): Promise<void> {
    this.latest = wellFormed(text);
    this.final ||= final;
    this.queueRender();
    // Streaming must not hold the model back; only the final text is waited for.
    if (final) await this.queue;
  }

  async media(item: OutgoingMedia): Promise<void> {
    await this.enqueue(() => this.postMedia(item));
  }

  async progress(update: ProgressUpdate): Promise<void> {
    if (update.phase === 'done' || update.phase === 'failed') {
      this.statusUpdate = undefined;
      await this.enqueue(async () => {
        const status = this.status;
        this.status = undefined;
        await status?.delete();
      });
      return;
    }
    this.statusUpdate = update;
    if (this.statusQueued) return;
    this.statusQueued = true;
    this.enqueue(() =>
      this.deps.limiter.schedule(async () => {
        this.statusQueued = false;
        const current = this.statusUpdate;
        if (!current) return;
        const payload: OutgoingPayload = {
          content: progressText(current),
          components: this.controls(true),
          ...(current.preview
            ? {
                files: [new AttachmentBuilder(Buffer.from(current.preview), { name: 'preview.png' })],
                attachments: [],
              }
            : {}),
        };
        if (this.status) await this.status.edit(payload);
        else this.status = await this.target.post(payload);
      }),
    );
  }

  async notice(notice: Notice): Promise<void> {
    await this.enqueue(() => this.post({ content: noticeText(notice) }).then(() => undefined));
  }

  /**
   * Waits for everything queued and takes the Cancel button off whatever still shows it; answers an
   * interaction that would otherwise stay "thinking".
   */
  async close(): Promise<void> {
    this.final = true;
    if (this.parts.some((p) => p.cancel)) this.queueRender();
    await this.queue;
    if (this.postedCount === 0) await this.target.settleEmpty();
  }

  /** The Cancel row while the turn runs (`live`), else none: `[]` also removes one shown before. */
  private controls(live: boolean): NonNullable<OutgoingPayload['components']> {
    return live && this.deps.cancelId ? [cancelButton(this.deps.cancelId)] : [];
  }

  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    this.enqueue(() =>
      this.deps.limiter.schedule(() => {
        this.renderQueued = false;
        return this.render();
      }),
    );
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(op).catch((error: unknown) => this.warn(error, 'discord reply step failed'));
    return this.queue;
  }

  private async post(payload: OutgoingPayload): Promise<PostedMessage> {
    const message = await this.target.post(payload);
    this.postedCount += 1;
    return message;
  }

  /** Brings the posted parts in line with the latest text: edits changed parts, posts new ones. */
  private async render(): Promise<void> {
    const chunks = splitMessage(this.latest);
    const withCancel = this.deps.cancelId !== undefined && !this.final ? chunks.length - 1 : -1;
    for (const [i, chunk] of chunks.entries()) {
      const part = this.parts[i];
      const cancel = i === withCancel;
      const payload = { content: chunk, components: this.controls(cancel) };
      if (!part) this.parts.push({ message: await this.post(payload), content: chunk, cancel });
      else if (part.content !== chunk || part.cancel !== cancel) {
        await part.message.edit(payload);
        part.content = chunk;
        part.cancel = cancel;
      }
    }
    // The final text is trimmed and may need fewer parts than the stream did.
    for (const extra of this.parts.splice(chunks.length)) await extra.message.delete();
  }

  /**
   * Fits and uploads one file. When Discord refuses it as too large although it fits the limit the
   * API reported (limits change, proxies differ), it is fitted once more to half that limit and sent
   * again; a second refusal gets the "does not fit" notice.
   */
  private async postMedia(item: OutgoingMedia): Promise<void> {
    const limit = this.target.uploadLimit;
    let outcome: 'sent' | 'too_large' | 'no_permission' = 'too_large';
    for (const [attempt, cap] of [limit, Math.floor(limit / 2)].entries()) {
      const fitted = await this.deps.fit(item, cap);
      if (!fitted.ok) break;
      outcome = await this.upload(item, fitted.value);
      if (outcome !== 'too_large') break;
      this.deps.logger.warn(
        { size: fitted.value.bytes.byteLength, limit, cap },
        attempt === 0 ? 'upload refused as too large; fitting it to half the limit' : 'upload refused again',
      );
    }
    if (outcome === 'too_large') {
      await this.post({
        content: noticeText({ code: 'output_too_large', kind: item.kind, details: { limit } }),
      });
    } else if (outcome === 'no_permission') {
      await this.post({ content: TEXT.cannotAttach });
    } else {
      // Remembered so the buttons under this media keep working after a restart.
      this.deps.state.rememberMedia({
        mediaId: item.mediaId,
        kind: item.kind,
        prompt: item.prompt,
        conversationId: this.deps.conversationId,
      });
    }
  }

  /** One upload attempt; size and permission refusals are outcomes, anything else is thrown. */
  private async upload(
    item: OutgoingMedia,
    media: FittableMedia,
  ): Promise<'sent' | 'too_large' | 'no_permission'> {
    const file = new AttachmentBuilder(Buffer.from(media.bytes), {
      name: media.filename,
      description: item.altText.slice(0, 1024),
    });
    const isImage = media.mime.startsWith('image/');
    try {
      await this.post({ files: [file], ...(isImage ? { components: [mediaButtons(item.mediaId)] } : {}) });
      return 'sent';
    } catch (error) {
      if (isTooLarge(error)) return 'too_large';
      if (!isMissingPermissions(error)) throw error;
      // Usually a missing Attach Files permission: say so in text rather than fail silently.
      this.warn(error, 'cannot attach files here (missing permission)');
      return 'no_permission';
    }
  }

  private warn(error: unknown, message: string): void {
    this.deps.logger.warn({ err: error instanceof Error ? error.message : String(error) }, message);
  }
}
