import type { TaskKind } from '../../engine/protocol/task-kind.js';
import type { ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Platform } from '../message.js';

/** One audited media job (or a refused prompt): who asked for what, with which model and seed. */
export interface AuditRecord {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly event: 'media_job' | 'prompt_refused';
  readonly jobId?: string;
  readonly platform: Platform;
  readonly workspaceId?: string;
  readonly userId: string;
  readonly conversationId: string;
  readonly messageId: string;
  readonly kind: TaskKind;
  /** The prompt as the task received it (after cleaning); for refusals, as the model wrote it. */
  readonly prompt: string;
  /** Which model ran (the bundle manifest's id or file of the task model). */
  readonly model: string;
  readonly seed?: number;
  readonly outcome: 'ok' | ErrorCode;
  /** For refusals: the rule or limit that refused it. */
  readonly rule?: string;
  readonly computeSeconds?: number;
  /** sha256 of every file produced. */
  readonly media?: readonly string[];
}

/** Where audit records go. Writing must not fail the job: implementations swallow their own errors. */
export interface AuditLog {
  record(entry: AuditRecord): void;
}

/** Writes audit records as pino lines tagged `audit: true`, so log shipping can route them apart. */
export class LoggerAuditLog implements AuditLog {
  private readonly log: Logger;

  constructor(logger: Logger) {
    this.log = logger.child({ audit: true });
  }

  record(entry: AuditRecord): void {
    this.log.info({ record: entry }, 'audit');
  }
}

/** Keeps the newest records in memory (tests, an admin view); oldest dropped past `capacity`. */
export class MemoryAuditLog implements AuditLog {
  private readonly items: AuditRecord[] = [];

  constructor(private readonly capacity = 1_000) {}

  record(entry: AuditRecord): void {
    this.items.push(entry);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
  }

  /** Records, oldest first. */
  get records(): readonly AuditRecord[] {
    return this.items;
  }
}
