import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { slackAttachment } from '../../../src/adapters/slack/slack-files.js';

let close: (() => void) | undefined;
afterEach(() => close?.());

/** A loopback file host that answers every download with `bytes` (chunked: no content-length). */
async function fileHost(bytes: number): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png', 'transfer-encoding': 'chunked' });
    const chunk = Buffer.alloc(64 * 1024);
    let left = bytes;
    while (left > 0) {
      res.write(chunk.subarray(0, Math.min(left, chunk.length)));
      left -= chunk.length;
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => server.close();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('Slack file downloads', () => {
  it('refuses a file whose body is larger than the cap, whatever size Slack declared', async () => {
    const origin = await fileHost(1_200_000);
    const file = {
      id: 'F1',
      name: 'small.png',
      mimetype: 'image/png',
      size: 900,
      url_private: `${origin}/f`,
    };
    const access = { botToken: 'xoxb-test', allowedOrigins: [origin], maxBytes: 1_000_000 };
    await expect(slackAttachment(file, access).read()).rejects.toMatchObject({
      code: 'input_too_large',
      details: { name: 'small.png', limit: 1_000_000 },
    });
    const fits = await slackAttachment(file, { ...access, maxBytes: 2_000_000 }).read();
    expect(fits.byteLength).toBe(1_200_000);
  });
});
