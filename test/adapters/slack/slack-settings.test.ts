import { afterEach, describe, expect, it } from 'vitest';
import { OPEN_ACCESS } from '../../../src/core/access/access-policy.js';
import { SqliteAccessSettings } from '../../../src/core/store/sqlite-access-settings.js';
import { WORKSPACE } from '../../emulators/slack/slack-state.js';
import { type SlackRig, startRig } from './harness.js';

let rig: SlackRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

describe('Slack /llmbind settings', () => {
  it('lets a configured admin switch the bot off in a channel; others are refused; mentions are then refused', async () => {
    const settings = new SqliteAccessSettings(':memory:');
    const access = { ...OPEN_ACCESS, admins: ['U0ROOT001'], deniedNotice: true };
    rig = await startRig('http', {}, { core: { access, settings } });
    const r = rig;
    const settingsBy = async (user: string, text: string) => {
      const ack = await r.slack.slashCommand('/llmbind', text, { user });
      return JSON.parse(ack.body) as { text: string; response_type: string };
    };

    expect(await settingsBy('U0ADA0001', 'settings channel off')).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('Only the bot admins'),
    });
    expect(settings.offChannels('slack')).toEqual([]);
    expect((await settingsBy('U0ROOT001', 'settings channel off')).text).toContain('<#C0GEN0001>');
    expect((await settingsBy('U0ROOT001', 'settings dms')).text).toBe(
      'Usage: /llmbind settings [channel on|off | dms on|off].',
    );
    expect((await settingsBy('U0ADA0001', 'settings')).text).toContain('Only the bot admins');

    const asked = r.slack.userPosts({ channel: 'C0GEN0001', text: `<@${WORKSPACE.botUserId}> hello?` });
    await r.slack.mention(asked);
    const refusal = await r.emu.waitForCall(
      (c) =>
        /^chat\.(postMessage|update)$/.test(c.method) && /not available to you/.test(String(c.params.text)),
    );
    expect(refusal.params.channel).toBe('C0GEN0001');
    expect(r.engine.contexts).toHaveLength(0);
  });
});
