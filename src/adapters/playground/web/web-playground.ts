import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LlmbindError, toFailure } from '../../../core/errors.js';
import type { TurnReport } from '../../../core/orchestrator.js';
import type { Adapter } from '../../adapter.js';
import { historyView } from './history-view.js';
import { isAllowedHost, isSameOrigin, readJson, sendError, sendJson } from './http-io.js';
import { MediaIndex } from './media-index.js';
import { PlaygroundSink } from './playground-sink.js';
import { SseStream } from './sse-stream.js';
import { CONTENT_SECURITY_POLICY, loadStaticAssets, type StaticAsset } from './static-assets.js';
import { noticeText, queuedText, TEXT } from './texts.js';
import { TurnQueue } from './turn-queue.js';
import { CONVERSATION_ID, coreConversationId, toIncomingMessage } from './turn-request.js';
import { WEB_PLAYGROUND_DEFAULTS, type WebPlaygroundOptions } from './web-playground-options.js';

/** Base64 makes uploads a third larger; the rest of a turn body is small. */
const bodyLimit = (uploadBytes: number): number => Math.ceil(uploadBytes * 1.34) + 64 * 1024;

/**
 * The local web playground: a small chat page on node:http (127.0.0.1 by default) over the same
 * Orchestrator as Discord and Slack. Each turn is one POST whose response streams the ReplySink's calls
 * as server-sent events; produced media is served from the media store. Everything the page needs is
 * served from ./static (no CDN).
 *
 * HTTP API (all JSON unless said otherwise):
 * - `GET /` the page; `GET /static/{app.js,dom.js,thread.js,style.css,icon.svg}` its assets
 * - `GET /api/info` → `{ model: { label, cardUrl? }, maxUploadBytes }`
 * - `GET /model-card` the model card (text/plain), when configured
 * - `GET /api/conversations/:id` → `{ id, turns: TurnView[] }`
 * - `DELETE /api/conversations/:id` forgets the conversation
 * - `POST /api/conversations/:id/turns` body `{ text, attachments?: [{name, mime, data(base64)}],
 *   replyTo?: mediaId, forcedTask?, seed? }` → `text/event-stream` of `accepted`, `queued`, `started`,
 *   `typing`, `text`, `progress`, `media`, `notice`, `done`
 * - `GET /media/:sha256` a stored file the page has been shown
 */
export class WebPlayground implements Adapter {
  readonly name = 'web-playground';
  private readonly index: MediaIndex;
  private readonly queue: TurnQueue;
  private readonly maxUploadBytes: number;
  private readonly stopping = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly allowedHosts: ReadonlySet<string>;
  private assets: ReadonlyMap<string, StaticAsset> = new Map();
  private server: Server | undefined;
  private address: AddressInfo | undefined;

  constructor(private readonly options: WebPlaygroundOptions) {
    this.index = new MediaIndex(options.media);
    this.queue = new TurnQueue(options.concurrency ?? WEB_PLAYGROUND_DEFAULTS.concurrency);
    this.maxUploadBytes = options.maxUploadBytes ?? WEB_PLAYGROUND_DEFAULTS.maxUploadBytes;
    this.allowedHosts = new Set(['127.0.0.1', 'localhost', '[::1]', options.host.toLowerCase()]);
  }

  /** The page's URL once started (what `serve` prints). */
  get url(): string {
    if (!this.address) throw new Error('the playground has not started');
    const host =
      this.options.host === '0.0.0.0' || this.options.host === '::' ? '127.0.0.1' : this.options.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.address.port}/`;
  }

  /** Turns waiting for a free slot. */
  get queuedTurns(): number {
    return this.queue.length;
  }

  async start(): Promise<void> {
    this.assets = await loadStaticAssets();
    const server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => this.fail(res, error));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.address = server.address() as AddressInfo;
    this.options.logger.info({ url: this.url }, 'web playground listening');
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    // Running turns are cancelled; their streams end with a `cancelled` notice.
    this.stopping.abort();
    await Promise.allSettled([...this.inFlight]);
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isAllowedHost(req.headers.host, this.allowedHosts)) {
      return sendError(res, 403, 'forbidden', TEXT.forbidden);
    }
    const url = new URL(req.url ?? '/', 'http://playground.invalid');
    const parts = url.pathname.split('/').filter(Boolean);
    const method = req.method ?? 'GET';
    if (method === 'GET' && parts.length === 0) return this.sendAsset(res, 'index.html');
    if (method === 'GET' && parts[0] === 'static' && parts.length === 2 && parts[1] !== 'index.html')
      return this.sendAsset(res, parts[1] ?? '');
    if (method === 'GET' && url.pathname === '/api/info') return this.sendInfo(res);
    if (method === 'GET' && url.pathname === '/model-card') return this.sendModelCard(res);
    if (method === 'GET' && parts[0] === 'media' && parts.length === 2)
      return this.sendMedia(res, parts[1] ?? '');
    if (parts[0] === 'api' && parts[1] === 'conversations' && parts[2] && CONVERSATION_ID.test(parts[2])) {
      const id = parts[2];
      if (method !== 'GET' && !isSameOrigin(req)) return sendError(res, 403, 'forbidden', TEXT.forbidden);
      if (parts.length === 3 && method === 'GET') return this.sendHistory(res, id);
      if (parts.length === 3 && method === 'DELETE') {
        await this.options.store.reset(coreConversationId(id));
        res.writeHead(204).end();
        return;
      }
      if (parts.length === 4 && parts[3] === 'turns' && method === 'POST') return this.runTurn(req, res, id);
    }
    sendError(res, 404, 'not_found', TEXT.notFound);
  }

  private sendAsset(res: ServerResponse, name: string): void {
    const asset = this.assets.get(name);
    if (!asset) {
      sendError(res, 404, 'not_found', TEXT.notFound);
      return;
    }
    res.writeHead(200, {
      'content-type': asset.type,
      'content-length': asset.body.byteLength,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      ...(name === 'index.html'
        ? { 'content-security-policy': CONTENT_SECURITY_POLICY, 'referrer-policy': 'no-referrer' }
        : {}),
    });
    res.end(asset.body);
  }

  private sendInfo(res: ServerResponse): void {
    const model = this.options.model;
    sendJson(res, 200, {
      model: {
        label: model?.label ?? TEXT.defaultModel,
        ...(model?.cardPath ? { cardUrl: '/model-card' } : {}),
      },
      maxUploadBytes: this.maxUploadBytes,
    });
  }

  private async sendModelCard(res: ServerResponse): Promise<void> {
    const path = this.options.model?.cardPath;
    const card = path ? await readFile(path).catch(() => undefined) : undefined;
    if (!card) return sendError(res, 404, 'not_found', TEXT.notFound);
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
    });
    res.end(card);
  }

  private async sendMedia(res: ServerResponse, mediaId: string): Promise<void> {
    const stored = await this.index.read(mediaId).catch(() => undefined);
    if (!stored) return sendError(res, 404, 'not_found', TEXT.notFound);
    res.writeHead(200, {
      'content-type': stored.ref.mime,
      'content-length': stored.bytes.byteLength,
      // Content-addressed: the bytes behind an id never change.
      'cache-control': 'private, max-age=31536000, immutable',
      'content-disposition': `inline; filename="${stored.ref.name.replace(/[^\w.-]/g, '_')}"`,
      'x-content-type-options': 'nosniff',
      // Stored files are shown, never run (an uploaded SVG or HTML must not script this origin).
      'content-security-policy': "default-src 'none'; sandbox",
    });
    res.end(stored.bytes);
  }

  private async sendHistory(res: ServerResponse, id: string): Promise<void> {
    const conversation = await this.options.store.load(coreConversationId(id));
    sendJson(res, 200, { id, turns: historyView(conversation, this.index) });
  }

  private async runTurn(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const body = await readJson(req, bodyLimit(this.maxUploadBytes));
    const messageId = `web-${randomUUID()}`;
    const parsed = await toIncomingMessage(body, { conversation: id, message: messageId }, this.index);
    if (!parsed.ok) return sendError(res, 400, parsed.error.code, parsed.error.message);
    const message = parsed.value;
    const uploaded = message.attachments.reduce((sum, a) => sum + a.size, 0);
    if (uploaded > this.maxUploadBytes) return sendError(res, 413, 'input_too_large', TEXT.tooLarge);

    const stream = new SseStream(res);
    const gone = new AbortController();
    // The client closing the page (or the fetch) cancels its turn, queued or running.
    res.on('close', () => {
      if (!res.writableEnded) gone.abort();
    });
    const signal = AbortSignal.any([this.stopping.signal, gone.signal]);
    const sink = new PlaygroundSink(stream, this.index);
    let report: TurnReport | undefined;
    stream.send('accepted', { messageId });
    const turn = this.queue
      .push(
        async () => {
          stream.send('started', {});
          try {
            report = await this.options.handler.handle(message, sink, signal);
          } catch (error) {
            // A bug below: the core never throws for expected failures. Log it, keep serving.
            this.options.logger.error({ err: toFailure(error).message, conversation: id }, 'turn failed');
            await sink.notice({ code: 'internal' });
          }
        },
        (position) => stream.send('queued', { position, label: queuedText(position) }),
        signal,
      )
      .then(() => {
        if (!report && signal.aborted)
          stream.send('notice', { code: 'cancelled', text: noticeText({ code: 'cancelled' }) });
        stream.send('done', { messageId, ...(report?.error ? { error: report.error } : {}) });
        stream.end();
        this.options.onTurn?.(id, report);
      });
    this.inFlight.add(turn);
    await turn.finally(() => this.inFlight.delete(turn));
  }

  private fail(res: ServerResponse, error: unknown): void {
    const failure = toFailure(error);
    if (!LlmbindError.isInstance(error))
      this.options.logger.error({ err: failure.message }, 'playground request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    const status = failure.code === 'input_too_large' ? 413 : failure.code === 'bad_input' ? 400 : 500;
    sendError(res, status, failure.code, status === 500 ? 'internal error' : failure.message);
  }
}
