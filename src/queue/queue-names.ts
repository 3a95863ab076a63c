import type { TaskKind } from '../engine/protocol/task-kind.js';

/** Names of everything the queue backend keeps in Redis, derived from one prefix. */
export interface QueueNames {
  /** The BullMQ prefix (BullMQ's own keys live under `<prefix>:<queue>:…`). */
  readonly prefix: string;
  /** The queue of engine replies. */
  readonly engine: string;
  /** The queue of one task kind (a worker consumes only the kinds it has a runner for). */
  task(kind: TaskKind): string;
  /** The Redis stream a job's events are written to (read with XREAD from its first entry). */
  events(jobId: string): string;
  /** Set when a frontend cancels a job a worker may already hold. */
  cancelKey(jobId: string): string;
  /** Pub/sub channel telling workers which job to abort now. */
  readonly cancelChannel: string;
}

/** The names for a prefix; BullMQ queue names avoid `:` (its key separator). */
export function queueNames(prefix: string): QueueNames {
  return {
    prefix,
    engine: 'llmbind-engine',
    task: (kind) => `llmbind-task-${kind.replaceAll('_', '-')}`,
    events: (jobId) => `${prefix}:events:${jobId}`,
    cancelKey: (jobId) => `${prefix}:cancel:${jobId}`,
    cancelChannel: `${prefix}:cancel`,
  };
}

/** A Redis URL with its password replaced, for logs and errors. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = 'redacted';
    return parsed.toString();
  } catch {
    return '[unparsable redis url]';
  }
}
