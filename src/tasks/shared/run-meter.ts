import { performance } from 'node:perf_hooks';
import type { HostTensor } from '../../engine/onnx/tensors.js';
import type { TaskPool } from '../task-deps.js';
import { throwIfAborted } from './outcome.js';

/**
 * One job's view of the pool: checks the abort signal before every session run (so a cancel takes
 * effect within one denoising step), and adds up the time spent in runs and encoders, which is what
 * the job reports as compute seconds and what the benchmark compares with the pipeline's wall time.
 */
export class RunMeter {
  /** Seconds spent inside `pool.run` calls. */
  runSeconds = 0;
  /** Seconds spent in other measured work (ffmpeg encodes). */
  otherSeconds = 0;
  /** Number of session runs. */
  runs = 0;
  readonly #pool: TaskPool;
  readonly #signal: AbortSignal | undefined;

  constructor(pool: TaskPool, signal?: AbortSignal) {
    this.#pool = pool;
    this.#signal = signal;
  }

  /**
   * Runs a model once. Feed data is copied first: the pool moves (detaches) buffers it is given whole,
   * and callers reuse theirs (text embeddings are fed at every step).
   */
  async run(path: string, feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
    throwIfAborted(this.#signal);
    const copies: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(feeds)) copies[name] = { ...t, data: t.data.slice() };
    const t0 = performance.now();
    try {
      return await this.#pool.run(path, copies);
    } finally {
      this.runSeconds += (performance.now() - t0) / 1000;
      this.runs += 1;
    }
  }

  /** Times other compute (encoders) so it is billed too. */
  async time<T>(fn: () => Promise<T>): Promise<T> {
    throwIfAborted(this.#signal);
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.otherSeconds += (performance.now() - t0) / 1000;
    }
  }

  /** Compute seconds to bill. */
  get computeSeconds(): number {
    return this.runSeconds + this.otherSeconds;
  }
}
