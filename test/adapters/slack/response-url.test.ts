import { webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { RESPONSE_URL_ALLOWANCE, ResponseUrl } from '../../../src/adapters/slack/response-url.js';
import { SlackApi } from '../../../src/adapters/slack/slack-api.js';
import { SlackEmulator, TEST_SECRETS } from '../../emulators/slack/slack-emulator.js';
import { TEST_PACING } from './harness.js';

describe('ResponseUrl: paced, retried, and within Slack allowance of 5 posts in 30 minutes', () => {
  let emu: SlackEmulator | undefined;
  let api: SlackApi | undefined;
  afterEach(async () => {
    await api?.close();
    await emu?.stop();
  });

  async function start(responseUrlMs: number): Promise<{ emu: SlackEmulator; api: SlackApi }> {
    emu = new SlackEmulator();
    await emu.start();
    const client = new webApi.WebClient(TEST_SECRETS.botToken, { slackApiUrl: emu.apiUrl });
    api = new SlackApi(client, { ...TEST_PACING, responseUrlMs }, { retries: 2, factor: 1, minTimeout: 10 });
    return { emu, api };
  }

  it('sends five posts a limiter interval apart, then refuses the sixth without sending it', async () => {
    const { emu, api } = await start(100);
    const url = new ResponseUrl(api, emu.responseUrl());
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => url.post({ response_type: 'ephemeral', text: `post ${i}` })),
    );
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, true, false]);
    expect(results[5]).toEqual({ ok: false, error: { reason: 'budget' } });
    const times = emu.callsOf('response_url').map((c) => c.at);
    expect(times).toHaveLength(RESPONSE_URL_ALLOWANCE.posts);
    // Spacing is measured where the posts land, so allow for jitter on each and check the whole run too.
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(50);
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(350);
  });

  it('refuses every post once 30 minutes have passed since the command', async () => {
    const { emu, api } = await start(0);
    let now = 1_000_000;
    const url = new ResponseUrl(api, emu.responseUrl(), () => now);
    expect((await url.post({ text: 'in time' })).ok).toBe(true);
    now += RESPONSE_URL_ALLOWANCE.windowMs + 1;
    expect(url.remaining).toBe(0);
    expect(await url.post({ text: 'too late' })).toEqual({ ok: false, error: { reason: 'budget' } });
    expect(emu.responses.map((r) => r.body.text)).toEqual(['in time']);
  });

  it('retries 5xx answers with backoff, gives up after the policy, and reports a failure value', async () => {
    const { emu, api } = await start(0);
    emu.failNext('response_url', { status: 500 });
    expect((await api.respond(emu.responseUrl(), { text: 'once more' })).ok).toBe(true);
    emu.failNext('response_url', { status: 500 }, { status: 500 }, { status: 500 });
    expect(await api.respond(emu.responseUrl(), { text: 'lost' })).toEqual({
      ok: false,
      error: { reason: 'http', status: 500 },
    });
    expect(emu.callsOf('response_url').map((c) => c.status)).toEqual([500, 200, 500, 500, 500]);
  });
});
