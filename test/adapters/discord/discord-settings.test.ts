import { afterEach, describe, expect, it } from 'vitest';
import { OPEN_ACCESS } from '../../../src/core/access/access-policy.js';
import { SqliteAccessSettings } from '../../../src/core/store/sqlite-access-settings.js';
import { MANAGE_GUILD } from '../../emulators/discord/emulator-interactions.js';
import { done } from '../../fakes/fake-engine.js';
import { createHarness } from './harness.js';

type Harness = Awaited<ReturnType<typeof createHarness>>;
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('Discord /settings', () => {
  it('lets a server manager switch the bot off and on in a channel; members are refused', async () => {
    const settings = new SqliteAccessSettings(':memory:');
    const script = () => [{ type: 'text' as const, delta: 'hi there' }, done('hi there')];
    h = await createHarness({ script, core: { access: { ...OPEN_ACCESS, deniedNotice: true }, settings } });
    const { emu, channel, ada } = h;
    const owner = emu.state.addUser('owner');
    const settingsBy = async (user: typeof ada, value: string, as = {}) => {
      const i = emu.command(channel.id, user, 'settings', { setting: 'channel', value }, {}, as);
      await emu.waitFor(() => i.callbacks.length > 0);
      expect(i.callbacks[0]?.data?.flags).toBe(64); // ephemeral: only the asker sees it
      return String(i.callbacks[0]?.data?.content);
    };

    expect(await settingsBy(ada, 'off')).toContain('Only the bot admins');
    expect(settings.offChannels('discord')).toEqual([]);

    expect(await settingsBy(owner, 'off', { permissions: String(MANAGE_GUILD) })).toContain(
      `<#${channel.id}>`,
    );
    const asked = emu.userSays(channel.id, ada, 'hello?', { mention: true });
    const refusal = await emu.waitFor(() => emu.botMessages(emu.threadOf(asked.id)?.id ?? channel.id)[0]);
    expect(refusal.content).toContain('not available to you here');

    expect(await settingsBy(owner, 'on', { permissions: String(MANAGE_GUILD) })).toContain('every channel');
    const again = emu.userSays(channel.id, ada, 'hello again', { mention: true });
    const answer = await emu.waitFor(() =>
      emu.botMessages(emu.threadOf(again.id)?.id ?? '').find((m) => m.content === 'hi there'),
    );
    expect(answer.content).toBe('hi there');
  });
});
