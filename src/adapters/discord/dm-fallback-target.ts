import type { Logger } from '../../core/logger.js';
import { isMissingPermissions } from './discord-errors.js';
import type { OutgoingPayload, PostedMessage, ReplyTarget } from './reply-target.js';

/** What the DM fallback needs besides the place it wraps. */
export interface DmFallback {
  /** Opens the author's DM channel as a target (throws when Discord refuses). */
  readonly openDm: () => Promise<ReplyTarget>;
  /** The one-line note posted in the DM before the answer. */
  readonly note: string;
  /** Told when the place refused a post for a missing permission (the caller logs once per channel). */
  readonly onRefused: (channelId: string) => void;
  readonly logger: Logger;
}

/** Stands in for messages that could not be delivered anywhere: edits and deletes have nothing to do. */
const UNDELIVERED: PostedMessage = { id: '', edit: async () => {}, delete: async () => {} };

/**
 * A channel or thread target that moves to the author's DMs when Discord refuses a text post there
 * with Missing Permissions (no Send Messages): the DM gets a one-line note, then the rest of the answer.
 * A refused upload is not moved (that is Attach Files, which the sink reports in text). When the DM
 * is refused too, it logs and swallows the rest of the turn rather than failing it.
 */
export class DmFallbackTarget implements ReplyTarget {
  private dm: ReplyTarget | undefined;
  private gaveUp = false;

  constructor(
    private readonly place: ReplyTarget,
    private readonly fallback: DmFallback,
  ) {}

  get channelId(): string {
    return this.place.channelId;
  }

  get uploadLimit(): number {
    return (this.dm ?? this.place).uploadLimit;
  }

  async post(payload: OutgoingPayload): Promise<PostedMessage> {
    if (this.gaveUp) return UNDELIVERED;
    if (this.dm) return this.dm.post(payload);
    try {
      return await this.place.post(payload);
    } catch (error) {
      if (!isMissingPermissions(error) || (payload.files?.length ?? 0) > 0) throw error;
      this.fallback.onRefused(this.place.channelId);
      return this.moveToDm(payload);
    }
  }

  async typing(): Promise<void> {
    if (this.gaveUp) return;
    if (this.dm) return this.dm.typing();
    // Without Send Messages typing is refused too; the first post finds out and moves to the DM.
    await this.place.typing().catch((error: unknown) => {
      if (!isMissingPermissions(error)) throw error;
    });
  }

  async settleEmpty(): Promise<void> {
    await (this.dm ?? this.place).settleEmpty();
  }

  private async moveToDm(payload: OutgoingPayload): Promise<PostedMessage> {
    try {
      const dm = await this.fallback.openDm();
      await dm.post({ content: this.fallback.note });
      this.dm = dm;
      return await dm.post(payload);
    } catch (error) {
      this.gaveUp = true;
      this.fallback.logger.warn(
        { channel: this.place.channelId, err: error instanceof Error ? error.message : String(error) },
        'cannot answer by DM either; this answer is dropped',
      );
      return UNDELIVERED;
    }
  }
}
