import type { ReplySink } from '../../core/reply-sink.js';

/** The sink of one Slack turn: a ReplySink the turn runner closes once the handler is done with it. */
export interface TurnSink extends ReplySink {
  /** Sends whatever is still held back (a buffered answer, a last status); called once, after the turn. */
  close(): Promise<void>;
}
