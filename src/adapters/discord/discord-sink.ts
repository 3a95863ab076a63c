import type Bottleneck from 'bottleneck';
import { ActionRowBuilder, AttachmentBuilder, ButtonBuilder, ButtonStyle, DiscordAPIError } from 'discord.js';
import type { FitMedia } from '../../core/fit-media.js';
import type { Logger } from '../../core/logger.js';
import type { Notice, OutgoingMedia, ProgressUpdate, ReplySink } from '../../core/reply-sink.js';
import { encodeCustomId } from './custom-ids.js';
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
}

/** Discord's "Request entity too large". */
const TOO_LARGE = 40005;
/** Discord's "Missing Permissions". */
const MISSING_PERMISSIONS = 50013;

/** The buttons under a generated image; their ids name only the stored media. */
function mediaButtons(mediaId: string): ActionRowBuilder<ButtonBuilder> {
  const button = (action: 'regen' | 'edit' | 'seg' | 'anim', label: string) =>
    new ButtonBuilder()
      .setCustomId(encodeCustomId(action, mediaId))
      .setLabel(label)
      .setStyle(ButtonStyle.Secondary);
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    button('regen', TEXT.buttons.regenerate),
    button('edit', TEXT.buttons.edit),
    button('seg', TEXT.buttons.segment),
    button('anim', TEXT.buttons.animate),
  );
}

/**
 * The ReplySink of one Discord turn. Everything it posts goes through one ordered queue, so text,
 * media and notices arrive in the order the core produced them; streamed text is coalesced (the
 * latest text wins) and paced by the per-channel limiter, split at 2,000 characters.
 */
export class DiscordReplySink implements ReplySink {
  private latest = '';
  private renderQueued = false;
  private readonly parts: Array<{ message: PostedMessage; content: string }> = [];
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
    this.latest = text;
    if (!this.renderQueued) {
      this.renderQueued = true;
      this.enqueue(() =>
        this.deps.limiter.schedule(() => {
          this.renderQueued = false;
          return this.render();
        }),
      );
    }
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

  /** Waits for everything queued; answers an interaction that would otherwise stay "thinking". */
  async close(): Promise<void> {
    await this.queue;
    if (this.postedCount === 0) await this.target.settleEmpty();
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
    for (const [i, chunk] of chunks.entries()) {
      const part = this.parts[i];
      if (!part) this.parts.push({ message: await this.post({ content: chunk }), content: chunk });
      else if (part.content !== chunk) {
        await part.message.edit({ content: chunk });
        part.content = chunk;
      }
    }
    // The final text is trimmed and may need fewer parts than the stream did.
    for (const extra of this.parts.splice(chunks.length)) await extra.message.delete();
  }

  private async postMedia(item: OutgoingMedia): Promise<void> {
    const limit = this.target.uploadLimit;
    const fitted = await this.deps.fit(item, limit);
    if (!fitted.ok) {
      await this.post({
        content: noticeText({ code: 'output_too_large', kind: item.kind, details: { limit } }),
      });
      return;
    }
    const file = new AttachmentBuilder(Buffer.from(fitted.value.bytes), {
      name: fitted.value.filename,
      description: item.altText.slice(0, 1024),
    });
    const isImage = fitted.value.mime.startsWith('image/');
    try {
      await this.post({ files: [file], ...(isImage ? { components: [mediaButtons(item.mediaId)] } : {}) });
    } catch (error) {
      if (error instanceof DiscordAPIError && error.code === MISSING_PERMISSIONS) {
        // Usually a missing Attach Files permission: say so in text rather than fail silently.
        this.warn(error, 'cannot attach files here (missing permission)');
        await this.post({ content: TEXT.cannotAttach });
        return;
      }
      if (!(error instanceof DiscordAPIError && error.code === TOO_LARGE)) throw error;
      this.deps.logger.warn({ size: fitted.value.bytes.byteLength, limit }, 'upload refused as too large');
      await this.post({
        content: noticeText({ code: 'output_too_large', kind: item.kind, details: { limit } }),
      });
      return;
    }
    // Remembered so the buttons under this media keep working after a restart.
    this.deps.state.rememberMedia({
      mediaId: item.mediaId,
      kind: item.kind,
      prompt: item.prompt,
      conversationId: this.deps.conversationId,
    });
  }

  private warn(error: unknown, message: string): void {
    this.deps.logger.warn({ err: error instanceof Error ? error.message : String(error) }, message);
  }
}
