import type { EmulatorGateway } from './emulator-gateway.js';
import { apiError, json, type ParsedRequest, type RestReply, type UploadedFile } from './emulator-http.js';
import type { ApiAttachment, ApiMessage, EmulatorState } from './emulator-state.js';
import { snowflake } from './snowflake.js';

/** An interaction the emulator sent, with what the bot answered. */
export interface EmulatedInteraction {
  readonly id: string;
  readonly token: string;
  readonly channelId: string;
  /** Callback types received (5 = deferred reply, 9 = modal, …) with their bodies. */
  readonly callbacks: Array<{ type: number; data: Record<string, unknown> | undefined }>;
  originalId?: string;
  /** The message a component interaction came from. */
  readonly sourceMessageId?: string;
}

/** Message flag of a message only the interacting user sees. */
export const EPHEMERAL = 64;
const ephemeral = (data: Record<string, unknown> | undefined): number => Number(data?.flags ?? 0) & EPHEMERAL;

type Route = (req: ParsedRequest, m: RegExpMatchArray) => RestReply | Promise<RestReply>;

/** The emulated REST API v10: the routes discord.js uses for this bot, on top of EmulatorState. */
export class EmulatorRest {
  readonly interactions = new Map<string, EmulatedInteraction>();
  readonly commands = new Map<string, Array<Record<string, unknown>>>();
  private readonly routes: Array<[string, RegExp, Route]>;

  constructor(
    private readonly state: EmulatorState,
    private readonly gateway: EmulatorGateway,
    private readonly gatewayUrl: () => string,
  ) {
    const S = '(\\d+)';
    this.routes = [
      ['GET', /^\/gateway\/bot$/, () => json(this.gatewayBot())],
      ['GET', /^\/users\/@me$/, () => json(this.state.bot)],
      ['POST', /^\/users\/@me\/channels$/, (r) => this.openDm(r)],
      ['PUT', new RegExp(`^/applications/${S}/commands$`), (r) => this.putCommands('global', r)],
      [
        'PUT',
        new RegExp(`^/applications/${S}/guilds/${S}/commands$`),
        (r, m) => this.putCommands(m[2] ?? '', r),
      ],
      ['GET', new RegExp(`^/channels/${S}$`), (_r, m) => this.getChannel(m[1] ?? '')],
      [
        'POST',
        new RegExp(`^/channels/${S}/typing$`),
        (_r, m) =>
          this.state.sendDenied.has(m[1] ?? '')
            ? apiError(403, 50013, 'Missing Permissions')
            : { status: 204 },
      ],
      ['GET', new RegExp(`^/channels/${S}/messages$`), (r, m) => this.listMessages(m[1] ?? '', r)],
      ['POST', new RegExp(`^/channels/${S}/messages$`), (r, m) => this.send(m[1] ?? '', r)],
      ['GET', new RegExp(`^/channels/${S}/messages/${S}$`), (_r, m) => this.getMessage(m[2] ?? '')],
      ['PATCH', new RegExp(`^/channels/${S}/messages/${S}$`), (r, m) => this.edit(m[2] ?? '', r)],
      ['DELETE', new RegExp(`^/channels/${S}/messages/${S}$`), (_r, m) => this.remove(m[2] ?? '')],
      [
        'POST',
        new RegExp(`^/channels/${S}/messages/${S}/threads$`),
        (r, m) => this.thread(m[1] ?? '', m[2] ?? '', r),
      ],
      ['POST', new RegExp(`^/interactions/${S}/([^/]+)/callback$`), (r, m) => this.callback(m[2] ?? '', r)],
      ['POST', new RegExp(`^/webhooks/${S}/([^/]+)$`), (r, m) => this.followUp(m[2] ?? '', r)],
      [
        'GET',
        new RegExp(`^/webhooks/${S}/([^/]+)/messages/(@original|\\d+)$`),
        (_r, m) => this.hook(m, 'get'),
      ],
      [
        'PATCH',
        new RegExp(`^/webhooks/${S}/([^/]+)/messages/(@original|\\d+)$`),
        (r, m) => this.hook(m, 'edit', r),
      ],
      [
        'DELETE',
        new RegExp(`^/webhooks/${S}/([^/]+)/messages/(@original|\\d+)$`),
        (_r, m) => this.hook(m, 'delete'),
      ],
    ];
  }

  /** Routes one request; unknown routes get Discord's 404. */
  async handle(req: ParsedRequest): Promise<RestReply> {
    for (const [method, pattern, route] of this.routes) {
      const m = req.method === method ? req.path.match(pattern) : null;
      if (m) return route(req, m);
    }
    return apiError(404, 0, '404: Not Found');
  }

  /** Normalised route of a path (ids replaced), for recording and fault matching. */
  static routeOf(path: string): string {
    return path.replace(/\/\d{15,}/g, '/:id').replace(/\/webhooks\/:id\/[^/]+/, '/webhooks/:id/:token');
  }

  private gatewayBot(): Record<string, unknown> {
    return {
      url: this.gatewayUrl(),
      shards: this.gateway.recommendedShards,
      session_start_limit: {
        total: 1000,
        remaining: 999,
        reset_after: 14_400_000,
        max_concurrency: this.gateway.maxConcurrency,
      },
    };
  }

  private putCommands(scope: string, req: ParsedRequest): RestReply {
    const defs = (req.body as unknown as Array<Record<string, unknown>>) ?? [];
    const saved = defs.map((d) => ({
      ...d,
      id: snowflake(),
      application_id: this.state.applicationId,
      version: snowflake(),
      type: d.type ?? 1,
      default_member_permissions: null,
      ...(scope === 'global' ? {} : { guild_id: scope }),
    }));
    this.commands.set(scope, saved);
    return json(saved);
  }

  private getChannel(id: string): RestReply {
    const channel = this.state.channels.get(id);
    return channel ? json(channel) : apiError(404, 10003, 'Unknown Channel');
  }

  private getMessage(id: string): RestReply {
    const message = this.state.messages.get(id);
    return message && !this.state.deleted.has(id) ? json(message) : apiError(404, 10008, 'Unknown Message');
  }

  private listMessages(channelId: string, req: ParsedRequest): RestReply {
    const limit = Number(req.query.get('limit') ?? 50);
    const before = req.query.get('before');
    const list = this.state
      .messagesIn(channelId)
      .filter((m) => !before || BigInt(m.id) < BigInt(before))
      .reverse()
      .slice(0, limit);
    return json(list);
  }

  private openDm(req: ParsedRequest): RestReply {
    const user = this.state.users.get(String(req.body?.recipient_id ?? ''));
    return user ? json(this.state.dmWith(user)) : apiError(400, 50033, 'Invalid Recipient(s)');
  }

  /** A bot's own post (not an interaction's): refused where it lacks Send Messages or DMs are closed. */
  private send(channelId: string, req: ParsedRequest): RestReply {
    if (this.state.sendDenied.has(channelId)) return apiError(403, 50013, 'Missing Permissions');
    const recipients = this.state.channels.get(channelId)?.recipients ?? [];
    if (recipients.some((u) => this.state.closedDms.has(u.id)))
      return apiError(403, 50007, 'Cannot send messages to this user');
    return this.create(channelId, req);
  }

  /** Checks uploads against the limit of the place they go to (413 / 40005 like Discord). */
  private tooLarge(channelId: string, files: readonly UploadedFile[]): RestReply | undefined {
    const limit = this.state.acceptedUploadLimit(channelId);
    const total = files.reduce((sum, f) => sum + f.bytes.byteLength, 0);
    return total > limit ? apiError(413, 40005, 'Request entity too large') : undefined;
  }

  private attachments(channelId: string, files: readonly UploadedFile[]): ApiAttachment[] {
    return files.map((f) => this.state.addAttachment(channelId, f.name, f.bytes, f.contentType));
  }

  private messageFields(channelId: string, req: ParsedRequest): Partial<ApiMessage> & { content: string } {
    const body = req.body ?? {};
    const reference = body.message_reference as { message_id?: string } | undefined;
    return {
      content: typeof body.content === 'string' ? body.content : '',
      components: (body.components as unknown[] | undefined) ?? [],
      attachments: this.attachments(channelId, req.files),
      ...(reference?.message_id
        ? { message_reference: { message_id: reference.message_id, channel_id: channelId } }
        : {}),
    };
  }

  private create(channelId: string, req: ParsedRequest, extra: Partial<ApiMessage> = {}): RestReply {
    if (!this.state.channels.has(channelId)) return apiError(404, 10003, 'Unknown Channel');
    const refused = this.tooLarge(channelId, req.files);
    if (refused) return refused;
    const message = this.state.addMessage(channelId, this.state.bot, {
      ...this.messageFields(channelId, req),
      ...extra,
    });
    this.gateway.dispatch('MESSAGE_CREATE', message);
    return json(message);
  }

  private edit(id: string, req: ParsedRequest): RestReply {
    const current = this.state.messages.get(id);
    if (!current || this.state.deleted.has(id)) return apiError(404, 10008, 'Unknown Message');
    const refused = this.tooLarge(current.channel_id, req.files);
    if (refused) return refused;
    const body = req.body ?? {};
    const kept = Array.isArray(body.attachments)
      ? current.attachments.filter((a) =>
          (body.attachments as Array<{ id: unknown }>).some((k) => String(k.id) === a.id),
        )
      : current.attachments;
    const fields: Partial<ApiMessage> = {
      attachments: [...kept, ...this.attachments(current.channel_id, req.files)],
      ...(typeof body.content === 'string' ? { content: body.content } : {}),
      ...(Array.isArray(body.components) ? { components: body.components } : {}),
      // Editing ends "thinking…" (128); an ephemeral message stays ephemeral (64).
      flags: current.flags & EPHEMERAL,
    };
    const message = this.state.editMessage(id, fields);
    this.gateway.dispatch('MESSAGE_UPDATE', message);
    return json(message);
  }

  private remove(id: string): RestReply {
    const message = this.state.messages.get(id);
    if (!message || this.state.deleted.has(id)) return apiError(404, 10008, 'Unknown Message');
    this.state.deleted.add(id);
    this.gateway.dispatch('MESSAGE_DELETE', {
      id,
      channel_id: message.channel_id,
      guild_id: message.guild_id,
    });
    return { status: 204 };
  }

  private thread(channelId: string, messageId: string, req: ParsedRequest): RestReply {
    if (this.state.channels.has(messageId))
      return apiError(400, 160004, 'A thread has already been created for this message.');
    const name = String(req.body?.name ?? 'thread');
    const thread = this.state.addThread(channelId, name, this.state.bot.id, messageId);
    this.gateway.dispatch('THREAD_CREATE', { ...thread, newly_created: true });
    return json(thread, 201);
  }

  private callback(token: string, req: ParsedRequest): RestReply {
    const interaction = [...this.interactions.values()].find((i) => i.token === token);
    if (!interaction) return apiError(404, 10062, 'Unknown interaction');
    if (interaction.callbacks.length > 0)
      return apiError(400, 40060, 'Interaction has already been acknowledged.');
    const type = Number(req.body?.type);
    const data = req.body?.data as Record<string, unknown> | undefined;
    interaction.callbacks.push({ type, data });
    if (type === 4 || type === 5) {
      const inner = { ...req, body: data ?? {} };
      const reply = this.create(interaction.channelId, inner, {
        webhook_id: this.state.applicationId,
        flags: (type === 5 ? 128 : 0) | ephemeral(data),
      });
      const original = (reply.body as ApiMessage | undefined)?.id;
      if (original) interaction.originalId = original;
    } else if (type === 7 && interaction.sourceMessageId) {
      this.edit(interaction.sourceMessageId, { ...req, body: data ?? {} });
    }
    return { status: 204 };
  }

  private followUp(token: string, req: ParsedRequest): RestReply {
    const interaction = [...this.interactions.values()].find((i) => i.token === token);
    if (!interaction) return apiError(404, 10015, 'Unknown Webhook');
    return this.create(interaction.channelId, req, {
      webhook_id: this.state.applicationId,
      flags: ephemeral(req.body),
    });
  }

  private hook(m: RegExpMatchArray, op: 'get' | 'edit' | 'delete', req?: ParsedRequest): RestReply {
    const interaction = [...this.interactions.values()].find((i) => i.token === m[2]);
    const id = m[3] === '@original' ? interaction?.originalId : m[3];
    if (!interaction || !id) return apiError(404, 10008, 'Unknown Message');
    if (op === 'get') return this.getMessage(id);
    if (op === 'delete') return this.remove(id);
    return this.edit(
      id,
      req ?? { method: 'PATCH', path: '', query: new URLSearchParams(), body: {}, files: [] },
    );
  }
}
