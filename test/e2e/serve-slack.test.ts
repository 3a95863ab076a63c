import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SlackEventDelivery } from '../emulators/slack/event-delivery.js';
import { SlackEmulator, TEST_SECRETS } from '../emulators/slack/slack-emulator.js';
import { WORKSPACE } from '../emulators/slack/slack-state.js';

const BIN = new URL('../../bin/llmbind.js', import.meta.url).pathname;

let child: ChildProcess | undefined;
let emu: SlackEmulator | undefined;
afterEach(async () => {
  child?.kill('SIGTERM');
  await new Promise((resolve) => (child?.exitCode === null ? child.once('exit', resolve) : resolve(null)));
  await emu?.stop();
});

describe('llmbind serve with SLACK_BOT_TOKEN (Socket Mode)', () => {
  it('answers a mention in a thread on the shipped demo pack, configured only through env', async () => {
    emu = new SlackEmulator();
    await emu.start();
    child = spawn(process.execPath, [BIN, 'serve'], {
      env: {
        ...process.env,
        SLACK_BOT_TOKEN: TEST_SECRETS.botToken,
        SLACK_SIGNING_SECRET: TEST_SECRETS.signingSecret,
        SLACK_APP_TOKEN: TEST_SECRETS.appToken,
        SLACK_API_URL: emu.apiUrl,
        LLMBIND_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'serve-slack-')), 'data'),
        LLMBIND_OPS_PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await emu.socketMode.waitConnected();
    const slack = new SlackEventDelivery(emu, { kind: 'socket' });
    const asked = slack.userPosts({
      channel: 'C0GEN0001',
      text: `<@${WORKSPACE.botUserId}> what can you do?`,
    });
    await slack.mention(asked);
    // The streamed reply settles (chat.update) on the demo model's help answer, in the thread.
    const update = await emu.waitForCall(
      (c) =>
        /^chat\.(postMessage|update)$/.test(c.method) &&
        /circles, squares and triangles/.test(String(c.params.text)),
    );
    expect(update.params.channel).toBe('C0GEN0001');
    const thread = emu.state.botMessages('C0GEN0001', asked.ts);
    expect(thread.some((m) => /draw/i.test(m.text))).toBe(true);
  });
});
