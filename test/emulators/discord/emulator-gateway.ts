import type { IncomingMessage as HttpRequest, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { EmulatorState } from './emulator-state.js';
import { shardOf } from './snowflake.js';

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

/** Discord's close code for an IDENTIFY whose shard id is not below its shard count. */
const INVALID_SHARD = 4010;

interface Dispatch {
  readonly s: number;
  readonly t: string;
  readonly d: unknown;
}

/** One gateway session: a shard `[id, count]` with its own sequence and replay buffer. */
interface Session {
  readonly id: string;
  readonly shard: readonly [number, number];
  socket: WebSocket | undefined;
  live: boolean;
  seq: number;
  /** Highest sequence already recorded in `deliveries` (a replay does not count twice). */
  recorded: number;
  readonly sent: Dispatch[];
}

/** One dispatch as a session received it (replays of a RESUME are not counted again). */
export interface Delivery {
  /** The shard id of the session it went to. */
  readonly shard: number;
  readonly t: string;
  /** `d.id` of the event (message, interaction or thread id), when it has one. */
  readonly id: string | undefined;
}

/**
 * The emulated gateway: HELLO → IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME with replay of what
 * was missed. Several sessions (shards) may be connected at once: IDENTIFY's `shard: [id, count]` is
 * honoured, and every guild event goes only to the session whose id is `(guild_id >> 22) % count`
 * (Discord's formula); events outside a guild (DMs) go to shard 0. As on Discord, two sessions that
 * identify with the same shard both receive its events. Dispatches made while a session is disconnected
 * are queued for it and replayed on RESUME.
 */
export class EmulatorGateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  /** Every session identified so far; disconnected ones stay resumable. */
  private readonly sessions: Session[] = [];
  /** Counters a test can assert on (all sessions together). */
  readonly stats = { identifies: 0, resumes: 0, heartbeats: 0, connections: 0 };
  /** Every dispatch each session received, in order, for tests asking which shard saw what. */
  readonly deliveries: Delivery[] = [];
  /** `shards` of GET /gateway/bot: the count a client asking for `'auto'` sharding uses. */
  recommendedShards = 1;
  /**
   * `session_start_limit.max_concurrency`: how many shards may IDENTIFY together. discord.js waits
   * 5 s between identifies in one bucket, so tests running several shards raise it.
   */
  maxConcurrency = 1;
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

  /** The `[id, count]` of every connected session, by shard id. */
  get shards(): Array<readonly [number, number]> {
    return this.sessions
      .filter((s) => s.live)
      .map((s) => s.shard)
      .sort((a, b) => a[0] - b[0]);
  }

  /**
   * Sends (or queues, while its session is disconnected) one dispatch event to the session of the
   * shard it belongs to: by `d.guild_id`, shard 0 without one. Dropped when no session owns that
   * shard yet, as Discord does not keep events for a shard nobody identified.
   */
  dispatch(t: string, d: unknown): void {
    const guildId = (d as { guild_id?: unknown } | null)?.guild_id;
    for (const session of this.sessions) {
      const [id, count] = session.shard;
      const owner = typeof guildId === 'string' ? shardOf(guildId, count) : 0;
      if (owner === id) this.dispatchTo(session, t, d);
    }
  }

  /** Drops the connection the way Discord does before asking for a resume (close code 4000). */
  disconnect(shard?: number): void {
    for (const session of this.sessions) {
      if (shard !== undefined && session.shard[0] !== shard) continue;
      session.live = false;
      session.socket?.close(4000, 'emulated disconnect');
      session.socket = undefined;
    }
  }

  /** Resolves on the next successful RESUME. */
  nextResume(): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ kind: 'resume', resolve }));
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.live = false;
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private dispatchTo(session: Session, t: string, d: unknown): void {
    session.seq += 1;
    const event: Dispatch = { s: session.seq, t, d };
    session.sent.push(event);
    if (session.live) this.deliver(session, event);
  }

  private deliver(session: Session, event: Dispatch): void {
    if (event.s > session.recorded) {
      session.recorded = event.s;
      this.deliveries.push({ shard: session.shard[0], t: event.t, id: idOf(event.d) });
    }
    this.send(session, { op: OP.Dispatch, ...event });
  }

  private onConnection(socket: WebSocket): void {
    this.stats.connections += 1;
    socket.on('message', (raw) => this.onPayload(socket, String(raw)));
    socket.on('close', () => {
      for (const session of this.sessions) {
        if (session.socket !== socket) continue;
        session.socket = undefined;
        session.live = false;
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
      const shard = (payload.d as { shard?: unknown }).shard;
      const [id, count] = Array.isArray(shard) ? shard.map(Number) : [0, 1];
      if (id === undefined || count === undefined || !(id >= 0 && id < count)) {
        socket.close(INVALID_SHARD, 'Invalid shard');
        return;
      }
      this.identify(socket, [id, count]);
    } else if (payload.op === OP.Resume) {
      this.resume(socket, payload.d as { session_id?: string; seq?: number });
    }
  }

  private resume(socket: WebSocket, d: { session_id?: string; seq?: number }): void {
    const session = this.sessions.find((s) => s.id === d.session_id);
    if (!session) {
      socket.send(JSON.stringify({ op: OP.InvalidSession, d: false, s: null, t: null }));
      return;
    }
    this.stats.resumes += 1;
    session.socket = socket;
    session.live = true;
    for (const event of session.sent.filter((e) => e.s > (d.seq ?? 0))) this.deliver(session, event);
    this.dispatchTo(session, 'RESUMED', {});
    this.settle('resume');
  }

  private identify(socket: WebSocket, shard: readonly [number, number]): void {
    this.stats.identifies += 1;
    // A re-IDENTIFY on the same connection (after an invalid session) ends the session it carried.
    for (const old of this.sessions.filter((s) => s.socket === socket)) {
      old.socket = undefined;
      old.live = false;
    }
    const session: Session = {
      id: `session-${Math.random().toString(36).slice(2)}`,
      shard,
      socket,
      live: true,
      seq: 0,
      recorded: 0,
      sent: [],
    };
    this.sessions.push(session);
    const guilds = [...this.state.guilds.values()].filter((g) => shardOf(g.id, shard[1]) === shard[0]);
    this.dispatchTo(session, 'READY', {
      v: 10,
      user: { ...this.state.bot, verified: true, mfa_enabled: false, flags: 0 },
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: this.wsUrl(),
      shard,
      application: { id: this.state.applicationId, flags: 0 },
    });
    for (const guild of guilds) this.dispatchTo(session, 'GUILD_CREATE', this.guildPayload(guild.id));
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

  private send(session: Session, payload: unknown): void {
    session.socket?.send(JSON.stringify(payload));
  }
}

function idOf(d: unknown): string | undefined {
  const id = (d as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : undefined;
}
