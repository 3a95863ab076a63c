import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SlackEventDelivery } from '../emulators/slack/event-delivery.js';
import { SlackEmulator, TEST_SECRETS } from '../emulators/slack/slack-emulator.js';
import { WORKSPACE } from '../emulators/slack/slack-state.js';

const BIN = new URL('../../bin/llmbind.js', import.meta.url).pathname;
/** The 8-byte PNG signature. */
const PNG_MAGIC = '89504e470d0a1a0a';

let child: ChildProcess | undefined;
let emu: SlackEmulator | undefined;
afterEach(async () => {
  child?.kill('SIGTERM');
  await new Promise((resolve) => (child?.exitCode === null ? child.once('exit', resolve) : resolve(null)));
  await emu?.stop();
});

/** Starts the emulator and `llmbind serve` on the shipped demo pack, configured only through env. */
async function serve(): Promise<{ emu: SlackEmulator; slack: SlackEventDelivery }> {
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
  return { emu, slack: new SlackEventDelivery(emu, { kind: 'socket' }) };
}

describe('llmbind serve with SLACK_BOT_TOKEN (Socket Mode)', () => {
  it('answers a mention in a thread on the shipped demo pack, configured only through env', async () => {
    const { emu, slack } = await serve();
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

  it('/llmbind imagine a red circle uploads a PNG made by the demo generator into the command thread', async () => {
    const { emu, slack } = await serve();
    const ack = await slack.slashCommand('/llmbind', 'imagine a red circle');
    expect(JSON.parse(ack.body)).toMatchObject({ response_type: 'ephemeral' });
    // Previews upload unshared; the result is the file shared into the channel.
    const shared = await emu.waitForCall(
      (c) => c.method === 'files.completeUploadExternal' && !!c.params.channel_id,
    );
    const root = emu.state.botMessages('C0GEN0001').find((m) => !m.thread_ts);
    expect(root?.text).toBe('<@U0ADA0001> used /llmbind imagine a red circle');
    expect(shared.params).toMatchObject({ channel_id: 'C0GEN0001', thread_ts: root?.ts });
    const fileId = (JSON.parse(String(shared.params.files)) as Array<{ id: string }>)[0]?.id;
    const upload = emu.callsOf('upload').find((c) => c.params.file_id === fileId && c.status === 200);
    expect(upload?.params.magic).toBe(PNG_MAGIC);
    expect(emu.state.files.get(fileId ?? '')?.mimetype).toBe('image/png');
  }, 30_000);
});
