import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ErrorCode, fail, ok } from '../../src/core/errors.js';
import { FairScheduler } from '../../src/core/jobs/fair-scheduler.js';
import type { JobOwner } from '../../src/core/jobs/job.js';
import { silentLogger } from '../../src/core/logger.js';
import type { IncomingMessage } from '../../src/core/message.js';
import { Orchestrator, type OrchestratorDeps } from '../../src/core/orchestrator.js';
import { RollingQuotas } from '../../src/core/quotas/rolling-quotas.js';
import { MemoryAuditLog } from '../../src/core/safety/audit-log.js';
import { BlocklistPolicy } from '../../src/core/safety/blocklist-policy.js';
import { FileMediaStore } from '../../src/core/store/file-media-store.js';
import { SqliteConversationStore } from '../../src/core/store/sqlite-conversation-store.js';
import type { Engine } from '../../src/engine/engine.js';
import type { Task } from '../../src/tasks/task.js';
import { TaskRegistry } from '../../src/tasks/task-registry.js';
import { FakeTask } from '../fakes/fake-task.js';
import { RecordingSink } from '../fakes/recording-sink.js';
import { EndlessTask, GatedEngine } from './gated-fakes.js';

const T0 = 1_700_000_000_000;

function setup({
  tasks,
  ...extra
}: Partial<Omit<OrchestratorDeps, 'tasks'>> & { engine?: Engine; tasks?: Task[] } = {}) {
  const engine = extra.engine ?? new GatedEngine();
  const store = new SqliteConversationStore(':memory:');
  const media = new FileMediaStore(mkdtempSync(join(tmpdir(), 'media-')));
  const errors: ErrorCode[] = [];
  const orchestrator = new Orchestrator({
    tasks: new TaskRegistry(tasks ?? [new FakeTask('image_generation')]),
    store,
    media,
    checkImage: async (bytes) => ok({ png: bytes, width: 1, height: 1 }),
    sampling: { maxNewTokens: 32, temperature: 0, topP: 1 },
    taskTimeoutMs: 5_000,
    maxAttachmentBytes: 1_000,
    logger: silentLogger(),
    randomSeed: () => 7,
    onError: (code) => errors.push(code),
    ...extra,
    engine,
  });
  return { orchestrator, store, errors };
}

let seq = 0;
function message(text: string, user = 'u1', conversation = `c-${user}`): IncomingMessage {
  seq += 1;
  return {
    platform: 'discord',
    workspaceId: 'g1',
    conversationId: conversation,
    messageId: `m${seq}`,
    author: { id: user, name: user },
    text,
    attachments: [],
  };
}

const queued = (sink: RecordingSink) =>
  sink.events.flatMap((e) =>
    e.type === 'progress' && e.update.phase === 'queued' ? [[e.update.kind, e.update.queuePosition]] : [],
  );

describe('Orchestrator on the shared scheduler', () => {
  it('tells queued users their position as it changes, then answers them in order', async () => {
    const engine = new GatedEngine();
    const { orchestrator } = setup({ engine, scheduler: new FairScheduler({ resources: { gpu: 1 } }) });
    const release = engine.hold('first');
    const sinks = [new RecordingSink(), new RecordingSink(), new RecordingSink()];
    const first = orchestrator.handle(message('first', 'ada'), sinks[0] as RecordingSink);
    await engine.reached('first');
    const second = orchestrator.handle(message('second', 'bob'), sinks[1] as RecordingSink);
    const third = orchestrator.handle(message('third', 'cyd'), sinks[2] as RecordingSink);
    // Both wait behind Ada's reply; nothing of theirs has reached the engine yet.
    await Promise.resolve();
    expect(engine.entered).toEqual(['first']);
    release();
    await Promise.all([first, second, third]);

    expect(queued(sinks[0] as RecordingSink)).toEqual([]);
    expect(queued(sinks[1] as RecordingSink)).toEqual([['chat', 1]]);
    expect(queued(sinks[2] as RecordingSink)).toEqual([
      ['chat', 2],
      ['chat', 1],
    ]);
    expect(engine.entered).toEqual(['first', 'second', 'third']);
    // The queued status is closed before the reply streams, and the reply arrives.
    const bob = sinks[1] as RecordingSink;
    const closedAt = bob.events.findIndex((e) => e.type === 'progress' && e.update.phase === 'done');
    const typingAt = bob.events.findIndex((e) => e.type === 'typing');
    expect(closedAt).toBeGreaterThan(-1);
    expect(typingAt).toBeGreaterThan(closedAt);
    expect(bob.finalText()).toBe('re: second');
  });

  it('refuses a user over quota with when it frees up, and stores or downloads nothing', async () => {
    const now = T0;
    const quotas = new RollingQuotas({
      limits: { userComputeSeconds: 10, windowMs: 3_600_000 },
      now: () => now,
    });
    const owner: JobOwner = { platform: 'discord', workspaceId: 'g1', userId: 'u1' };
    const spent = quotas.admit(owner);
    if (!spent.ok) throw new Error('expected a ticket');
    spent.value.charge(12, 'video_generation');
    spent.value.release();
    const engine = new GatedEngine();
    const { orchestrator, store, errors } = setup({ engine, quotas });
    let reads = 0;
    const sink = new RecordingSink();
    const report = await orchestrator.handle(
      {
        ...message('draw a cat'),
        attachments: [
          {
            name: 'a.png',
            mime: 'image/png',
            size: 3,
            read: async () => {
              reads += 1;
              return new Uint8Array(3);
            },
          },
        ],
      },
      sink,
    );

    expect(report).toEqual({ reply: '', tasks: [], error: 'quota_exceeded' });
    const notice = sink.events.find((e) => e.type === 'notice');
    expect(notice?.type === 'notice' && notice.notice.details).toMatchObject({
      scope: 'user',
      resetAt: T0 + 3_600_000,
      retryAfterSeconds: 3_600,
    });
    expect(sink.finalText()).toBe('');
    expect(engine.entered).toEqual([]);
    expect(reads).toBe(0);
    expect((await store.load('c-u1')).turns).toEqual([]);
    expect(errors).toEqual(['quota_exceeded']);
  });

  it('caps turns in flight per user and bills what the jobs reported', async () => {
    const engine = new GatedEngine((t) =>
      t === 'draw' ? { kind: 'image_generation', prompt: 'a cat' } : undefined,
    );
    const quotas = new RollingQuotas({ limits: { maxConcurrentPerUser: 1 } });
    const { orchestrator } = setup({ engine, quotas });
    const release = engine.hold('draw');
    const first = orchestrator.handle(message('draw', 'ada', 'c1'), new RecordingSink());
    await engine.reached('draw');
    const second = new RecordingSink();
    expect((await orchestrator.handle(message('again', 'ada', 'c2'), second)).error).toBe('quota_exceeded');
    expect(second.events.find((e) => e.type === 'notice')).toMatchObject({
      notice: { code: 'quota_exceeded', details: { scope: 'concurrent', limit: 1, used: 1 } },
    });
    release();
    expect((await first).tasks[0]?.media).toHaveLength(1);
    const usage = quotas.usage({ platform: 'discord', workspaceId: 'g1', userId: 'ada' });
    // FakeTask reports 0.01 s; the chat job adds its own run time.
    expect(usage.userSeconds).toBeGreaterThanOrEqual(0.01);
    expect(usage.workspaceSeconds).toBe(usage.userSeconds);
    expect(usage.concurrent).toBe(0);
  });

  it('refuses blocked user text before anything happens, and uses cleaned text from then on', async () => {
    const engine = new GatedEngine();
    const { orchestrator, store, errors } = setup({
      engine,
      policy: new BlocklistPolicy({ blocklist: ['gore'] }),
    });
    const sink = new RecordingSink();
    const report = await orchestrator.handle(message('show me G\u200bO\u200bR\u200bE'), sink);
    expect(report.error).toBe('bad_input');
    expect(sink.events.find((e) => e.type === 'notice')).toMatchObject({
      notice: { code: 'bad_input', details: { source: 'user', reason: 'blocked' } },
    });
    expect(engine.entered).toEqual([]);
    expect((await store.load('c-u1')).turns).toEqual([]);
    expect(errors).toEqual(['bad_input']);

    await orchestrator.handle(message('hello\u202e there'), new RecordingSink());
    expect(engine.entered).toEqual(['hello there']);
    expect((await store.load('c-u1')).turns[0]?.text).toBe('hello there');
  });

  it('refuses a blocked task prompt the model wrote, audits it, and still answers', async () => {
    const engine = new GatedEngine(() => ({ kind: 'image_generation', prompt: 'lots of gore' }));
    const task = new FakeTask('image_generation');
    const audit = new MemoryAuditLog();
    const { orchestrator, errors } = setup({
      engine,
      tasks: [task],
      audit,
      policy: new BlocklistPolicy({ blocklist: ['gore'] }),
    });
    const sink = new RecordingSink();
    const report = await orchestrator.handle(message('draw something nasty'), sink);
    expect(task.requests).toEqual([]);
    expect(report.tasks.map((t) => t.error)).toEqual(['bad_input']);
    expect(sink.events.find((e) => e.type === 'notice')).toMatchObject({
      notice: { code: 'bad_input', kind: 'image_generation', details: { source: 'task', reason: 'blocked' } },
    });
    expect(sink.finalText()).toBe('re: draw something nasty');
    expect(audit.records).toMatchObject([
      {
        event: 'prompt_refused',
        kind: 'image_generation',
        prompt: 'lots of gore',
        userId: 'u1',
        rule: 'term:gore',
      },
    ]);
    expect(errors).toEqual(['bad_input']);
  });

  it('audits every media job with who, what, which model and seed', async () => {
    const engine = new GatedEngine(() => ({ kind: 'image_generation', prompt: 'a red circle' }));
    const audit = new MemoryAuditLog();
    const { orchestrator } = setup({ engine, audit, modelOf: (kind) => `demo/${kind}` });
    const report = await orchestrator.handle(message('draw'), new RecordingSink());
    expect(audit.records).toHaveLength(1);
    expect(audit.records[0]).toMatchObject({
      event: 'media_job',
      platform: 'discord',
      workspaceId: 'g1',
      userId: 'u1',
      conversationId: 'c-u1',
      kind: 'image_generation',
      prompt: 'a red circle',
      model: 'demo/image_generation',
      seed: 7,
      outcome: 'ok',
      computeSeconds: 0.01,
      media: [report.tasks[0]?.media[0]?.sha256],
    });
    expect(audit.records[0]?.jobId).toEqual(expect.any(String));
  });

  it('cancel(conversationId) stops a running task and the user is told', async () => {
    const engine = new GatedEngine(() => ({ kind: 'video_generation', prompt: 'forever' }));
    const video = new EndlessTask('video_generation');
    const audit = new MemoryAuditLog();
    const { orchestrator } = setup({ engine, tasks: [video], audit });
    const sink = new RecordingSink();
    const turn = orchestrator.handle(message('film'), sink);
    await video.started.promise;
    expect(orchestrator.cancel('c-other')).toBe(0);
    expect(orchestrator.cancel('c-u1')).toBeGreaterThanOrEqual(1);
    const report = await turn;
    expect(report.tasks.map((t) => t.error)).toEqual(['cancelled']);
    expect(sink.notices()).toEqual(['cancelled']);
    expect(sink.finalText()).toBe('re: film');
    expect(audit.records.map((r) => r.outcome)).toEqual(['cancelled']);
  });

  it('withholds an image the output check refuses', async () => {
    const engine = new GatedEngine(() => ({ kind: 'image_generation', prompt: 'a cat' }));
    const { orchestrator } = setup({
      engine,
      checkOutput: async () => fail('task_failed', 'classifier said no'),
    });
    const sink = new RecordingSink();
    const report = await orchestrator.handle(message('draw'), sink);
    expect(sink.postedMedia()).toEqual([]);
    expect(report.tasks[0]?.media).toEqual([]);
    expect(sink.events.find((e) => e.type === 'notice')).toMatchObject({
      notice: { code: 'task_failed', details: { reason: 'output_refused' } },
    });
  });
});
