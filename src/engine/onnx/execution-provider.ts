import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';

/**
 * Execution-provider choice with a CPU fallback. onnxruntime-node does not fall back by itself:
 * `executionProviders: ['cuda', 'cpu']` throws ("Failed to load shared library") when the CUDA
 * provider libraries are missing (the default here: `.npmrc` skips their download; on a GPU host run
 * `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`).
 */

/** Config value: `cpu` only; `cuda` (warn and use the CPU when CUDA cannot start); `auto` (CUDA when its
 * provider library is installed, else the CPU without trying). */
export type ExecutionProviderSetting = 'cpu' | 'cuda' | 'auto';

/** The provider a session actually runs on. */
export type ExecutionProviderName = 'cpu' | 'cuda';

/** The slice of a pino logger this layer uses. */
export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

/** A logger that drops everything. */
export const silentLogger: WarnLogger = { warn: () => {} };

/** Options shared by every session this layer creates. */
export interface SessionSettings {
  readonly executionProvider: ExecutionProviderSetting;
  /** Threads per session for intra-op parallelism (0 lets onnxruntime choose). */
  readonly intraOpThreads: number;
}

/** A session and the provider it got. */
export interface CreatedSession {
  readonly session: ort.InferenceSession;
  readonly provider: ExecutionProviderName;
}

let cudaLibraryPresent: boolean | undefined;

/** Whether onnxruntime-node's CUDA provider library sits beside its binding (installed with cuda12). */
export function cudaProviderInstalled(): boolean {
  if (cudaLibraryPresent === undefined) {
    try {
      const require = createRequire(import.meta.url);
      const pkg = dirname(require.resolve('onnxruntime-node/package.json'));
      const dir = join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
      cudaLibraryPresent =
        existsSync(join(dir, 'libonnxruntime_providers_cuda.so')) ||
        existsSync(join(dir, 'onnxruntime_providers_cuda.dll'));
    } catch {
      cudaLibraryPresent = false;
    }
  }
  return cudaLibraryPresent;
}

function baseOptions(settings: SessionSettings): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: settings.intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  };
}

/**
 * Creates sessions on the configured provider, remembering a CUDA failure so the next model goes
 * straight to the CPU (one warning per factory, i.e. per worker).
 */
export class SessionFactory {
  #cudaFailed = false;

  constructor(
    private readonly settings: SessionSettings,
    private readonly logger: WarnLogger = silentLogger,
  ) {}

  /** The providers to try, in order. */
  plan(): ExecutionProviderName[] {
    const { executionProvider } = this.settings;
    if (executionProvider === 'cpu' || this.#cudaFailed) return ['cpu'];
    if (executionProvider === 'auto' && !cudaProviderInstalled()) return ['cpu'];
    return ['cuda', 'cpu'];
  }

  /** Loads `path` (or model bytes) on the first provider that starts. */
  async create(path: string | Uint8Array): Promise<CreatedSession> {
    const options = baseOptions(this.settings);
    for (const provider of this.plan()) {
      if (provider === 'cpu') {
        const session = await ort.InferenceSession.create(path as string, {
          ...options,
          executionProviders: ['cpu'],
        });
        return { session, provider };
      }
      try {
        const session = await ort.InferenceSession.create(path as string, {
          ...options,
          executionProviders: ['cuda', 'cpu'],
        });
        return { session, provider };
      } catch (error) {
        this.#cudaFailed = true;
        this.logger.warn(
          {
            code: 'cuda_unavailable',
            requested: this.settings.executionProvider,
            model: typeof path === 'string' ? path : '<bytes>',
            err: error instanceof Error ? error.message : String(error),
          },
          'CUDA execution provider could not start; falling back to CPU',
        );
      }
    }
    throw new Error('unreachable: the CPU provider is always planned last');
  }
}
