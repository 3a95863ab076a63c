import type { IncomingMessage as HttpRequest, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { EmulatorState } from './emulator-state.js';

/** Gateway opcodes the emulator speaks. */
const OP = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  Resume: 6,
  Reconnect: 7,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

interface Dispatch {
  readonly s: number;
  readonly t: string;
  readonly d: unknown;
}

/**
 * The emulated gateway (one shard): HELLO → IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME with
 * replay of what was missed. Dispatches made while no session is connected are queued and replayed.
 */
export class EmulatorGateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private socket: WebSocket | undefined;
  private live = false;
  private seq = 0;
  private readonly sent: Dispatch[] = [];
  private readonly sessionId = `session-${Math.random().toString(36).slice(2)}`;
  /** Counters a test can assert on. */
  readonly stats = { identifies: 0, resumes: 0, heartbeats: 0, connections: 0 };
  private readonly waiters: Array<{ kind: 'resume' | 'identify'; resolve: () => void }> = [];

  constructor(
    private readonly state: EmulatorState,
    private readonly wsUrl: () => string,
  ) {
    this.wss.on('connection', (socket) => this.onConnection(socket));
  }

  /** Takes over `/gateway` upgrades of the HTTP server. */
  attach(server: Server): void {
    server.on('upgrade', (req: HttpRequest, socket: Duplex, head: Buffer) => {
      if (!req.url?.startsWith('/gateway')) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
    });
  }

  /** Sends (or queues, while disconnected) one dispatch event. */
  dispatch(t: string, d: unknown): void {
    this.seq += 1;
    const event: Dispatch = { s: this.seq, t, d };
    this.sent.push(event);
    if (this.live) this.send({ op: OP.Dispatch, ...event });
  }

  /** Drops the connection the way Discord does before asking for a resume (close code 4000). */
  disconnect(): void {
    this.live = false;
    this.socket?.close(4000, 'emulated disconnect');
    this.socket = undefined;
  }

  /** Resolves on the next successful RESUME. */
  nextResume(): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ kind: 'resume', resolve }));
  }

  async close(): Promise<void> {
    this.live = false;
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(socket: WebSocket): void {
    this.stats.connections += 1;
    this.socket = socket;
    socket.on('message', (raw) => this.onPayload(socket, String(raw)));
    socket.on('close', () => {
      if (this.socket === socket) {
        this.socket = undefined;
        this.live = false;
      }
    });
    socket.send(JSON.stringify({ op: OP.Hello, d: { heartbeat_interval: 41_250 }, s: null, t: null }));
  }

  private onPayload(socket: WebSocket, raw: string): void {
    const payload = JSON.parse(raw) as { op: number; d: Record<string, unknown> | number | null };
    if (payload.op === OP.Heartbeat) {
      this.stats.heartbeats += 1;
      socket.send(JSON.stringify({ op: OP.HeartbeatAck, d: null, s: null, t: null }));
    } else if (payload.op === OP.Identify) {
      this.identify();
    } else if (payload.op === OP.Resume) {
      const d = payload.d as { session_id?: string; seq?: number };
      if (d.session_id !== this.sessionId) {
        socket.send(JSON.stringify({ op: OP.InvalidSession, d: false, s: null, t: null }));
        return;
      }
      this.stats.resumes += 1;
      this.live = true;
      for (const event of this.sent.filter((e) => e.s > (d.seq ?? 0)))
        this.send({ op: OP.Dispatch, ...event });
      this.dispatch('RESUMED', {});
      this.settle('resume');
    }
  }

  private identify(): void {
    this.stats.identifies += 1;
    this.live = true;
    const guilds = [...this.state.guilds.values()];
    this.dispatch('READY', {
      v: 10,
      user: { ...this.state.bot, verified: true, mfa_enabled: false, flags: 0 },
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: this.sessionId,
      resume_gateway_url: this.wsUrl(),
      shard: [0, 1],
      application: { id: this.state.applicationId, flags: 0 },
    });
    for (const guild of guilds) this.dispatch('GUILD_CREATE', this.guildPayload(guild.id));
    this.settle('identify');
  }

  private guildPayload(guildId: string): Record<string, unknown> {
    const guild = this.state.guilds.get(guildId);
    const channels = [...this.state.channels.values()].filter((c) => c.guild_id === guildId);
    return {
      id: guildId,
      name: guild?.name ?? 'guild',
      icon: null,
      owner_id: this.state.bot.id,
      premium_tier: guild?.premiumTier ?? 0,
      features: [],
      unavailable: false,
      large: false,
      member_count: 2,
      joined_at: new Date().toISOString(),
      roles: [
        {
          id: guildId,
          name: '@everyone',
          permissions: '2248473465835073',
          position: 0,
          color: 0,
          hoist: false,
          managed: false,
          mentionable: false,
          flags: 0,
        },
      ],
      members: [
        { user: this.state.bot, roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false },
      ],
      channels: channels.filter((c) => c.type !== 11),
      threads: channels.filter((c) => c.type === 11),
      emojis: [],
      stickers: [],
      voice_states: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  private settle(kind: 'resume' | 'identify'): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i];
      if (waiter?.kind === kind) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  private send(payload: unknown): void {
    this.socket?.send(JSON.stringify(payload));
  }
}
