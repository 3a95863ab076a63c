import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ErrorCode, fail, LlmbindError, ok, type Result } from '../core/errors.js';

/** Where the ffmpeg and ffprobe executables are. */
export interface FfmpegPaths {
  readonly ffmpegPath: string;
  readonly ffprobePath: string;
}

/** Options of one ffmpeg/ffprobe run. */
export interface FfmpegRunOptions {
  /** Aborting kills the process (SIGKILL) and yields a `cancelled` Failure. */
  readonly signal?: AbortSignal;
  /** Wall-clock limit; exceeding it kills the process and yields a `timeout` Failure. */
  readonly timeoutMs?: number;
  /** Code of the Failure when the process exits non-zero (`task_failed` by default). */
  readonly failureCode?: ErrorCode;
  /** Called once the process is running, with its pid (logs; tests use it to abort mid-run). */
  readonly onStart?: (pid: number) => void;
}

/** Most bytes kept from a process's stdout (ffprobe JSON) and stderr (last lines for logs). */
const MAX_STDOUT = 8 * 1024 * 1024;
const STDERR_TAIL = 2_000;

/**
 * Paths from @ffmpeg-installer/ffmpeg and @ffprobe-installer/ffprobe. Loaded lazily because those
 * packages throw (a string, not an Error) at import time when their binary is missing, and a
 * configured path must still work then.
 */
export function installerPaths(): FfmpegPaths {
  const require = createRequire(import.meta.url);
  const load = (name: string): string => {
    try {
      return (require(name) as { path: string }).path;
    } catch (error) {
      throw new LlmbindError(
        'config_invalid',
        `${name} has no binary for this platform`,
        { package: name },
        {
          cause: error,
        },
      );
    }
  };
  return { ffmpegPath: load('@ffmpeg-installer/ffmpeg'), ffprobePath: load('@ffprobe-installer/ffprobe') };
}

/**
 * Runs ffmpeg and ffprobe as child processes. A small wrapper rather than fluent-ffmpeg: that package
 * is archived upstream, keeps its binary path in a module-global cache (two configurations cannot
 * coexist) and cannot cancel a command before its process has started.
 */
export class Ffmpeg {
  readonly ffmpegPath: string;
  readonly ffprobePath: string;
  private readonly tempRoot: string;
  private encoderList: Promise<ReadonlySet<string>> | undefined;

  /** Missing paths come from the installer packages. */
  constructor(paths: Partial<FfmpegPaths> = {}, options: { tempDir?: string } = {}) {
    const defaults = paths.ffmpegPath && paths.ffprobePath ? undefined : installerPaths();
    this.ffmpegPath = paths.ffmpegPath ?? defaults?.ffmpegPath ?? 'ffmpeg';
    this.ffprobePath = paths.ffprobePath ?? defaults?.ffprobePath ?? 'ffprobe';
    this.tempRoot = options.tempDir ?? tmpdir();
  }

  /** Runs ffmpeg with `args` (no banner, no stdin, overwrite, errors only on stderr). */
  async run(args: readonly string[], options: FfmpegRunOptions = {}): Promise<Result<void>> {
    const result = await this.exec(
      this.ffmpegPath,
      ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', ...args],
      options,
    );
    return result.ok ? ok(undefined) : result;
  }

  /** Runs ffprobe with `args` and returns its stdout. */
  probe(args: readonly string[], options: FfmpegRunOptions = {}): Promise<Result<string>> {
    return this.exec(this.ffprobePath, ['-hide_banner', '-loglevel', 'error', ...args], options);
  }

  /** Names of the encoders this ffmpeg build has (`libx264`, `libopus`, …), read once. */
  encoders(): Promise<ReadonlySet<string>> {
    this.encoderList ??= this.exec(this.ffmpegPath, ['-hide_banner', '-encoders'], {}).then((result) => {
      if (!result.ok) return new Set<string>();
      // Lines look like " V....D libx264   libx264 H.264 / AVC ..."; the flag column ends at the name.
      const names = result.value
        .split('\n')
        .map((line) => /^\s[VAS][A-Z.]{5}\s+(\S+)/.exec(line)?.[1])
        .filter((name): name is string => name !== undefined && name !== '=');
      return new Set(names);
    });
    return this.encoderList;
  }

  /** Gives `fn` a fresh private directory and removes it afterwards, whatever happens. */
  async withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(this.tempRoot, 'llmbind-media-'));
    try {
      return await fn(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private exec(command: string, args: readonly string[], options: FfmpegRunOptions): Promise<Result<string>> {
    const { signal, timeoutMs, failureCode = 'task_failed', onStart } = options;
    if (signal?.aborted) return Promise.resolve(fail('cancelled', 'cancelled before start'));
    return new Promise((resolve) => {
      const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let stopped: 'cancelled' | 'timeout' | undefined;
      const kill = (reason: 'cancelled' | 'timeout') => {
        stopped ??= reason;
        child.kill('SIGKILL');
      };
      const onAbort = () => kill('cancelled');
      child.on('spawn', () => {
        if (child.pid !== undefined) onStart?.(child.pid);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => kill('timeout'), timeoutMs);
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        if (stdout.length < MAX_STDOUT) stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_TAIL);
      });
      const finish = (result: Result<string>) => {
        signal?.removeEventListener('abort', onAbort);
        if (timer) clearTimeout(timer);
        resolve(result);
      };
      child.on('error', (error) => finish(fail('internal', `cannot run ${command}: ${error.message}`)));
      // 'close' (not 'exit') so that all output has been read.
      child.on('close', (code, killedBy) => {
        if (stopped === 'cancelled') return finish(fail('cancelled', 'cancelled'));
        if (stopped === 'timeout')
          return finish(fail('timeout', 'ffmpeg timed out', { timeoutMs: timeoutMs ?? 0 }));
        if (code === 0) return finish(ok(stdout));
        finish(
          fail(failureCode, `${command.split('/').pop()} failed`, {
            exit: code ?? -1,
            signal: killedBy ?? '',
            stderr: stderr.trim(),
          }),
        );
      });
    });
  }
}

let shared: Ffmpeg | undefined;

/** One process-wide instance with the installer paths, for callers without configuration. */
export function defaultFfmpeg(): Ffmpeg {
  shared ??= new Ffmpeg();
  return shared;
}
