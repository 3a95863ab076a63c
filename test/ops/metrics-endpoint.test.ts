import { afterEach, describe, expect, it } from 'vitest';
import { LlmbindError } from '../../src/core/errors.js';
import { FairScheduler } from '../../src/core/jobs/fair-scheduler.js';
import type { JobOwner } from '../../src/core/jobs/job.js';
import { RollingQuotas } from '../../src/core/quotas/rolling-quotas.js';
import { type HealthReport, OpsServer } from '../../src/ops/ops-server.js';
import { normaliseRoute, PromMetrics } from '../../src/ops/prom-metrics.js';

const ada: JobOwner = { platform: 'discord', workspaceId: 'g1', userId: 'ada' };
let server: OpsServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Reads one sample's value from Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics and /healthz', () => {
  it('exposes queue depth, job latency, 429s, compute seconds and errors after a scenario', async () => {
    let scheduler: FairScheduler | undefined;
    const metrics = new PromMetrics({
      queue: () => scheduler?.stats() ?? { queued: 0, running: 0, byResource: {} },
    });
    scheduler = new FairScheduler({ resources: { gpu: 1 }, observer: metrics.schedulerObserver() });
    const quotas = new RollingQuotas({
      limits: { maxConcurrentPerUser: 1 },
      onCharge: (_owner, kind, seconds) => metrics.computeSeconds(kind, seconds),
    });

    // Two images succeed and bill their seconds; one chat fails; a quota refusal and two 429s are counted.
    const ticket = quotas.admit(ada);
    if (!ticket.ok) throw new Error('expected a ticket');
    for (const seconds of [1.5, 2]) {
      const r = await scheduler.submit({ owner: ada, kind: 'image_generation', run: async () => seconds })
        .result;
      if (r.ok) ticket.value.charge(r.value.value, 'image_generation');
    }
    const refused = quotas.admit(ada);
    if (!refused.ok) metrics.error(refused.error.code);
    await scheduler.submit({
      owner: ada,
      kind: 'chat',
      run: async () => {
        throw new LlmbindError('engine_failed', 'scripted');
      },
    }).result;
    metrics.rateLimited('discord', '/channels/123456789012345678/messages');
    metrics.rateLimited('discord', '/channels/876543210987654321/messages?wait=true');
    metrics.rateLimited('slack', 'chat.update');
    // One job holds the device and one waits while we scrape.
    let release!: () => void;
    const held = scheduler.submit({
      owner: ada,
      kind: 'video_generation',
      run: () => new Promise<void>((r) => (release = r)),
    });
    const waiting = scheduler.submit({ owner: ada, kind: 'audio_generation', run: async () => 'ok' });

    server = new OpsServer({ port: 0, scrape: () => metrics.scrape(), health: () => ({ status: 'ok' }) });
    const port = await server.start();
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(sample(text, 'llmbind_queue_depth{resource="gpu",state="queued"}')).toBe(1);
    expect(sample(text, 'llmbind_queue_depth{resource="gpu",state="running"}')).toBe(1);
    expect(sample(text, 'llmbind_job_duration_seconds_count{kind="image_generation",outcome="ok"}')).toBe(2);
    expect(sample(text, 'llmbind_job_duration_seconds_count{kind="chat",outcome="engine_failed"}')).toBe(1);
    expect(sample(text, 'llmbind_job_wait_seconds_count{kind="image_generation"}')).toBe(2);
    expect(sample(text, 'llmbind_compute_seconds_total{kind="image_generation"}')).toBe(3.5);
    expect(
      sample(text, 'llmbind_rate_limited_total{platform="discord",route="/channels/:id/messages"}'),
    ).toBe(2);
    expect(sample(text, 'llmbind_rate_limited_total{platform="slack",route="chat.update"}')).toBe(1);
    expect(sample(text, 'llmbind_errors_total{code="engine_failed"}')).toBe(1);
    expect(sample(text, 'llmbind_errors_total{code="quota_exceeded"}')).toBe(1);

    release();
    await Promise.all([held.result, waiting.result]);
    const after = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(sample(after, 'llmbind_queue_depth{resource="gpu",state="queued"}')).toBe(0);
    expect(sample(after, 'llmbind_job_duration_seconds_count{kind="video_generation",outcome="ok"}')).toBe(1);
  });

  it('answers /healthz 200 while serving and 503 while draining; other paths and methods are refused', async () => {
    let report: HealthReport = { status: 'ok', checks: { queued: 0 } };
    server = new OpsServer({
      port: 0,
      scrape: async () => ({ contentType: 'text/plain', body: '' }),
      health: () => report,
    });
    const base = `http://127.0.0.1:${await server.start()}`;
    const ok = await fetch(`${base}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ok', checks: { queued: 0 } });
    report = { status: 'draining' };
    expect((await fetch(`${base}/healthz`)).status).toBe(503);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('keeps route labels bounded', () => {
    expect(normaliseRoute('/webhooks/1234567890123/abcdef/messages/%40original?wait=1')).toBe(
      '/webhooks/:id/abcdef/messages/%40original',
    );
  });
});
