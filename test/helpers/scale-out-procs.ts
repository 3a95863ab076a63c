import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

const BIN = new URL('../../bin/llmbind.js', import.meta.url).pathname;

/**
 * `queue:` lines that notice a dead worker within about two seconds: a 1.5 s lock checked every 0.5 s
 * (the defaults, 30 s and 15 s, would make a crash test wait for half a minute).
 */
export const FAST_QUEUE = [
  'queue:',
  '  backend: redis',
  '  lockDurationMs: 1500',
  '  stalledIntervalMs: 500',
  '  pollMs: 250',
] as const;

/** Writes `lines` as `llmbind.yaml` in a fresh temp dir (the dir also holds each process's data dir). */
export function configFile(lines: readonly string[]): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'scale-'));
  const config = join(dir, 'llmbind.yaml');
  writeFileSync(config, `${lines.join('\n')}\n`);
  return { dir, config };
}

interface LineWaiter {
  readonly match: (line: string) => boolean;
  readonly resolve: (line: string) => void;
  readonly reject: (error: Error) => void;
}

/**
 * One `llmbind serve --role=…` child process. Every line it prints (stdout banners, stderr pino
 * records) is kept so tests can wait on one; stderr lines at warn level or above, and anything that is
 * not a log record (a crash trace), are passed on to the test's stderr.
 */
export class ServeProcess {
  readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private readonly waiters = new Set<LineWaiter>();
  private exited = false;

  constructor(
    readonly role: 'frontend' | 'worker',
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, [BIN, 'serve', `--role=${role}`], {
      env: { ...process.env, LOG_LEVEL: 'error', LLMBIND_ENGINE_BACKEND: 'openai', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.follow(this.child.stdout, false);
    this.follow(this.child.stderr, true);
    this.child.once('exit', (code, signal) => {
      this.exited = true;
      const error = new Error(`${role} exited (${code ?? signal}) before printing the awaited line`);
      for (const waiter of this.waiters) waiter.reject(error);
      this.waiters.clear();
    });
  }

  /** Resolves with the first line, printed so far or later, that `match` accepts; rejects on exit. */
  line(match: (line: string) => boolean): Promise<string> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.exited) return Promise.reject(new Error(`${this.role} has exited`));
    return new Promise((resolve, reject) => this.waiters.add({ match, resolve, reject }));
  }

  /** The first pino record (stderr, JSON) whose `msg` is `msg`, parsed. */
  async logRecord(msg: string): Promise<Record<string, unknown>> {
    const line = await this.line((l) => l.startsWith('{') && parseRecord(l)?.msg === msg);
    return parseRecord(line) ?? {};
  }

  /** SIGKILLs the process (if it still runs) and resolves once it is gone. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await gone;
  }

  private follow(stream: Readable | null, isLog: boolean): void {
    if (!stream) return;
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      this.lines.push(line);
      if (isLog && ((parseRecord(line)?.level as number | undefined) ?? 50) >= 40)
        process.stderr.write(`[${this.role}] ${line}\n`);
      for (const waiter of [...this.waiters]) {
        if (!waiter.match(line)) continue;
        this.waiters.delete(waiter);
        waiter.resolve(line);
      }
    });
  }
}

function parseRecord(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The `llmbind serve` processes of one test, killed together in `afterEach`. */
export class ServeProcesses {
  private readonly all: ServeProcess[] = [];

  /** Starts `llmbind serve --role=<role>` with `env` over the test's environment. */
  spawn(role: 'frontend' | 'worker', env: Record<string, string>): ServeProcess {
    const proc = new ServeProcess(role, env);
    this.all.push(proc);
    return proc;
  }

  /** SIGKILLs every process still running and waits for them to exit. */
  async killAll(): Promise<void> {
    await Promise.all(this.all.splice(0).map((p) => p.kill()));
  }
}

/** Resolves once a worker printed its banner (it consumes jobs from then on). */
export function workerReady(worker: ServeProcess): Promise<string> {
  return worker.line((l) => l.includes('Worker ready'));
}
