import { fail, type Result } from '../../src/core/errors.js';
import type { Engine, EngineContext, EngineEvent } from '../../src/engine/engine.js';
import type { TaskKind } from '../../src/engine/protocol/task-kind.js';
import type { Task, TaskOutput, TaskRequest, TaskRunOptions } from '../../src/tasks/task.js';
import { done } from '../fakes/fake-engine.js';

/** A promise with its resolver, for gates the test opens. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves when `signal` aborts (never rejects: the caller re-checks the signal). */
const aborted = (signal: AbortSignal): Promise<void> =>
  new Promise((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));

/**
 * An engine that answers `re: <text>` (plus a scripted task call when the text asks for one) and holds
 * a reply at its start while a gate for its text is closed, so tests can fill the queue behind it.
 */
export class GatedEngine implements Engine {
  readonly entered: string[] = [];
  private readonly gates = new Map<string, ReturnType<typeof deferred<void>>>();
  private readonly arrivals = new Map<string, ReturnType<typeof deferred<void>>>();

  constructor(
    private readonly taskFor: (text: string) => { kind: TaskKind; prompt: string } | undefined = () =>
      undefined,
  ) {}

  /** Holds the reply to `text` until the returned function is called. */
  hold(text: string): () => void {
    const gate = deferred();
    this.gates.set(text, gate);
    return () => gate.resolve();
  }

  /** Resolves once the engine has started on `text`. */
  reached(text: string): Promise<void> {
    if (this.entered.includes(text)) return Promise.resolve();
    const d = this.arrivals.get(text) ?? deferred();
    this.arrivals.set(text, d);
    return d.promise;
  }

  async *respond(context: EngineContext, signal?: AbortSignal): AsyncIterable<EngineEvent> {
    const text = context.turns.at(-1)?.text ?? '';
    this.entered.push(text);
    this.arrivals.get(text)?.resolve();
    const gate = this.gates.get(text);
    if (gate) await Promise.race([gate.promise, ...(signal ? [aborted(signal)] : [])]);
    signal?.throwIfAborted();
    yield { type: 'text', delta: `re: ${text}` };
    const call = this.taskFor(text);
    if (call) yield { type: 'task', call: { ...call, index: 0 } };
    yield done(`re: ${text}`);
  }

  async close(): Promise<void> {}
}

/** A task that runs until its signal aborts (a long video, say), and says when it has started. */
export class EndlessTask implements Task {
  readonly started = deferred();
  constructor(readonly kind: TaskKind) {}
  async run(_request: TaskRequest, options: TaskRunOptions): Promise<Result<TaskOutput>> {
    this.started.resolve();
    if (options.signal) await aborted(options.signal);
    options.signal?.throwIfAborted();
    return fail('task_failed', 'unreachable');
  }
  async dispose(): Promise<void> {}
}
