import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { drain } from '../../src/cli/serve.js';
import { FairScheduler } from '../../src/core/jobs/fair-scheduler.js';
import type { JobOwner } from '../../src/core/jobs/job.js';
import { silentLogger } from '../../src/core/logger.js';
import { DiscordEmulator } from '../emulators/discord/discord-emulator.js';

const BIN = new URL('../../bin/llmbind.js', import.meta.url).pathname;
const BUNDLE = new URL('../fixtures/models/merged', import.meta.url).pathname;

let child: ChildProcess | undefined;
let emu: DiscordEmulator | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await new Promise((resolve) => child?.once('exit', resolve));
  }
  await emu?.stop();
});

/** Reads one sample's value from Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Resolves with the first stdout line matching `pattern`'s group. */
function fromStdout(proc: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = pattern.exec(buffered);
      if (match?.[1]) resolve(match[1]);
    });
    proc.once('exit', (code) => reject(new Error(`serve exited (${code}) before printing ${pattern}`)));
  });
}

/** Starts `llmbind serve` against a fresh Discord emulator with the ops server on a free port. */
async function startServe(): Promise<{
  emu: DiscordEmulator;
  proc: ChildProcess;
  channelId: string;
  ada: ReturnType<DiscordEmulator['state']['addUser']>;
  base: string;
  exited: Promise<number | null>;
}> {
  const e = new DiscordEmulator();
  emu = e;
  const guild = e.state.addGuild('Guild', {});
  const channel = e.state.addTextChannel(guild.id, 'general');
  const ada = e.state.addUser('ada');
  await e.start();
  const dir = mkdtempSync(join(tmpdir(), 'serve-ops-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, 'engine:\n  sampling:\n    maxNewTokens: 24\n');
  const proc = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...process.env,
      DISCORD_TOKEN: 'bot-token',
      DISCORD_API_URL: e.apiUrl,
      LLMBIND_MODELS: BUNDLE,
      LLMBIND_CONFIG: config,
      LLMBIND_DATA_DIR: join(dir, 'data'),
      LLMBIND_OPS_PORT: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child = proc;
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const base = await fromStdout(proc, /Metrics: (http:\/\/[^\s]+)\/metrics/);
  await e.waitFor(() => e.calls.some((c) => c.method === 'PUT' && c.path.includes('/commands')), 30_000);
  return { emu: e, proc, channelId: channel.id, ada, base, exited };
}

describe('llmbind serve operations', () => {
  it('exposes /metrics and /healthz with the counters of a Discord turn, and exits 0 on SIGTERM', async () => {
    const { emu: e, proc, channelId, ada, base, exited } = await startServe();
    // One 429 on the thread's first message: discord.js waits it out and the metric counts it.
    e.inject({
      method: 'POST',
      route: /\/channels\/:id\/messages$/,
      status: 429,
      retryAfterMs: 20,
      times: 1,
    });
    const asked = e.userSays(channelId, ada, 'hello there', { mention: true });
    await e.waitFor(() => e.botMessages(asked.id).find((m) => m.content.length > 0), 30_000);

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', checks: { queued: 0, adapters: 'discord' } });

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(sample(metrics, 'llmbind_job_duration_seconds_count{kind="chat",outcome="ok"}')).toBe(1);
    expect(sample(metrics, 'llmbind_compute_seconds_total{kind="chat"}')).toBeGreaterThan(0);
    expect(sample(metrics, 'llmbind_queue_depth{resource="onnx",state="running"}')).toBe(0);
    expect(
      sample(metrics, 'llmbind_rate_limited_total{platform="discord",route="/channels/:id/messages"}'),
    ).toBe(1);
    expect(metrics).toContain('llmbind_process_cpu_seconds_total');

    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('on SIGTERM mid-turn, finishes the answer it is posting and then exits 0', async () => {
    const { emu: e, proc, channelId, ada, exited } = await startServe();
    // The answer's first post is held back by a 429; SIGTERM arrives while the turn waits it out.
    e.inject({
      method: 'POST',
      route: /\/channels\/:id\/messages$/,
      status: 429,
      retryAfterMs: 1_000,
      times: 1,
    });
    const asked = e.userSays(channelId, ada, 'hello there', { mention: true });
    await e.waitFor(() => e.calls.find((c) => c.status === 429), 30_000);
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(e.botMessages(asked.id).some((m) => m.content.length > 0)).toBe(true);
  });
});

describe('drain (graceful shutdown of the queue)', () => {
  const owner: JobOwner = { platform: 'discord', userId: 'ada' };

  it('lets a running job finish within the grace period and refuses new ones', async () => {
    const scheduler = new FairScheduler({ resources: { onnx: 1 } });
    let finish!: () => void;
    const running = scheduler.submit({
      owner,
      kind: 'image_generation',
      run: () => new Promise<string>((r) => (finish = () => r('made'))),
    });
    const queued = scheduler.submit({ owner, kind: 'video_generation', run: async () => 'never' });
    const drained = drain(scheduler, 60_000, silentLogger());
    expect((await queued.result).ok).toBe(false);
    const late = await scheduler.submit({ owner, kind: 'chat', run: async () => 'late' }).result;
    expect(late.ok ? 'ran' : late.error.details).toEqual({ reason: 'shutdown' });
    finish();
    await drained;
    expect(await running.result).toMatchObject({ ok: true, value: { value: 'made' } });
  });

  it('cancels what is still running when the grace period is over', async () => {
    const scheduler = new FairScheduler({ resources: { onnx: 1 } });
    const stuck = scheduler.submit({
      owner,
      kind: 'video_generation',
      run: (signal) =>
        new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    });
    await drain(scheduler, 5, silentLogger());
    expect(await stuck.result).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(scheduler.stats().running).toBe(0);
  });
});
