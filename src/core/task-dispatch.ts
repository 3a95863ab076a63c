import type { TaskCall } from '../engine/engine.js';
import type { TaskKind } from '../engine/protocol/task-kind.js';
import type { TaskOutput } from '../tasks/task.js';
import type { TaskRegistry } from '../tasks/task-registry.js';
import type { MediaRef } from './conversation.js';
import { type ErrorCode, LlmbindError, userCodeOf } from './errors.js';
import { jobProgress } from './job-progress.js';
import type { JobOwner } from './jobs/job.js';
import type { JobScheduler } from './jobs/job-scheduler.js';
import type { Logger } from './logger.js';
import type { MediaStore } from './media-store.js';
import type { IncomingMessage } from './message.js';
import type { QuotaTicket } from './quotas/quotas.js';
import type { ReplySink } from './reply-sink.js';
import type { AuditLog, AuditRecord } from './safety/audit-log.js';
import type { OutputCheck } from './safety/output-check.js';
import type { PromptPolicy } from './safety/prompt-policy.js';

/** What one task call of a reply came to. */
export interface TaskReport {
  readonly kind: TaskKind;
  readonly prompt: string;
  readonly media: readonly MediaRef[];
  readonly error?: ErrorCode;
}

/** The shared services a task run goes through (a subset of the Orchestrator's deps). */
export interface TaskDispatchDeps {
  readonly tasks: TaskRegistry;
  readonly media: MediaStore;
  readonly logger: Logger;
  readonly scheduler: JobScheduler;
  readonly taskTimeoutMs: number;
  readonly now: () => number;
  readonly policy?: PromptPolicy;
  readonly audit?: AuditLog;
  readonly checkOutput?: OutputCheck;
  readonly onError?: (code: ErrorCode) => void;
  readonly modelOf?: (kind: TaskKind) => string;
  readonly resourceOf?: (kind: TaskKind) => string | undefined;
}

/** The turn a task call belongs to. */
export interface TurnScope {
  readonly message: IncomingMessage;
  readonly owner: JobOwner;
  readonly ticket: QuotaTicket;
  readonly sink: ReplySink;
  /** The turn's signal: the caller's, `cancel(conversationId)`, and shutdown. */
  readonly signal: AbortSignal;
  readonly baseSeed: number;
}

/** Tasks that act on an image the turn refers to. */
export const NEEDS_IMAGE: ReadonlySet<TaskKind> = new Set(['image_editing', 'segmentation']);

/**
 * Runs one model-made task call as a scheduler job: prompt policy first (the model can be talked into
 * writing what a user may not), then the queue, the runner, the optional output check, the media store
 * and the sink; every media job is audited.
 */
export async function dispatchTask(
  deps: TaskDispatchDeps,
  call: TaskCall,
  image: MediaRef | undefined,
  turn: TurnScope,
): Promise<TaskReport> {
  const { kind } = call;
  const { sink, message, owner } = turn;
  let prompt = call.prompt;
  const seed = (turn.baseSeed + call.index) % 2 ** 31;
  const report = (error?: ErrorCode, media: MediaRef[] = []): TaskReport => ({
    kind,
    prompt,
    media,
    ...(error ? { error } : {}),
  });
  const audit = (fields: Pick<AuditRecord, 'outcome'> & Partial<AuditRecord>): void =>
    deps.audit?.record({ ...auditBase(deps, turn, kind, prompt, seed), event: 'media_job', ...fields });
  const task = deps.tasks.get(kind);
  if (!task) {
    await sink.notice({ code: 'task_not_configured', kind });
    return report('task_not_configured');
  }
  if (NEEDS_IMAGE.has(kind) && !image) {
    await sink.notice({ code: 'no_image_for_task', kind });
    return report('no_image_for_task');
  }
  const checked = deps.policy?.check(prompt, { from: 'task', kind });
  if (checked && !checked.ok) {
    const { code, details } = checked.error;
    const rule = typeof details?.rule === 'string' ? details.rule : String(details?.reason ?? code);
    deps.audit?.record({
      ...auditBase(deps, turn, kind, prompt, seed),
      event: 'prompt_refused',
      outcome: code,
      rule,
    });
    deps.logger.warn({ kind, code, rule }, 'task prompt refused');
    deps.onError?.(code);
    await sink.notice({ code, kind, ...(details ? { details } : {}) });
    return report(code);
  }
  if (checked) prompt = checked.value;
  const inputImage = image ? { bytes: await deps.media.get(image), mime: image.mime } : undefined;
  const resource = deps.resourceOf?.(kind);
  const job = deps.scheduler.submit<TaskOutput>({
    owner,
    kind,
    ...(resource ? { resource } : {}),
    conversationId: message.conversationId,
    signal: turn.signal,
    timeoutMs: deps.taskTimeoutMs,
    onEvent: jobProgress(kind, sink, deps.logger),
    run: async (signal) => {
      const result = await task.run(
        {
          kind,
          prompt,
          seed,
          ...(inputImage ? { inputImage } : {}),
          ...(call.segEmbedding ? { segEmbedding: call.segEmbedding } : {}),
        },
        {
          signal,
          onProgress: (p) => {
            sink
              .progress({
                kind,
                phase: 'running',
                step: p.step,
                totalSteps: p.totalSteps,
                ...(p.preview ? { preview: p.preview } : {}),
              })
              .catch((error: unknown) => deps.logger.warn({ err: String(error) }, 'progress update failed'));
          },
        },
      );
      // Thrown so the scheduler records the job's real outcome (metrics, ETA estimates).
      if (!result.ok)
        throw new LlmbindError(result.error.code, result.error.message, { ...result.error.details });
      return result.value;
    },
  });
  const result = await job.result;
  if (!result.ok) {
    const code = userCodeOf(result.error);
    deps.logger.warn({ kind, code, err: result.error.message }, 'task failed');
    audit({ outcome: code, jobId: job.id });
    await sink.progress({ kind, phase: 'failed' });
    await sink.notice({ code, kind });
    return report(code);
  }
  const output = result.value.value;
  turn.ticket.charge(output.computeSeconds, kind);
  const refs: MediaRef[] = [];
  for (const item of output.media) {
    if (deps.checkOutput && item.mime.startsWith('image/')) {
      const verdict = await deps.checkOutput(
        { bytes: item.bytes, mime: item.mime, kind, prompt },
        turn.signal,
      );
      if (!verdict.ok) {
        deps.logger.warn({ kind, err: verdict.error.message }, 'output refused by the output check');
        deps.onError?.('task_failed');
        await sink.notice({ code: 'task_failed', kind, details: { reason: 'output_refused' } });
        continue;
      }
    }
    const ref = await deps.media.put(item.bytes, { mime: item.mime, name: item.filename, producedBy: kind });
    refs.push(ref);
    await sink.media({ ...item, kind, prompt, mediaId: ref.sha256, seed: output.seed });
  }
  audit({
    outcome: 'ok',
    jobId: job.id,
    computeSeconds: output.computeSeconds,
    media: refs.map((r) => r.sha256),
  });
  await sink.progress({ kind, phase: 'done' });
  return report(undefined, refs);
}

/** The fields every audit record of a task call shares. */
function auditBase(
  deps: TaskDispatchDeps,
  turn: TurnScope,
  kind: TaskKind,
  prompt: string,
  seed: number,
): Omit<AuditRecord, 'event' | 'outcome'> {
  const { message, owner } = turn;
  return {
    at: deps.now(),
    platform: message.platform,
    ...(owner.workspaceId === undefined ? {} : { workspaceId: owner.workspaceId }),
    userId: owner.userId,
    conversationId: message.conversationId,
    messageId: message.messageId,
    kind,
    prompt,
    model: deps.modelOf?.(kind) ?? kind,
    seed,
  };
}
