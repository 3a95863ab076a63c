import { EventEmitter } from 'node:events';
import {
  createServer,
  type IncomingMessage as HttpRequest,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmulatorGateway } from './emulator-gateway.js';
import {
  apiError,
  faultReply,
  parseRequest,
  type RestReply,
  type UploadedFile,
  writeReply,
} from './emulator-http.js';
import { type CommandFile, EmulatorInteractions, type Interactor } from './emulator-interactions.js';
import { type EmulatedInteraction, EmulatorRest, EPHEMERAL } from './emulator-rest.js';
import { type ApiChannel, type ApiMessage, type ApiUser, EmulatorState } from './emulator-state.js';
import { snowflake } from './snowflake.js';

/** One REST call as the emulator saw it. */
export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  /** Path with ids replaced, e.g. `/channels/:id/messages`. */
  readonly route: string;
  /** Query string parameters (`before`, `limit` of history reads). */
  readonly query: URLSearchParams;
  readonly status: number;
  readonly body: Record<string, unknown> | undefined;
  readonly files: readonly UploadedFile[];
}

/** A scripted failure: the next `times` matching calls get this status instead of being served. */
export interface Fault {
  readonly method?: string;
  /** Matched against the normalised route (`/channels/:id/messages/:id`). */
  readonly route?: RegExp;
  /** 413 answers as an edge proxy does: a bare HTML body, no Discord JSON code. */
  readonly status: 429 | 500 | 502 | 403 | 413;
  /** Discord JSON error code (e.g. 50013 Missing Permissions). */
  readonly code?: number;
  readonly retryAfterMs?: number;
  /** Only requests that upload files (a missing Attach Files permission). */
  readonly withFiles?: boolean;
  times: number;
}

const REST_PREFIX = '/api/v10';

/**
 * A loopback Discord (REST v10 + gateway) for the real discord.js client. Records every REST call,
 * serves attachment bytes from an emulated CDN, and can inject 429s, 5xx, 413s and permission errors.
 * Lasting conditions live in the state: channels where the bot may not post (`state.sendDenied`),
 * users whose DMs are closed (`state.closedDms`), and each guild's accepted upload size.
 */
export class DiscordEmulator {
  readonly state = new EmulatorState(() => this.baseUrl);
  readonly calls: RecordedCall[] = [];
  readonly gateway: EmulatorGateway;
  readonly rest: EmulatorRest;
  private readonly interactions: EmulatorInteractions;
  private readonly server: Server;
  private readonly faults: Fault[] = [];
  private readonly changed = new EventEmitter();
  private port = 0;

  constructor() {
    this.gateway = new EmulatorGateway(this.state, () => this.gatewayUrl);
    this.rest = new EmulatorRest(this.state, this.gateway, () => this.gatewayUrl);
    this.interactions = new EmulatorInteractions(this.state, this.rest, this.gateway);
    this.server = createServer((req, res) => void this.serve(req, res));
    this.gateway.attach(this.server);
    this.changed.setMaxListeners(100);
  }

  /** REST base without the version, as the bot's DISCORD_API_URL. */
  get apiUrl(): string {
    return `${this.baseUrl}/api`;
  }
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }
  get bot(): ApiUser {
    return this.state.bot;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Scripts failures; each matching call consumes one. */
  inject(fault: Fault): void {
    this.faults.push(fault);
  }

  /** A user posts in a channel; `mention` puts the bot's mention first, as the Discord client does. */
  userSays(
    channelId: string,
    author: ApiUser,
    text: string,
    options: {
      mention?: boolean;
      files?: Array<{ name: string; bytes: Uint8Array; type: string }>;
      replyTo?: string;
    } = {},
  ): ApiMessage {
    const content = options.mention ? `<@${this.bot.id}> ${text}` : text;
    const attachments = (options.files ?? []).map((f) =>
      this.state.addAttachment(channelId, f.name, f.bytes, f.type),
    );
    const guildId = this.state.channels.get(channelId)?.guild_id;
    const message = this.state.addMessage(channelId, author, {
      content,
      mentions: options.mention ? [this.bot] : [],
      attachments,
      ...(options.replyTo
        ? { message_reference: { message_id: options.replyTo, channel_id: channelId }, type: 19 }
        : {}),
      ...(guildId
        ? { member: { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false } }
        : {}),
    });
    this.gateway.dispatch('MESSAGE_CREATE', message);
    return message;
  }

  /** A user runs a slash command; returns the interaction so its callbacks can be inspected. */
  command(
    channelId: string,
    user: ApiUser,
    name: string,
    options: Record<string, string> = {},
    files: Record<string, CommandFile> = {},
    as: Interactor = {},
  ): EmulatedInteraction {
    return this.interactions.command(channelId, user, name, options, files, as);
  }

  /** A user clicks a button on a message (`as.permissions`: theirs in that channel). */
  click(message: ApiMessage, user: ApiUser, customId: string, as: Interactor = {}): EmulatedInteraction {
    return this.interactions.click(message, user, customId, as);
  }

  /** A user submits a modal (opened from a button on `message`). */
  submitModal(
    message: ApiMessage,
    user: ApiUser,
    customId: string,
    fields: Record<string, string>,
  ): EmulatedInteraction {
    return this.interactions.submitModal(message, user, customId, fields);
  }

  /**
   * A user opens a thread of their own in a channel (the bot is told, as Discord does, but is not in
   * it); `history` is posted there before the bot hears of it, so only a REST read can see it.
   * `startedFrom` is the channel message the thread was opened on (the thread then has its id).
   */
  userOpensThread(
    channelId: string,
    owner: ApiUser,
    name: string,
    history: Array<{ author: ApiUser; text: string; files?: CommandFile[] }> = [],
    startedFrom?: ApiMessage,
  ): ApiChannel {
    const thread = this.state.addThread(channelId, name, owner.id, startedFrom?.id ?? snowflake());
    for (const h of history) {
      const attachments = (h.files ?? []).map((f) =>
        this.state.addAttachment(thread.id, f.name, f.bytes, f.type),
      );
      this.state.addMessage(thread.id, h.author, { content: h.text, attachments });
    }
    this.gateway.dispatch('THREAD_CREATE', { ...thread, newly_created: true });
    return thread;
  }

  /** Resolves once `predicate` holds; re-checked after every REST call. */
  waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const value = predicate();
        if (value === undefined || value === false) return false;
        clearTimeout(timer);
        this.changed.off('change', check);
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        this.changed.off('change', check);
        reject(new Error('emulator: condition not met in time'));
      }, timeoutMs);
      if (!check()) this.changed.on('change', check);
    });
  }

  /** Re-checks pending `waitFor` conditions (for state kept outside the emulator). */
  notify(): void {
    this.changed.emit('change');
  }

  /** Messages the bot posted (not deleted) in a channel for everyone to see, oldest first. */
  botMessages(channelId: string): ApiMessage[] {
    return this.state
      .messagesIn(channelId)
      .filter((m) => m.author.id === this.bot.id && (m.flags & EPHEMERAL) === 0);
  }

  /** Messages only one user saw (ephemeral interaction replies), oldest first. */
  ephemeralMessages(channelId: string): ApiMessage[] {
    return this.state.messagesIn(channelId).filter((m) => (m.flags & EPHEMERAL) !== 0);
  }

  /** A thread the bot opened on a message. */
  threadOf(messageId: string): ApiChannel | undefined {
    return this.state.channels.get(messageId);
  }

  /** The custom ids of the buttons under a message, in order. */
  buttonIds(message: ApiMessage | undefined): string[] {
    const rows = (message?.components ?? []) as Array<{ components?: Array<{ custom_id?: string }> }>;
    return rows.flatMap((row) => (row.components ?? []).map((c) => c.custom_id ?? ''));
  }

  private async serve(req: HttpRequest, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    if (url.startsWith('/attachments/')) {
      const key = url.split('/').slice(2, 4).join('/');
      const file = this.state.files.get(key);
      writeReply(
        res,
        file
          ? { status: 200, body: file.bytes, headers: { 'content-type': file.contentType } }
          : apiError(404, 0, 'no such file'),
      );
      return;
    }
    if (!url.startsWith(REST_PREFIX)) {
      writeReply(res, apiError(404, 0, '404: Not Found'));
      return;
    }
    const parsed = await parseRequest(req, REST_PREFIX);
    const route = EmulatorRest.routeOf(parsed.path);
    const reply =
      this.fault(parsed.method, route, parsed.files.length > 0) ?? (await this.rest.handle(parsed));
    this.calls.push({
      method: parsed.method,
      path: parsed.path,
      route,
      query: parsed.query,
      status: reply.status,
      body: parsed.body,
      files: parsed.files,
    });
    writeReply(res, reply);
    this.changed.emit('change');
  }

  private fault(method: string, route: string, hasFiles: boolean): RestReply | undefined {
    const fault = this.faults.find(
      (f) =>
        f.times > 0 &&
        (!f.method || f.method === method) &&
        (!f.route || f.route.test(route)) &&
        (!f.withFiles || hasFiles),
    );
    if (!fault) return undefined;
    fault.times -= 1;
    return faultReply(fault.status, fault.code, fault.retryAfterMs, route);
  }
}
