import type { Logger } from '../../core/logger.js';
import type { Notice, OutgoingMedia, ProgressUpdate } from '../../core/reply-sink.js';
import type { TaskKind } from '../../engine/protocol/task-kind.js';
import { wellFormed } from '../text-safety.js';
import type { ResponseUrl } from './response-url.js';
import type { Block } from './slack-api.js';
import { splitEscaped } from './text-split.js';
import { filesNeedInviteText, noticeText } from './texts.js';
import type { TurnSink } from './turn-sink.js';

/** Slack's limit of blocks in one message. */
const BLOCKS_PER_MESSAGE = 50;

/** What a ResponseUrlSink needs. */
export interface ResponseUrlSinkDeps {
  readonly responseUrl: ResponseUrl;
  readonly log: Logger;
  /** Characters per section block. */
  readonly pieceChars: number;
  /** The app's user id, to write `/invite @app` as a mention of the app. */
  readonly botUserId?: string;
}

/**
 * The sink of a slash command the bot cannot answer in the channel (not a member, or a DM between other
 * people): everything goes through the command's response_url, which allows 5 posts in 30 minutes. So
 * nothing streams: the final text, the notices and a line about files (which cannot be uploaded there)
 * go out together in one message.
 *
 * The answer is ephemeral: only the person who typed the command sees it. The channel never invited the
 * app, so its members did not ask to see the bot's output (in a DM between two people, `in_channel` would
 * show it to the other person too), and the invite hint is meant for the invoker alone. Invited, the bot
 * answers in a public thread as usual.
 */
export class ResponseUrlSink implements TurnSink {
  private answer = '';
  private readonly notes: string[] = [];
  private readonly files: TaskKind[] = [];

  constructor(private readonly deps: ResponseUrlSinkDeps) {}

  async typing(): Promise<void> {}

  /** Progress is not shown: every edit would spend one of the URL's five posts. */
  async progress(_update: ProgressUpdate): Promise<void> {}

  async text(text: string, final: boolean): Promise<void> {
    if (!final) return;
    this.answer = wellFormed(text);
    await this.flush();
  }

  async media(item: OutgoingMedia): Promise<void> {
    this.files.push(item.kind);
  }

  async notice(notice: Notice): Promise<void> {
    this.notes.push(noticeText(notice));
  }

  async close(): Promise<void> {
    await this.flush();
  }

  /** Posts what is held back, in as few messages as the block limit allows. */
  private async flush(): Promise<void> {
    const blocks = [
      ...splitEscaped(this.answer, this.deps.pieceChars).filter((p) => p.trim().length > 0),
      ...this.notes,
      ...(this.files.length > 0 ? [filesNeedInviteText(this.files, this.deps.botUserId)] : []),
    ].map((text): Block => ({ type: 'section', text: { type: 'mrkdwn', text } }));
    this.answer = '';
    this.notes.length = 0;
    this.files.length = 0;
    for (let at = 0; at < blocks.length; at += BLOCKS_PER_MESSAGE) {
      const chunk = blocks.slice(at, at + BLOCKS_PER_MESSAGE);
      const first = chunk[0] as { text: { text: string } };
      const sent = await this.deps.responseUrl.post({
        response_type: 'ephemeral',
        text: first.text.text,
        blocks: chunk,
      });
      if (!sent.ok) {
        this.deps.log.warn(
          { ...sent.error, left: blocks.length - at },
          'response_url post failed; answer cut',
        );
        return;
      }
    }
  }
}
