import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { BroadcastChannel, MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { LlmbindError } from '../../core/errors.js';
import type { DecodeRequest, DecodeStats, TokenEvent } from './decode-request.js';
import { type ExecutionProviderSetting, silentLogger, type WarnLogger } from './execution-provider.js';
import {
  type ChannelMessage,
  FLAG_ABORT,
  FLAG_TIMEOUT,
  type GenerateMessage,
  type ModelInfo,
  type WorkerConfig,
  type WorkerResult,
  type WorkerTask,
} from './pool-protocol.js';
import { workerEntry } from './pool-worker-entry.js';
import type { HostTensor } from './tensors.js';

/** Pool settings. */
export interface OnnxPoolOptions {
  /** Worker threads; each holds its own sessions and runs one task at a time. */
  readonly workers?: number;
  /** onnxruntime intra-op threads per session. */
  readonly intraOpThreads?: number;
  readonly executionProvider?: ExecutionProviderSetting;
  /** Receives warnings (CUDA fallback); pino-compatible. */
  readonly logger?: WarnLogger;
}

/** Defaults of {@link OnnxPoolOptions}. */
export const DEFAULT_POOL_OPTIONS = {
  workers: 1,
  intraOpThreads: 1,
  executionProvider: 'cpu',
  logger: silentLogger,
} as const satisfies Required<OnnxPoolOptions>;

/** Per-call options of {@link OnnxPool.generate}. */
export interface GenerateOptions {
  /** Aborting stops the worker's loop before its next pass and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Rejects with a `timeout` LlmbindError after this long (queueing included); the worker stops too. */
  readonly timeoutMs?: number;
  /** Each token as the worker produces it. Throwing cancels the generation and rejects with that error. */
  readonly onToken?: (event: TokenEvent) => void;
}

/** Milliseconds to wait for workers to confirm their sessions are released on close. */
const RELEASE_WAIT_MS = 5_000;
/** Milliseconds to wait for the workers to start. */
const STARTUP_TIMEOUT_MS = 60_000;

/** Buffers of `arrays` that can be moved to a worker (whole, distinct, not shared). */
function movableBuffers(arrays: readonly ArrayBufferView[]): ArrayBuffer[] {
  const seen = new Set<ArrayBufferLike>();
  const out: ArrayBuffer[] = [];
  for (const a of arrays) {
    const buffer = a.buffer;
    if (!(buffer instanceof ArrayBuffer) || a.byteOffset !== 0 || a.byteLength !== buffer.byteLength)
      continue;
    if (seen.has(buffer)) continue;
    seen.add(buffer);
    out.push(buffer);
  }
  return out;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error
    ? signal.reason
    : new DOMException('generation aborted', 'AbortError');
}

/**
 * onnxruntime sessions in worker threads (piscina): `session.run` and session creation block the
 * thread they run on, so nothing here runs them on the caller's. Sessions are created on first use in
 * each worker, cached by path and kept until {@link close}.
 */
export class OnnxPool {
  readonly #piscina: Piscina;
  readonly #logger: WarnLogger;
  readonly #channel: BroadcastChannel;
  readonly #tasks = new Set<Promise<unknown>>();
  readonly #flags = new Set<{ flag: Int32Array; cancel: (error: unknown) => void }>();
  readonly #threads = new Set<number>();
  readonly #online = new Set<number>();
  readonly #released = new Set<number>();
  #onChannel: () => void = () => {};
  #closed = false;

  private constructor(options: Required<OnnxPoolOptions>) {
    const channel = `llmbind-onnx-${randomUUID()}`;
    // Open before the workers start: they announce themselves on it once loaded.
    this.#channel = new BroadcastChannel(channel);
    this.#channel.unref();
    this.#channel.onmessage = (event: unknown) => {
      const data = (event as { data: ChannelMessage }).data;
      if (data.type === 'online') this.#online.add(data.threadId);
      else if (data.type === 'released') this.#released.add(data.threadId);
      this.#onChannel();
    };
    const config: WorkerConfig = {
      executionProvider: options.executionProvider,
      intraOpThreads: options.intraOpThreads,
      channel,
    };
    const workers = Math.max(1, Math.trunc(options.workers));
    this.#piscina = new Piscina({
      ...workerEntry(),
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
      // Idle workers must keep their event loop free to answer the release channel.
      atomics: 'disabled',
      workerData: config,
    });
    this.#logger = options.logger;
  }

  /**
   * Starts the workers and resolves once each has loaded its code and onnxruntime (worker start-up is
   * CPU-heavy; better done before serving). Sessions are created on each worker's first use of a model.
   */
  static async create(options: OnnxPoolOptions = {}): Promise<OnnxPool> {
    const pool = new OnnxPool({ ...DEFAULT_POOL_OPTIONS, ...options });
    const expected = pool.#piscina.maxThreads;
    const started = await pool.#until(() => pool.#online.size >= expected, STARTUP_TIMEOUT_MS);
    if (!started) {
      await pool.#piscina.destroy();
      pool.#channel.close();
      throw new LlmbindError('engine_failed', `ONNX workers did not start within ${STARTUP_TIMEOUT_MS} ms`);
    }
    return pool;
  }

  /** Waits (at most `ms`, with a ref'd timer that keeps the process alive) until `done()` holds. */
  #until(done: () => boolean, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (value: boolean) => {
        clearTimeout(timer);
        this.#onChannel = () => {};
        resolve(value);
      };
      const timer = setTimeout(() => finish(done()), ms);
      this.#onChannel = () => {
        if (done()) finish(true);
      };
      this.#onChannel();
    });
  }

  /** Input and output names, element types and shapes of a model, and the provider it runs on. */
  inspect(path: string): Promise<ModelInfo> {
    return this.#call({ kind: 'inspect', path }) as Promise<ModelInfo>;
  }

  /**
   * Runs a model once. Feeds are cast to the dtypes the model declares; their buffers are moved to the
   * worker (detached here) when they own them whole. Float outputs come back as float32.
   */
  run(path: string, feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
    const transfer = movableBuffers(Object.values(feeds).map((t) => t.data));
    return this.#call({ kind: 'run', path, feeds }, transfer) as Promise<Record<string, HostTensor>>;
  }

  /**
   * Runs a whole generation in one worker (the KV cache stays there), streaming tokens to `onToken`.
   * Resolves with the loop's stats; `firstTokenMs` is measured from this call. Image features are
   * copied, not moved.
   */
  generate(request: DecodeRequest, options: GenerateOptions = {}): Promise<DecodeStats> {
    const { signal, timeoutMs, onToken } = options;
    if (this.#closed) return Promise.reject(new LlmbindError('internal', 'ONNX pool is closed'));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const t0 = performance.now();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();

    return new Promise<DecodeStats>((resolve, reject) => {
      let settled = false;
      let firstTokenMs = -1;
      let timer: NodeJS.Timeout | undefined;
      const entry = { flag, cancel: (error: unknown) => stop(FLAG_ABORT, error) };
      const finish = () => {
        settled = true;
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#flags.delete(entry);
        port1.close();
      };
      // Tells the worker to stop before its next pass; the caller hears now.
      const stop = (value: number, error: unknown) => {
        if (settled) return;
        Atomics.store(flag, 0, value);
        finish();
        reject(error);
      };
      const onAbort = () => stop(FLAG_ABORT, abortReason(signal as AbortSignal));
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () =>
            stop(
              FLAG_TIMEOUT,
              new LlmbindError('timeout', `generation exceeded ${timeoutMs} ms`, { timeoutMs }),
            ),
          timeoutMs,
        );
      }
      this.#flags.add(entry);

      port1.on('message', (message: GenerateMessage) => {
        if (settled) return;
        if (message.type === 'token') {
          if (firstTokenMs < 0) firstTokenMs = performance.now() - t0;
          try {
            onToken?.(
              message.hidden
                ? { tokenId: message.tokenId, hidden: message.hidden }
                : { tokenId: message.tokenId },
            );
          } catch (error) {
            stop(FLAG_ABORT, error);
          }
        } else if (message.type === 'done') {
          finish();
          resolve({ ...message.stats, firstTokenMs });
        } else {
          finish();
          const { code, message: text, details } = message.error;
          reject(new LlmbindError(code, text, { ...details }));
        }
      });

      const task: WorkerTask = { kind: 'generate', request, port: port2, flag };
      this.#call(task, [port2 as unknown as ArrayBuffer]).catch((error: unknown) => {
        if (settled) return;
        finish();
        reject(error);
      });
    });
  }

  /**
   * Cancels running generations, waits for the workers' tasks to end, releases every session and
   * stops the workers.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const entry of [...this.#flags]) entry.cancel(new LlmbindError('cancelled', 'ONNX pool closed'));
    await Promise.allSettled([...this.#tasks]);
    if (this.#threads.size > 0) {
      this.#channel.postMessage({ type: 'release' } satisfies ChannelMessage);
      const threads = [...this.#threads];
      const released = await this.#until(() => threads.every((t) => this.#released.has(t)), RELEASE_WAIT_MS);
      if (!released)
        this.#logger.warn({ code: 'release_timeout' }, 'ONNX workers did not confirm session release');
    }
    this.#channel.close();
    await this.#piscina.destroy();
  }

  /** Runs one task; relays its warnings and turns failures back into LlmbindErrors. */
  #call(task: WorkerTask, transferList: ArrayBuffer[] = []): Promise<unknown> {
    if (this.#closed) return Promise.reject(new LlmbindError('internal', 'ONNX pool is closed'));
    const running = this.#piscina.run(task, { transferList: transferList as never }) as Promise<WorkerResult>;
    const tracked = running.then(
      (result) => {
        this.#threads.add(result.threadId);
        for (const w of result.warnings) this.#logger.warn(w.obj, w.msg);
        if (!result.ok) {
          const { code, message, details } = result.error;
          throw new LlmbindError(code, message, { ...details });
        }
        return result.value;
      },
      (error: unknown) => {
        // The worker itself failed (crashed, exited): piscina replaces it; the task is lost.
        throw new LlmbindError('engine_failed', 'ONNX worker failed', {}, { cause: error });
      },
    );
    const settled = tracked.then(
      () => undefined,
      () => undefined,
    );
    this.#tasks.add(settled);
    void settled.then(() => this.#tasks.delete(settled));
    return tracked;
  }
}
