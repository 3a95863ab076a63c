import type { Logger } from '../../core/logger.js';
import type { Block, SlackApi } from './slack-api.js';
import { splitEscaped } from './text-split.js';

/** What one message piece shows: escaped mrkdwn plus, on the first piece, optional extra blocks. */
interface Shown {
  readonly text: string;
  readonly extra: readonly Block[];
}

/**
 * A reply that grows while it streams: the first `show` posts it, later ones edit it with chat.update.
 * Intermediate states are coalesced (only the newest is sent, at the limiter's pace), so a fast stream
 * costs a handful of edits; `settle` writes the final text, splitting it over several messages when
 * it is longer than one message may hold. Extra blocks (an image preview) ride on the first message.
 */
export class LiveMessage {
  private readonly posted: string[] = [];
  private readonly shown: string[] = [];
  private latest: Shown = { text: '', extra: [] };
  private pump: Promise<void> | undefined;
  /** Set by `settle`: streaming edits still waiting in the limiter are dropped when their turn comes. */
  private settling = false;
  /** The streaming edit being sent right now, if any: the final one must land after it. */
  private sending: Promise<unknown> | undefined;

  constructor(
    private readonly api: SlackApi,
    private readonly channel: string,
    private readonly threadTs: string | undefined,
    private readonly log: Logger,
    private readonly pieceChars: number,
  ) {}

  /** The ts of the first message, once posted. */
  get ts(): string | undefined {
    return this.posted[0];
  }

  /** Shows an intermediate state; returns at once (best effort: failures are logged). */
  show(text: string, extra: readonly Block[] = []): void {
    this.latest = { text, extra };
    this.pump ??= this.drain().finally(() => {
      this.pump = undefined;
    });
  }

  /** Writes the final text and resolves once every piece is posted. Empty text posts nothing. */
  async settle(text: string, extra: readonly Block[] = []): Promise<void> {
    this.latest = { text, extra };
    this.settling = true;
    // Only the first post must exist before the final edit; a queued streaming edit is not waited for.
    if (this.posted.length === 0) await this.pump;
    await this.sending;
    const pieces = splitEscaped(text, this.pieceChars).filter((p) => p.length > 0);
    await this.write(
      pieces.map((p, i) => ({ text: p, extra: i === 0 ? extra : [] })),
      'final',
    );
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const next = this.preview(this.latest);
        if (this.settling || this.shown[0] === key(next)) return;
        await this.write([next], 'progress');
      }
    } catch (error) {
      this.log.warn({ err: String(error) }, 'streaming edit failed; the final text will still be written');
    }
  }

  /** While streaming only the first piece is shown, with an ellipsis when more is coming. */
  private preview(state: Shown): Shown {
    const pieces = splitEscaped(state.text, this.pieceChars - 2);
    const first = pieces[0] ?? '';
    return { text: pieces.length > 1 ? `${first} …` : first, extra: state.extra };
  }

  private async write(pieces: readonly Shown[], urgency: 'final' | 'progress'): Promise<void> {
    for (const [i, piece] of pieces.entries()) {
      if (piece.text.length === 0 || this.shown[i] === key(piece)) continue;
      const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: piece.text } }, ...piece.extra];
      const ts = this.posted[i];
      if (!ts) this.posted.push(await this.api.post(this.channel, piece.text, blocks, this.threadTs));
      else if (urgency === 'final') await this.api.update(this.channel, ts, piece.text, blocks);
      else {
        let sent: (v: unknown) => void = () => {};
        const stale = () => {
          if (this.settling) return true;
          this.sending = new Promise((resolve) => {
            sent = resolve;
          });
          return false;
        };
        try {
          if (!(await this.api.update(this.channel, ts, piece.text, blocks, { urgency, stale }))) return;
          this.shown[i] = key(piece);
        } finally {
          // Released only once `shown` is up to date, so the final edit sees what is on screen.
          sent(undefined);
        }
        continue;
      }
      this.shown[i] = key(piece);
    }
  }
}

const key = (s: Shown): string => `${s.text}\u0000${JSON.stringify(s.extra)}`;
