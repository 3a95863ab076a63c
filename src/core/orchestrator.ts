import type { Engine, EngineImage, EngineTurn, SamplingOptions } from '../engine/engine.js';
import type { TaskKind } from '../engine/protocol/task-kind.js';
import type { TaskRegistry } from '../tasks/task-registry.js';
import { type AccessRules, OPEN_ACCESS } from './access/access-policy.js';
import type { AccessSettings, AccessSettingsView, SettingChange } from './access/access-settings.js';
import { applySetting, type SettingsActor } from './access/admin-settings.js';
import { latestImage, type MediaRef, type Turn } from './conversation.js';
import type { ConversationStore } from './conversation-store.js';
import { type ErrorCode, fail, type Result, toFailure, userCodeOf } from './errors.js';
import type { ImageCheck } from './image-check.js';
import { ingestAttachments } from './ingest.js';
import { jobProgress } from './job-progress.js';
import { FairScheduler } from './jobs/fair-scheduler.js';
import type { JobOwner } from './jobs/job.js';
import type { JobScheduler } from './jobs/job-scheduler.js';
import type { Logger } from './logger.js';
import type { MediaStore } from './media-store.js';
import type { IncomingMessage } from './message.js';
import type { Quotas } from './quotas/quotas.js';
import type { ReplySink } from './reply-sink.js';
import type { AuditLog } from './safety/audit-log.js';
import type { OutputCheck } from './safety/output-check.js';
import type { PromptPolicy } from './safety/prompt-policy.js';
import { dispatchTask, NEEDS_IMAGE, type TaskReport, type TurnScope } from './task-dispatch.js';
import { admitTurn } from './turn-admission.js';

export type { TaskReport } from './task-dispatch.js';

/** Everything the Orchestrator needs, injected by the composition root. */
export interface OrchestratorDeps {
  readonly engine: Engine;
  readonly tasks: TaskRegistry;
  readonly store: ConversationStore;
  readonly media: MediaStore;
  readonly checkImage: ImageCheck;
  readonly sampling: Omit<SamplingOptions, 'seed'>;
  readonly taskTimeoutMs: number;
  /** Largest user attachment accepted, in bytes. */
  readonly maxAttachmentBytes: number;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly randomSeed?: () => number;
  /** Run-time limit of one reply (the chat job); the scheduler's default when absent. */
  readonly requestTimeoutMs?: number;
  /** Shared by every platform; a private one-slot scheduler when absent. */
  readonly scheduler?: JobScheduler;
  /** Compute budgets; no limits when absent. */
  readonly quotas?: Quotas;
  /** Applied to user text and to task prompts the model writes; none when absent. */
  readonly policy?: PromptPolicy;
  /** Who may use the bot on the platforms; everyone when absent. */
  readonly access?: AccessRules;
  /** What admins changed from the chat (`/settings`); settings commands are refused when absent. */
  readonly settings?: AccessSettings;
  /** Receives one record per media job and per refused task prompt. */
  readonly audit?: AuditLog;
  /** Runs on every produced image before it is stored and posted. */
  readonly checkOutput?: OutputCheck;
  /** Failures that are not scheduler jobs' (refusals); the composition root counts them. */
  readonly onError?: (code: ErrorCode) => void;
  /** Which model a task kind runs on, for the audit log. */
  readonly modelOf?: (kind: TaskKind) => string;
  /** Which scheduler resource a job kind runs on (a remote LLM has its own); the default otherwise. */
  readonly resourceOf?: (kind: 'chat' | TaskKind) => string | undefined;
}

/** What one handled message came to (the CLI prints it as JSON). */
export interface TurnReport {
  readonly reply: string;
  readonly tasks: readonly TaskReport[];
  readonly error?: ErrorCode;
}

/** Engine failures the user can act on keep their code; anything else is `engine_failed`. */
const PASS_THROUGH: ReadonlySet<ErrorCode> = new Set([
  'cancelled',
  'timeout',
  'input_too_large',
  'rate_limited',
]);

/**
 * The platform-neutral heart: checks the user's text against the prompt policy and their quota,
 * loads the conversation, runs the engine as a scheduler job, dispatches task calls to their runners
 * as jobs, streams text and media to the ReplySink, and stores both turns.
 */
export class Orchestrator {
  private readonly now: () => number;
  private readonly randomSeed: () => number;
  private readonly scheduler: JobScheduler;
  /** Turns in flight per conversation, so Cancel and `/reset` can stop them. */
  private readonly running = new Map<string, Set<AbortController>>();

  constructor(private readonly deps: OrchestratorDeps) {
    this.now = deps.now ?? Date.now;
    this.randomSeed = deps.randomSeed ?? (() => Math.floor(Math.random() * 2 ** 31));
    this.scheduler = deps.scheduler ?? new FairScheduler({ resources: { default: 1 } });
  }

  /** Handles one incoming message end to end. Never throws for expected failures. */
  async handle(message: IncomingMessage, sink: ReplySink, signal?: AbortSignal): Promise<TurnReport> {
    const owner: JobOwner = {
      platform: message.platform,
      ...(message.workspaceId === undefined ? {} : { workspaceId: message.workspaceId }),
      userId: message.author.id,
    };
    const admitted = await admitTurn(this.deps, message, owner, sink);
    if (!admitted.ok) return { reply: '', tasks: [], error: admitted.error };
    const { text, ticket } = admitted.value;
    const controller = new AbortController();
    const turnSignal = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
    const id = message.conversationId;
    const set = this.running.get(id) ?? new Set();
    set.add(controller);
    this.running.set(id, set);
    try {
      return await this.runTurn(message, text, {
        message,
        owner,
        ticket,
        sink,
        signal: turnSignal,
        baseSeed: message.seed ?? this.randomSeed(),
      });
    } finally {
      ticket.release();
      set.delete(controller);
      if (set.size === 0) this.running.delete(id);
    }
  }

  /**
   * Stops every turn and job of a conversation (the Cancel button, `/reset`): queued jobs leave the
   * queue, running ones are aborted. Returns how many turns and jobs were stopped.
   */
  cancel(conversationId: string): number {
    const turns = [...(this.running.get(conversationId) ?? [])];
    for (const controller of turns) controller.abort();
    return turns.length + this.scheduler.cancelWhere((job) => job.conversationId === conversationId);
  }

  /** An admin's `/settings` change (or `show`); returns the settings now in force. */
  configure(actor: SettingsActor, change: SettingChange): Result<AccessSettingsView> {
    const { settings } = this.deps;
    if (!settings) return fail('task_not_configured', 'no settings store', { reason: 'settings' });
    const result = applySetting(this.deps.access ?? OPEN_ACCESS, settings, actor, change);
    this.deps.logger.info(
      { actor: actor.userId, platform: actor.platform, change, ok: result.ok },
      'settings change',
    );
    return result;
  }

  private async runTurn(message: IncomingMessage, text: string, turn: TurnScope): Promise<TurnReport> {
    const { store, logger } = this.deps;
    const { sink, signal } = turn;
    const log = logger.child({ conversation: message.conversationId, message: message.messageId });
    const conversation = await store.load(message.conversationId);
    const ingestOptions = { ...this.deps, sink, signal };
    const attached = await ingestAttachments(message.attachments, ingestOptions);
    const repliedTo = message.replyTo
      ? await ingestAttachments(message.replyTo.attachments, ingestOptions)
      : [];
    const userTurn: Turn = {
      role: 'user',
      text,
      media: attached,
      messageId: message.messageId,
      authorId: message.author.id,
      createdAt: this.now(),
    };
    // A turn retried after a restart finds its user turn already stored: answer it without a copy.
    const stored = conversation.turns.findIndex(
      (t) => t.role === 'user' && t.messageId !== undefined && t.messageId === message.messageId,
    );
    const history = stored === -1 ? conversation.turns : conversation.turns.slice(0, stored);
    if (stored === -1) await store.append(message.conversationId, userTurn);
    else log.info('retrying a stored turn');

    const turns = [...history, userTurn];
    const produced: MediaRef[] = [];
    const reports: TaskReport[] = [];
    const explicit = attached.find((m) => m.kind === 'image') ?? repliedTo.find((m) => m.kind === 'image');
    const refersTo = (kind: TaskKind): MediaRef | undefined => {
      // Video animates an image only when the user points at one (Animate button, attachment).
      if (kind === 'video_generation') return explicit;
      if (!NEEDS_IMAGE.has(kind)) return undefined;
      return (
        explicit ?? latestImage([...turns, { role: 'assistant', text: '', media: produced, createdAt: 0 }])
      );
    };
    const dispatchDeps = { ...this.deps, scheduler: this.scheduler, now: this.now };

    let visible = '';
    let raw = '';
    let chain: Promise<void> = Promise.resolve();
    const resource = this.deps.resourceOf?.('chat');
    const chat = this.scheduler.submit({
      owner: turn.owner,
      kind: 'chat',
      conversationId: message.conversationId,
      signal,
      ...(resource ? { resource } : {}),
      ...(this.deps.requestTimeoutMs ? { timeoutMs: this.deps.requestTimeoutMs } : {}),
      onEvent: jobProgress('chat', sink, logger),
      run: async (jobSignal) => {
        // Not awaited: a rate-limited typing call must not hold the device slot.
        sink.typing().catch((error: unknown) => log.warn({ err: String(error) }, 'typing failed'));
        const context = {
          turns: await Promise.all(turns.map((t) => this.toEngineTurn(t))),
          sampling: { ...this.deps.sampling, seed: turn.baseSeed },
          ...(message.forcedTask ? { forcedTask: message.forcedTask } : {}),
        };
        for await (const event of this.deps.engine.respond(context, jobSignal)) {
          if (event.type === 'text') {
            visible += event.delta;
            await sink.text(visible, false);
          } else if (event.type === 'task') {
            const call = event.call;
            // Tasks run one after another, in reply order, while the model keeps writing; the run must
            // not wait for them (with one device slot the task jobs queue behind this one).
            chain = chain.then(async () => {
              const report = await dispatchTask(dispatchDeps, call, refersTo(call.kind), turn);
              produced.push(...report.media);
              reports.push(report);
            });
          } else if (event.type === 'restart') {
            // The next delta carries the new text from its start; the sink shows full texts, not deltas.
            visible = '';
          } else if (event.type === 'warning') {
            await sink.notice({ code: event.code, kind: event.kind });
          } else {
            raw = event.raw;
            log.info(
              { tokens: event.tokens, firstTokenMs: event.firstTokenMs, finish: event.finishReason },
              'reply',
            );
          }
        }
      },
    });
    const result = await chat.result;
    let failed: ErrorCode | undefined;
    if (result.ok) turn.ticket.charge(result.value.runMs / 1000, 'chat');
    else {
      const failure = result.error;
      failed = PASS_THROUGH.has(failure.code) ? userCodeOf(failure) : 'engine_failed';
      if (failed === 'cancelled' || failed === 'restarting') log.info({ code: failed }, 'reply cancelled');
      else log.error({ code: failure.code, err: failure.message }, 'engine failed');
      await sink.notice({ code: failed });
    }
    await chain.catch(async (error: unknown) => {
      // A bug in a task dispatch must not lose the turn: the text is still stored and sent.
      log.error({ err: toFailure(error).message }, 'task dispatch failed');
      await sink.notice({ code: 'internal' });
    });
    const reply = visible.trim();
    // A model that wrote nothing at all must not leave the user waiting for an answer that never comes.
    if (!failed && reports.length === 0 && reply === '' && raw.trim() === '')
      await sink.notice({ code: 'engine_failed', details: { reason: 'empty_reply' } });
    await sink.text(reply, true);
    await store.append(message.conversationId, {
      role: 'assistant',
      text: raw || reply,
      media: produced,
      createdAt: this.now(),
    });
    return { reply, tasks: reports, ...(failed ? { error: failed } : {}) };
  }

  private async toEngineTurn(turn: Turn): Promise<EngineTurn> {
    const images: EngineImage[] = [];
    for (const ref of turn.media) {
      if (ref.kind !== 'image') continue;
      try {
        images.push({ bytes: await this.deps.media.get(ref), mime: ref.mime });
      } catch {
        this.deps.logger.warn({ sha256: ref.sha256 }, 'stored image is gone; the turn is kept without it');
      }
    }
    return { role: turn.role, text: turn.text, images };
  }
}
