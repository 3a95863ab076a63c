import type { Engine, EngineImage, EngineTurn, SamplingOptions, TaskCall } from '../engine/engine.js';
import type { TaskKind } from '../engine/protocol/task-kind.js';
import type { TaskRegistry } from '../tasks/task-registry.js';
import { latestImage, type MediaRef, type Turn } from './conversation.js';
import type { ConversationStore } from './conversation-store.js';
import { type ErrorCode, toFailure } from './errors.js';
import type { ImageCheck } from './image-check.js';
import { ingestAttachments } from './ingest.js';
import type { Logger } from './logger.js';
import type { MediaStore } from './media-store.js';
import type { IncomingMessage } from './message.js';
import type { ReplySink } from './reply-sink.js';

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
}

/** What one task call of a reply came to. */
export interface TaskReport {
  readonly kind: TaskKind;
  readonly prompt: string;
  readonly media: readonly MediaRef[];
  readonly error?: ErrorCode;
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

/** Tasks that act on an image the turn refers to. */
const NEEDS_IMAGE: ReadonlySet<TaskKind> = new Set(['image_editing', 'segmentation']);

/**
 * The platform-neutral heart: loads the conversation, runs the engine, dispatches task calls to their
 * runners, streams text and media to the ReplySink, and stores both turns.
 */
export class Orchestrator {
  private readonly now: () => number;
  private readonly randomSeed: () => number;

  constructor(private readonly deps: OrchestratorDeps) {
    this.now = deps.now ?? Date.now;
    this.randomSeed = deps.randomSeed ?? (() => Math.floor(Math.random() * 2 ** 31));
  }

  /** Handles one incoming message end to end. Never throws for expected failures. */
  async handle(message: IncomingMessage, sink: ReplySink, signal?: AbortSignal): Promise<TurnReport> {
    const { store, logger } = this.deps;
    const log = logger.child({ conversation: message.conversationId, message: message.messageId });
    const conversation = await store.load(message.conversationId);
    const ingestOptions = { ...this.deps, sink, ...(signal ? { signal } : {}) };
    const attached = await ingestAttachments(message.attachments, ingestOptions);
    const repliedTo = message.replyTo
      ? await ingestAttachments(message.replyTo.attachments, ingestOptions)
      : [];
    const userTurn: Turn = {
      role: 'user',
      text: message.text,
      media: attached,
      messageId: message.messageId,
      authorId: message.author.id,
      createdAt: this.now(),
    };
    await store.append(message.conversationId, userTurn);

    const turns = [...conversation.turns, userTurn];
    const seed = message.seed ?? this.randomSeed();
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

    let visible = '';
    let raw = '';
    let chain: Promise<void> = Promise.resolve();
    let failed: ErrorCode | undefined;
    try {
      await sink.typing();
      const context = {
        turns: await Promise.all(turns.map((t) => this.toEngineTurn(t))),
        sampling: { ...this.deps.sampling, seed },
        ...(message.forcedTask ? { forcedTask: message.forcedTask } : {}),
      };
      for await (const event of this.deps.engine.respond(context, signal)) {
        if (event.type === 'text') {
          visible += event.delta;
          await sink.text(visible, false);
        } else if (event.type === 'task') {
          const call = event.call;
          // Tasks run one after another, in reply order, while the model keeps writing.
          chain = chain.then(async () => {
            const report = await this.runTask(call, seed, refersTo(call.kind), sink, signal);
            produced.push(...report.media);
            reports.push(report);
          });
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
    } catch (error) {
      const failure = toFailure(error, 'engine_failed');
      failed = PASS_THROUGH.has(failure.code) ? failure.code : 'engine_failed';
      if (failed === 'cancelled') log.info('reply cancelled');
      else log.error({ code: failure.code, err: failure.message }, 'engine failed');
      await sink.notice({ code: failed });
    }
    await chain;
    const reply = visible.trim();
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

  private async runTask(
    call: TaskCall,
    baseSeed: number,
    image: MediaRef | undefined,
    sink: ReplySink,
    signal: AbortSignal | undefined,
  ): Promise<TaskReport> {
    const { kind, prompt } = call;
    const report = (error?: ErrorCode, media: MediaRef[] = []): TaskReport => ({
      kind,
      prompt,
      media,
      ...(error ? { error } : {}),
    });
    const task = this.deps.tasks.get(kind);
    if (!task) {
      await sink.notice({ code: 'task_not_configured', kind });
      return report('task_not_configured');
    }
    if (NEEDS_IMAGE.has(kind) && !image) {
      await sink.notice({ code: 'no_image_for_task', kind });
      return report('no_image_for_task');
    }
    const seed = (baseSeed + call.index) % 2 ** 31;
    const timeout = AbortSignal.timeout(this.deps.taskTimeoutMs);
    const taskSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
    await sink.progress({ kind, phase: 'running', step: 0 });
    const result = await task
      .run(
        {
          kind,
          prompt,
          seed,
          ...(image ? { inputImage: { bytes: await this.deps.media.get(image), mime: image.mime } } : {}),
          ...(call.segEmbedding ? { segEmbedding: call.segEmbedding } : {}),
        },
        {
          signal: taskSignal,
          onProgress: (p) => {
            sink
              .progress({
                kind,
                phase: 'running',
                step: p.step,
                totalSteps: p.totalSteps,
                ...(p.preview ? { preview: p.preview } : {}),
              })
              .catch((error: unknown) =>
                this.deps.logger.warn({ err: String(error) }, 'progress update failed'),
              );
          },
        },
      )
      .catch((error: unknown) => ({ ok: false as const, error: toFailure(error, 'task_failed') }));
    if (!result.ok) {
      const code = timeout.aborted ? 'timeout' : result.error.code;
      this.deps.logger.warn({ kind, code, err: result.error.message }, 'task failed');
      await sink.progress({ kind, phase: 'failed' });
      await sink.notice({ code, kind });
      return report(code);
    }
    const refs: MediaRef[] = [];
    for (const item of result.value.media) {
      const ref = await this.deps.media.put(item.bytes, {
        mime: item.mime,
        name: item.filename,
        producedBy: kind,
      });
      refs.push(ref);
      await sink.media({ ...item, kind, prompt, mediaId: ref.sha256, seed: result.value.seed });
    }
    await sink.progress({ kind, phase: 'done' });
    return report(undefined, refs);
  }
}
