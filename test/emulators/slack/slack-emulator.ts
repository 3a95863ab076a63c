import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signedHeaders } from './signing.js';
import { type EmuCall, type ScriptedFailure, SlackState, WORKSPACE } from './slack-state.js';
import { SocketModeServer } from './socket-mode-server.js';
import { runMethod } from './web-api-methods.js';

/** Secrets the emulated workspace issues to the app. */
export interface EmulatorSecrets {
  readonly botToken: string;
  readonly appToken: string;
  readonly signingSecret: string;
}

/** The default secrets (tests only). */
export const TEST_SECRETS: EmulatorSecrets = {
  botToken: 'xoxb-emulated-bot-token',
  appToken: 'xapp-emulated-app-token',
  signingSecret: 'emulated-signing-secret',
};

/**
 * A loopback Slack: the Web API methods the adapter uses, the upload URL, file downloads (bot token
 * only), response_url, and a Socket Mode server, every call recorded, with scripted failures (429 with
 * Retry-After, 500). Event delivery lives in {@link SlackEventDelivery}.
 */
export class SlackEmulator {
  readonly state = new SlackState();
  readonly calls: EmuCall[] = [];
  readonly socketMode = new SocketModeServer();
  /** Bodies posted to response_url, in order. */
  readonly responses: Array<{ id: string; body: Record<string, unknown> }> = [];
  private readonly server: Server;
  private readonly failures = new Map<string, ScriptedFailure[]>();
  private readonly callWaiters: Array<{ match: (c: EmuCall) => boolean; resolve: (c: EmuCall) => void }> = [];
  private port = 0;

  constructor(readonly secrets: EmulatorSecrets = TEST_SECRETS) {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
      });
    });
    this.server.on('upgrade', (req, socket, head) => this.socketMode.upgrade(req, socket, head));
  }

  /** Listens on 127.0.0.1 at a free port. */
  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Base URL, ending in `/`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** What the app's `slackApiUrl` must be. */
  get apiUrl(): string {
    return `${this.baseUrl}api/`;
  }

  /** Makes the next calls of `method` fail in order (`upload` is the upload URL, `response_url` its posts). */
  failNext(method: string, ...failures: ScriptedFailure[]): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...failures]);
  }

  /** Recorded calls of one method, in order. */
  callsOf(method: string): EmuCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves with the first call (already made or future) that matches. */
  async waitForCall(match: (c: EmuCall) => boolean): Promise<EmuCall> {
    const seen = this.calls.find(match);
    if (seen) return seen;
    return new Promise((resolve) => this.callWaiters.push({ match, resolve }));
  }

  /** A response_url for a slash command or action. */
  responseUrl(): string {
    return `${this.baseUrl}response/${this.state.nextId('R')}`;
  }

  /** Signs and POSTs a body to the app, like Slack's event and interactivity delivery. */
  async postSigned(
    url: string,
    body: string,
    contentType: string,
    extraHeaders: Record<string, string> = {},
    sign: { timestamp?: number; secret?: string } = {},
  ): Promise<{ status: number; body: string }> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...signedHeaders(this.secrets.signingSecret, body, contentType, sign), ...extraHeaders },
      body,
    });
    return { status: res.status, body: await res.text() };
  }

  /** Stops listening and drops connections. */
  async stop(): Promise<void> {
    await this.socketMode.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private record(method: string, params: Record<string, unknown>, status: number): void {
    const call: EmuCall = { method, params, status, at: Date.now() };
    this.calls.push(call);
    for (const waiter of [...this.callWaiters]) {
      if (!waiter.match(call)) continue;
      this.callWaiters.splice(this.callWaiters.indexOf(waiter), 1);
      waiter.resolve(call);
    }
  }

  /** Consumes a scripted failure for `method` and answers it; true when one was sent. */
  private scripted(method: string, params: Record<string, unknown>, res: ServerResponse): boolean {
    const failure = this.failures.get(method)?.shift();
    if (!failure) return false;
    this.record(method, params, failure.status);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (failure.status === 429) headers['retry-after'] = String(failure.retryAfter ?? 1);
    res.writeHead(failure.status, headers).end(JSON.stringify({ ok: false, error: 'ratelimited' }));
    return true;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const auth = req.headers.authorization?.replace(/^Bearer /, '');
    const [, first, second, third] = url.pathname.split('/');

    if (first === 'api' && second) {
      const params = await parseBody(raw, req.headers['content-type'] ?? '');
      if (this.scripted(second, params, res)) return;
      const token = auth ?? (typeof params.token === 'string' ? params.token : undefined);
      const result = runMethod(second, params, {
        state: this.state,
        baseUrl: this.baseUrl,
        token,
        botToken: this.secrets.botToken,
        appToken: this.secrets.appToken,
        socketUrl: () => {
          const ticket = this.state.nextId('tk');
          this.socketMode.issueTicket(ticket);
          return `ws://127.0.0.1:${this.port}/socket?ticket=${ticket}`;
        },
      });
      this.record(second, params, 200);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
      return;
    }
    if (first === 'upload' && second) {
      if (this.scripted('upload', { file_id: second }, res)) return;
      const file = this.state.files.get(second);
      const form = await new Response(raw, {
        headers: { 'content-type': req.headers['content-type'] ?? '' },
      }).formData();
      const part = [...form.values()].find((v) => typeof v !== 'string') as Blob | undefined;
      if (!file || !part) {
        this.record('upload', { file_id: second }, 400);
        res.writeHead(400, { 'content-type': 'text/plain' }).end('bad upload');
        return;
      }
      file.bytes = new Uint8Array(await part.arrayBuffer());
      // The first bytes identify the format (PNG, MP4, WAV…) without keeping the file in the record.
      const magic = Buffer.from(file.bytes.subarray(0, 8)).toString('hex');
      this.record('upload', { file_id: second, size: file.bytes.byteLength, magic }, 200);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${file.bytes.byteLength}`);
      return;
    }
    if (first === 'files-pri' && second) {
      const file = this.state.files.get(second);
      const allowed = auth === this.secrets.botToken;
      const status = !allowed ? 403 : file ? 200 : 404;
      this.record('file.download', { file_id: second, name: third ?? '' }, status);
      if (status !== 200 || !file) {
        res.writeHead(status, { 'content-type': 'text/html' }).end('<html>login</html>');
        return;
      }
      res.writeHead(200, { 'content-type': file.mimetype }).end(Buffer.from(file.bytes));
      return;
    }
    if (first === 'response' && second) {
      const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
      if (this.scripted('response_url', { ...body, url_id: second }, res)) return;
      if (req.headers['content-type']?.startsWith('application/json') !== true) {
        this.record('response_url', { url_id: second }, 400);
        res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
        return;
      }
      this.responses.push({ id: second, body });
      this.record('response_url', body, 200);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
}

/** Reads a Web API body the way Slack does: form-encoded, JSON, or multipart. */
async function parseBody(raw: Buffer, contentType: string): Promise<Record<string, unknown>> {
  if (raw.byteLength === 0) return {};
  if (contentType.startsWith('application/json')) return JSON.parse(raw.toString('utf8'));
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    return Object.fromEntries([...form.entries()].map(([k, v]) => [k, typeof v === 'string' ? v : '<file>']));
  }
  return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
}

export { WORKSPACE };
