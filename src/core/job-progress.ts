import type { JobEvent, JobKind } from './jobs/job.js';
import type { Logger } from './logger.js';
import type { ProgressUpdate, ReplySink } from './reply-sink.js';

/**
 * Turns scheduler events of one job into ReplySink progress: the queue position (only when it
 * changes) with its ETA, then `running` step 0 for tasks. A chat reply shows no progress bar once it
 * starts (the adapter shows typing); a "queued" status it showed is closed with `done`, or `failed`
 * when the reply never started.
 *
 * The scheduler calls `onEvent` synchronously and it must not throw, so sink calls are fired here and
 * their failures logged; the RecordingSink-style sinks still see them in order.
 */
export function jobProgress(kind: JobKind, sink: ReplySink, logger: Logger): (event: JobEvent) => void {
  let position: number | undefined;
  let started = false;
  const send = (update: ProgressUpdate): void => {
    sink
      .progress(update)
      .catch((error: unknown) => logger.warn({ err: String(error), kind }, 'progress update failed'));
  };
  return (event) => {
    if (event.type === 'queued') {
      if (event.position === position) return;
      position = event.position;
      send({ kind, phase: 'queued', queuePosition: event.position, etaMs: event.etaMs });
    } else if (event.type === 'started') {
      started = true;
      if (kind !== 'chat') send({ kind, phase: 'running', step: 0 });
      else if (position !== undefined) send({ kind, phase: 'done' });
    } else if (kind === 'chat' && !started && position !== undefined) {
      send({ kind, phase: 'failed' });
    }
  };
}
