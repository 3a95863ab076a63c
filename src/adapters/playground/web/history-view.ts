import type { Conversation } from '../../../core/conversation.js';
import type { MediaIndex, MediaView } from './media-index.js';

/** One turn as the page shows it. */
export interface TurnView {
  readonly role: 'user' | 'assistant';
  readonly text: string;
  readonly media: readonly MediaView[];
  readonly createdAt: number;
}

/**
 * Task spans and markers in stored assistant text. Display only: the stored text is the model's raw
 * output, and the page shows what streaming showed (the words around the tasks), never the tags.
 */
const TASK_SPAN = /<(gen|edit|video_cap|vid_cap|audio_cap|aud_cap)>[\s\S]*?<\/\1>|\[SEG\]/g;

/** The page's view of a stored conversation; its media become servable. */
export function historyView(conversation: Conversation, index: MediaIndex): TurnView[] {
  return conversation.turns.map((turn) => ({
    role: turn.role,
    text:
      turn.role === 'assistant'
        ? turn.text
            .replace(TASK_SPAN, '')
            .replace(/[ \t]{2,}/g, ' ')
            .trim()
        : turn.text,
    media: turn.media.map((ref) => index.remember(ref)),
    createdAt: turn.createdAt,
  }));
}
