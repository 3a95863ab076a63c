import type { Logger } from '../../core/logger.js';
import type { ProgressUpdate } from '../../core/reply-sink.js';
import { LiveMessage } from './live-message.js';
import type { Block, SlackApi } from './slack-api.js';
import { progressText } from './texts.js';

/**
 * The status message of one running job: queue position and step %, edited in place, with the latest
 * preview image when the task offers one. Previews are uploaded unshared and shown by file id; while one
 * uploads, newer ones replace the waiting one, so a fast sampler costs a few uploads, not one per step.
 */
export class JobStatus {
  private readonly message: LiveMessage;
  private text = '';
  private previewBlocks: Block[] = [];
  private waitingPreview: Uint8Array | undefined;
  private previewPump: Promise<void> | undefined;

  constructor(
    private readonly api: SlackApi,
    channel: string,
    threadTs: string | undefined,
    private readonly log: Logger,
    pieceChars: number,
  ) {
    this.message = new LiveMessage(api, channel, threadTs, log, pieceChars);
  }

  /** Shows a queued/running update (returns at once). */
  update(update: ProgressUpdate): void {
    this.text = progressText(update);
    this.message.show(this.text, this.previewBlocks);
    if (update.preview) {
      this.waitingPreview = update.preview;
      this.previewPump ??= this.uploadPreviews().finally(() => {
        this.previewPump = undefined;
      });
    }
  }

  /** Writes the final state (done/failed); the preview gives way to the posted result. */
  async finish(update: ProgressUpdate): Promise<void> {
    this.waitingPreview = undefined;
    await this.previewPump;
    await this.message.settle(progressText(update));
  }

  private async uploadPreviews(): Promise<void> {
    try {
      for (let bytes = this.waitingPreview; bytes; bytes = this.waitingPreview) {
        this.waitingPreview = undefined;
        const fileId = await this.api.uploadPreview(bytes);
        if (!fileId) return;
        this.previewBlocks = [{ type: 'image', slack_file: { id: fileId }, alt_text: 'preview' }];
        this.message.show(this.text, this.previewBlocks);
      }
    } catch (error) {
      this.log.warn({ err: String(error) }, 'preview upload failed; progress goes on without it');
    }
  }
}
