import type { Notice, OutgoingMedia, ProgressUpdate, ReplySink } from '../../src/core/reply-sink.js';

/** A ReplySink that records everything, in order. */
export class RecordingSink implements ReplySink {
  readonly events: Array<
    | { type: 'typing' }
    | { type: 'text'; text: string; final: boolean }
    | { type: 'media'; item: OutgoingMedia }
    | { type: 'progress'; update: ProgressUpdate }
    | { type: 'notice'; notice: Notice }
  > = [];

  async typing(): Promise<void> {
    this.events.push({ type: 'typing' });
  }
  async text(text: string, final: boolean): Promise<void> {
    this.events.push({ type: 'text', text, final });
  }
  async media(item: OutgoingMedia): Promise<void> {
    this.events.push({ type: 'media', item });
  }
  async progress(update: ProgressUpdate): Promise<void> {
    this.events.push({ type: 'progress', update });
  }
  async notice(notice: Notice): Promise<void> {
    this.events.push({ type: 'notice', notice });
  }

  /** The final text, if one was sent. */
  finalText(): string | undefined {
    const last = this.events.findLast((e) => e.type === 'text' && e.final);
    return last?.type === 'text' ? last.text : undefined;
  }
  /** Notices sent, by code. */
  notices(): string[] {
    return this.events.flatMap((e) => (e.type === 'notice' ? [e.notice.code] : []));
  }
  /** Media posted. */
  postedMedia(): OutgoingMedia[] {
    return this.events.flatMap((e) => (e.type === 'media' ? [e.item] : []));
  }
}
