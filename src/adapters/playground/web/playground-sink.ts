import type { Notice, OutgoingMedia, ProgressUpdate, ReplySink } from '../../../core/reply-sink.js';
import type { MediaIndex } from './media-index.js';
import type { EventWriter } from './sse-stream.js';
import { noticeText, progressText } from './texts.js';

/** Step previews larger than this are dropped rather than pushed through the event stream. */
const MAX_PREVIEW_BYTES = 256 * 1024;

/**
 * The ReplySink of one playground turn: every call becomes one event on the turn's stream. The page
 * renders them (streamed text, progress bars, inline media with buttons); text comes from texts.ts.
 */
export class PlaygroundSink implements ReplySink {
  constructor(
    private readonly out: EventWriter,
    private readonly index: MediaIndex,
  ) {}

  async typing(): Promise<void> {
    this.out.send('typing', {});
  }

  async text(text: string, final: boolean): Promise<void> {
    this.out.send('text', { text, final });
  }

  async media(item: OutgoingMedia): Promise<void> {
    const view = this.index.rememberProduced(item.mediaId, {
      mime: item.mime,
      filename: item.filename,
      size: item.bytes.byteLength,
    });
    this.out.send('media', {
      ...view,
      task: item.kind,
      prompt: item.prompt,
      altText: item.altText,
      seed: item.seed,
    });
  }

  async progress(update: ProgressUpdate): Promise<void> {
    const preview =
      update.preview && update.preview.byteLength <= MAX_PREVIEW_BYTES
        ? `data:image/png;base64,${Buffer.from(update.preview).toString('base64')}`
        : undefined;
    this.out.send('progress', {
      task: update.kind,
      phase: update.phase,
      label: progressText(update),
      ...(update.step === undefined ? {} : { step: update.step }),
      ...(update.totalSteps === undefined ? {} : { totalSteps: update.totalSteps }),
      ...(update.queuePosition === undefined ? {} : { queuePosition: update.queuePosition }),
      ...(preview ? { preview } : {}),
    });
  }

  async notice(notice: Notice): Promise<void> {
    this.out.send('notice', {
      code: notice.code,
      text: noticeText(notice),
      ...(notice.kind ? { task: notice.kind } : {}),
    });
  }
}
