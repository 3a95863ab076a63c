import { describe, expect, it } from 'vitest';
import { type AccessRules, checkAccess, OPEN_ACCESS } from '../../src/core/access/access-policy.js';
import { ok } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import type { IncomingMessage } from '../../src/core/message.js';
import { Orchestrator } from '../../src/core/orchestrator.js';
import { FileMediaStore } from '../../src/core/store/file-media-store.js';
import { SqliteConversationStore } from '../../src/core/store/sqlite-conversation-store.js';
import { TaskRegistry } from '../../src/tasks/task-registry.js';
import { done, FakeEngine } from '../fakes/fake-engine.js';
import { RecordingSink } from '../fakes/recording-sink.js';

const msg = (extra: Partial<IncomingMessage> = {}): IncomingMessage => ({
  platform: 'discord',
  conversationId: 'discord:thread:1',
  messageId: 'm1',
  workspaceId: 'G1',
  channelId: 'C1',
  author: { id: 'U1', name: 'ada' },
  text: 'hello',
  attachments: [],
  ...extra,
});
const rules = (extra: Partial<AccessRules>): AccessRules => ({ ...OPEN_ACCESS, ...extra });

describe('checkAccess', () => {
  it('allows everyone by default', () => {
    expect(checkAccess(OPEN_ACCESS, msg())).toBeUndefined();
  });
  it('applies allow and deny lists, deny first, admins pass', () => {
    expect(checkAccess(rules({ allowWorkspaces: ['G2'] }), msg())).toBe('workspace');
    expect(checkAccess(rules({ denyChannels: ['C1'] }), msg())).toBe('channel');
    expect(checkAccess(rules({ denyUsers: ['U1'] }), msg())).toBe('user');
    expect(checkAccess(rules({ allowRoles: ['R9'] }), msg({ roles: ['R1'] }))).toBe('role');
    expect(checkAccess(rules({ allowRoles: ['R9'] }), msg({ roles: ['R1', 'R9'] }))).toBeUndefined();
    expect(checkAccess(rules({ denyUsers: ['U1'], admins: ['U1'] }), msg())).toBeUndefined();
  });
  it('turns DMs off on request and never limits the local front ends', () => {
    expect(checkAccess(rules({ dms: false }), msg({ isDirect: true }))).toBe('dm');
    expect(checkAccess(rules({ allowUsers: ['nobody'] }), msg({ platform: 'playground' }))).toBeUndefined();
  });
});

describe('Orchestrator access control', () => {
  async function denied(deniedNotice: boolean) {
    const engine = new FakeEngine(() => [{ type: 'text', delta: 'hi' }, done('hi')]);
    const store = new SqliteConversationStore(':memory:');
    const orchestrator = new Orchestrator({
      engine,
      tasks: new TaskRegistry(),
      store,
      media: new FileMediaStore('/nonexistent-never-written'),
      checkImage: async (bytes) => ok({ png: bytes, width: 1, height: 1 }),
      sampling: { maxNewTokens: 8, temperature: 0, topP: 1 },
      taskTimeoutMs: 1_000,
      maxAttachmentBytes: 1_000,
      logger: silentLogger(),
      access: rules({ denyWorkspaces: ['G1'], deniedNotice }),
    });
    const sink = new RecordingSink();
    const report = await orchestrator.handle(msg(), sink);
    return { report, sink, engine, stored: (await store.load('discord:thread:1')).turns };
  }

  it('refuses a denied sender before anything runs or is stored, silently by default', async () => {
    const { report, sink, engine, stored } = await denied(false);
    expect(report.error).toBe('access_denied');
    expect(engine.contexts).toHaveLength(0);
    expect(stored).toHaveLength(0);
    expect(sink.notices()).toEqual([]);
  });

  it('tells a denied sender once when deniedNotice is on', async () => {
    const { sink } = await denied(true);
    expect(sink.notices()).toEqual(['access_denied']);
  });
});
