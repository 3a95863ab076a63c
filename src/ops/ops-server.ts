import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/logger.js';

/** What /healthz reports. `draining` (shutting down) and `down` answer 503 so balancers stop routing. */
export interface HealthReport {
  readonly status: 'ok' | 'degraded' | 'draining' | 'down';
  /** Small facts for operators (queue depth, adapters connected); no secrets. */
  readonly checks?: Readonly<Record<string, string | number | boolean>>;
}

/** Options of {@link OpsServer} (config: `ops.host`, `ops.port`). */
export interface OpsServerOptions {
  /** Bind address; loopback by default, because /metrics is not for the public internet. */
  readonly host?: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly scrape: () => Promise<{ contentType: string; body: string }>;
  readonly health: () => HealthReport | Promise<HealthReport>;
  readonly logger?: Logger;
}

/** A tiny node:http server for `/metrics` (Prometheus text) and `/healthz` (JSON). */
export class OpsServer {
  private server: Server | undefined;

  constructor(private readonly options: OpsServerOptions) {}

  /** Starts listening; resolves with the bound port. */
  async start(): Promise<number> {
    const server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        this.options.logger?.error({ err: String(error), url: req.url }, 'ops endpoint failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  /** Stops listening and closes idle keep-alive connections (Prometheus keeps one open). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://ops').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('method not allowed\n');
      return;
    }
    if (path === '/metrics') {
      const { contentType, body } = await this.options.scrape();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/healthz') {
      const report = await this.options.health();
      const healthy = report.status === 'ok' || report.status === 'degraded';
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(report));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  }
}
