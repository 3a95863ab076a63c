import type { OutgoingPayload, PostedMessage, ReplyTarget } from './reply-target.js';

/**
 * A ReplyTarget that tells the journal every message it posts, and on a retried turn reuses the first
 * message the interrupted attempt posted: the half-streamed reply becomes the answer instead of
 * lingering above it.
 */
export class JournaledTarget implements ReplyTarget {
  constructor(
    private readonly inner: ReplyTarget,
    private readonly onPosted: (channelId: string, id: string) => void,
    private adopt?: PostedMessage,
  ) {}

  get channelId(): string {
    return this.inner.channelId;
  }

  get uploadLimit(): number {
    return this.inner.uploadLimit;
  }

  async post(payload: OutgoingPayload): Promise<PostedMessage> {
    const reused = this.adopt;
    this.adopt = undefined;
    if (reused) {
      const edited = await reused
        .edit({ content: '', components: [], attachments: [], ...payload })
        .then(() => true)
        .catch(() => false);
      // Gone (deleted by someone) or not editable: post a new one.
      if (edited) {
        this.onPosted(this.channelId, reused.id);
        return reused;
      }
    }
    const message = await this.inner.post(payload);
    this.onPosted(this.channelId, message.id);
    return message;
  }

  typing(): Promise<void> {
    return this.inner.typing();
  }

  settleEmpty(): Promise<void> {
    return this.inner.settleEmpty();
  }
}
