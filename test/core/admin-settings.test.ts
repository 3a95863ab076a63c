import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AccessRules, checkAccess, OPEN_ACCESS } from '../../src/core/access/access-policy.js';
import { applySetting } from '../../src/core/access/admin-settings.js';
import type { IncomingMessage } from '../../src/core/message.js';
import { SqliteAccessSettings } from '../../src/core/store/sqlite-access-settings.js';

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
const rules: AccessRules = { ...OPEN_ACCESS, admins: ['ADMIN'] };
const admin = { platform: 'discord' as const, userId: 'ADMIN' };

describe('admin settings', () => {
  it('refuses a change from anyone but an admin or a platform administrator', () => {
    const settings = new SqliteAccessSettings(':memory:');
    const change = { setting: 'dms', on: false } as const;
    expect(applySetting(rules, settings, { platform: 'discord', userId: 'U1' }, change)).toMatchObject({
      ok: false,
      error: { code: 'access_denied' },
    });
    expect(settings.dms()).toBeUndefined();
    const byOwner = applySetting(
      rules,
      settings,
      { platform: 'discord', userId: 'U1', platformAdmin: true },
      change,
    );
    expect(byOwner).toEqual({ ok: true, value: { dms: false, offChannels: [] } });
  });

  it('switches the bot off in a channel and DMs off, for that platform only, until switched back', () => {
    const settings = new SqliteAccessSettings(':memory:');
    applySetting(rules, settings, admin, { setting: 'channel', channelId: 'C1', on: false });
    applySetting(rules, settings, admin, { setting: 'dms', on: false });
    expect(checkAccess(rules, msg(), settings)).toBe('channel');
    expect(checkAccess(rules, msg({ channelId: 'C2' }), settings)).toBeUndefined();
    expect(checkAccess(rules, msg({ platform: 'slack' }), settings)).toBeUndefined();
    expect(checkAccess(rules, msg({ isDirect: true }), settings)).toBe('dm');
    // Admins still reach the bot where it is off (to switch it back on).
    expect(checkAccess(rules, msg({ author: { id: 'ADMIN', name: 'root' } }), settings)).toBeUndefined();
    const shown = applySetting(rules, settings, admin, { setting: 'channel', channelId: 'C1', on: true });
    expect(shown).toEqual({ ok: true, value: { dms: false, offChannels: [] } });
    expect(checkAccess(rules, msg(), settings)).toBeUndefined();
  });

  it('keeps changes across a restart', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'settings-')), 'settings.db');
    const first = new SqliteAccessSettings(path);
    applySetting(rules, first, admin, { setting: 'channel', channelId: 'C9', on: false });
    first.close();
    const second = new SqliteAccessSettings(path);
    expect(applySetting(rules, second, admin, { setting: 'show' })).toEqual({
      ok: true,
      value: { dms: true, offChannels: ['C9'] },
    });
    second.close();
  });
});
