import { createServer, type IncomingMessage as HttpRequest, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export type Platform = 'discord' | 'slack';

/** [capacity, refills per second] of the token buckets, keyed by route; Discord's per channel. */
export const LIMITS: Record<string, [number, number]> = {
  'POST /channels/:id/messages': [5, 1],
  'PATCH /channels/:id/messages/:id': [5, 1],
  'POST /channels/:id/typing': [5, 1],
  'POST /channels/:id/messages/:id/threads': [5, 1],
  'chat.postMessage': [3, 1], // about one a second per channel, short bursts allowed
  'chat.update': [10, 50 / 60], // Tier 3, per workspace
  'conversations.replies': [10, 50 / 60], // Tier 3 (non-Marketplace apps: 1 a minute)
  'users.info': [20, 100 / 60], // Tier 4
  'files.getUploadURLExternal': [20, 100 / 60],
  'files.completeUploadExternal': [20, 100 / 60],
};
export const SCRIPTED = new Set(['POST /channels/:id/messages', 'chat.postMessage']);

/** 429s a proxy sent, by route; the scripted (unavoidable) ones under the key 'scripted'. */
export type Tally = Map<string, number>;
export const count = (tally: Tally, key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);

/** A loopback proxy in front of an emulator: polices LIMITS, scripts every 40th SCRIPTED call, forwards the rest. */
export async function policingProxy(platform: Platform, target: string) {
  const tally: Tally = new Map();
  const buckets = new Map<string, { tokens: number; at: number }>();
  const calls = new Map<string, number>();
  const serve = async (req: HttpRequest, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = (req.url ?? '/').split('?')[0]?.replace(/^\/api(\/v10)?/, '') ?? '';
    const discord = platform === 'discord';
    const route = discord ? `${req.method} ${path.replace(/\/\d{15,}/g, '/:id')}` : path.slice(1);
    const [capacity, rate] = LIMITS[route] ?? [0, 0];
    const headers: Record<string, string> = {};
    let retryAfter = 0;
    if (capacity > 0) {
      const channel = discord ? path.split('/')[2] : new URLSearchParams(`${body}`).get('channel');
      const key = `${route} ${discord || route === 'chat.postMessage' ? channel : ''}`;
      const now = performance.now();
      const b = buckets.get(key) ?? { tokens: capacity, at: now };
      b.tokens = Math.min(capacity, b.tokens + ((now - b.at) / 1000) * rate);
      b.at = now;
      buckets.set(key, b);
      calls.set(route, (calls.get(route) ?? 0) + 1);
      const scripted = SCRIPTED.has(route) && (calls.get(route) ?? 0) % 40 === 0;
      if (scripted || b.tokens < 1) {
        count(tally, scripted ? 'scripted' : route);
        retryAfter = scripted ? 1 : (1 - b.tokens) / rate;
      } else b.tokens -= 1;
      // Discord tells clients their bucket's state, so a 429 there means the client ignored it.
      const state = { limit: capacity, remaining: Math.floor(b.tokens), bucket: key };
      const reset = { 'reset-after': (Math.max(0, 1 - b.tokens) / rate).toFixed(3) };
      if (discord)
        for (const [k, v] of Object.entries({ ...state, ...reset })) headers[`x-ratelimit-${k}`] = `${v}`;
    }
    if (retryAfter > 0) {
      // Slack sends whole seconds; Discord also puts retry_after in the body.
      headers['retry-after'] = discord ? retryAfter.toFixed(3) : String(Math.ceil(retryAfter));
      res.writeHead(429, { ...headers, 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited', retry_after: retryAfter, global: false }));
      return;
    }
    const { host: _h, connection: _c, 'content-length': _l, ...kept } = req.headers;
    const init = { method: req.method ?? 'GET', headers: kept as Record<string, string> };
    const forwarded = await fetch(`${target}${req.url}`, body.length > 0 ? { ...init, body } : init);
    const type = forwarded.headers.get('content-type');
    res.writeHead(forwarded.status, { ...headers, ...(type ? { 'content-type': type } : {}) });
    res.end(Buffer.from(await forwarded.arrayBuffer()));
  };
  const server = createServer((req, res) => void serve(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tally };
}
