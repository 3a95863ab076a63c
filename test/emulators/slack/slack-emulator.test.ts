import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { SlackEventDelivery } from './event-delivery.js';
import { SlackEmulator, TEST_SECRETS } from './slack-emulator.js';

const quiet = { logLevel: LogLevel.ERROR };

describe('Slack emulator with the real Bolt App', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function emulator(): Promise<SlackEmulator> {
    const emu = new SlackEmulator();
    await emu.start();
    cleanups.push(() => emu.stop());
    return emu;
  }

  it('serves auth.test, delivers a signed app_mention and records the threaded reply', async () => {
    const emu = await emulator();
    const receiver = new HTTPReceiver({ signingSecret: TEST_SECRETS.signingSecret, ...quiet });
    const app = new App({
      token: TEST_SECRETS.botToken,
      receiver,
      clientOptions: { slackApiUrl: emu.apiUrl },
      ...quiet,
    });
    app.event('app_mention', async ({ event, say }) => {
      await say({ text: `echo: ${event.text}`, thread_ts: event.ts });
    });
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    cleanups.push(async () => {
      await app.stop();
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    const slack = new SlackEventDelivery(emu, { kind: 'http', url });

    const asked = slack.userPosts({ channel: 'C0GEN0001', text: '<@U0BOT0001> hi' });
    expect((await slack.mention(asked)).status).toBe(200);
    const post = await emu.waitForCall((c) => c.method === 'chat.postMessage');
    expect(post.params).toMatchObject({ channel: 'C0GEN0001', thread_ts: asked.ts });
    expect(emu.callsOf('auth.test').length).toBeGreaterThan(0);
    expect(emu.state.botMessages('C0GEN0001', asked.ts)[0]?.text).toBe('echo: <@U0BOT0001> hi');

    const forged = await slack.mention(asked, { sign: { secret: 'not-the-secret' } });
    expect(forged.status).toBe(401);
    const stale = await slack.mention(asked, { sign: { timestamp: Math.floor(Date.now() / 1000) - 600 } });
    expect(stale.status).toBe(401);
  });

  it('opens a Socket Mode connection over ws://, greets with hello and receives acks', async () => {
    const emu = await emulator();
    const receiver = new SocketModeReceiver({
      appToken: TEST_SECRETS.appToken,
      installerOptions: { clientOptions: { slackApiUrl: emu.apiUrl } },
      ...quiet,
    });
    const app = new App({
      token: TEST_SECRETS.botToken,
      receiver,
      clientOptions: { slackApiUrl: emu.apiUrl },
      ...quiet,
    });
    app.command('/echo', async ({ ack, command }) => {
      await ack({ text: `you said ${command.text}` });
    });
    await app.start();
    cleanups.push(async () => {
      await app.stop();
    });
    const slack = new SlackEventDelivery(emu, { kind: 'socket' });
    const result = await slack.slashCommand('/echo', 'hello');
    expect(JSON.parse(result.body)).toMatchObject({ text: 'you said hello' });
    expect(emu.callsOf('apps.connections.open')).toHaveLength(1);
  });
});
