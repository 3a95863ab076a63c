import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

/** An envelope type Slack sends over Socket Mode. */
export type EnvelopeType = 'events_api' | 'slash_commands' | 'interactive';

/** What the app acknowledged an envelope with. */
export interface SocketAck {
  readonly envelope_id: string;
  readonly payload?: unknown;
}

/**
 * The Socket Mode side of the emulator: accepts the WebSocket opened on the URL that
 * apps.connections.open returned, sends `hello` first (the client waits for it), then envelopes, and
 * resolves each delivery with the app's ack.
 */
export class SocketModeServer {
  private readonly wss = new WebSocketServer({ noServer: true });
  private socket: WebSocket | undefined;
  private readonly pendingAcks = new Map<string, (ack: SocketAck) => void>();
  private readonly tickets = new Set<string>();
  private connectedWaiters: Array<() => void> = [];
  private envelopeCounter = 0;
  private pingTimer: NodeJS.Timeout | undefined;

  /** Whether an app is connected and has been greeted. */
  get connected(): boolean {
    return this.socket !== undefined;
  }

  /** Registers a one-time ticket (the query of the ws:// URL). */
  issueTicket(ticket: string): void {
    this.tickets.add(ticket);
  }

  /** Handles an HTTP upgrade; refuses URLs without a valid ticket. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ticket = new URL(req.url ?? '/', 'http://x').searchParams.get('ticket') ?? '';
    if (!this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  /** Resolves once an app is connected (immediately if one is). */
  async waitConnected(): Promise<void> {
    if (this.socket) return;
    await new Promise<void>((resolve) => this.connectedWaiters.push(resolve));
  }

  /** Sends one envelope and resolves with the app's ack. */
  async deliver(type: EnvelopeType, payload: unknown, retryAttempt = 0): Promise<SocketAck> {
    const socket = this.socket;
    if (!socket) throw new Error('no Socket Mode client is connected');
    this.envelopeCounter += 1;
    const envelopeId = `env-${this.envelopeCounter}`;
    const acked = new Promise<SocketAck>((resolve) => this.pendingAcks.set(envelopeId, resolve));
    socket.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: type !== 'events_api',
        ...(type === 'events_api'
          ? { retry_attempt: retryAttempt, retry_reason: retryAttempt > 0 ? 'timeout' : '' }
          : {}),
      }),
    );
    return acked;
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    clearInterval(this.pingTimer);
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    this.socket = ws;
    ws.on('message', (data) => {
      const ack = JSON.parse(String(data)) as SocketAck;
      const resolve = this.pendingAcks.get(ack.envelope_id);
      this.pendingAcks.delete(ack.envelope_id);
      resolve?.(ack);
    });
    ws.on('close', () => {
      if (this.socket === ws) this.socket = undefined;
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'emulator', approximate_connection_time: 3600 },
        connection_info: { app_id: 'A0EMU0001' },
      }),
    );
    // The client drops a connection that hears no ping from the server for 30 s.
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => ws.ping(), 5_000);
    this.pingTimer.unref();
    for (const waiter of this.connectedWaiters) waiter();
    this.connectedWaiters = [];
  }
}
