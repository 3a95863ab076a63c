import type { SignOptions } from './signing.js';
import type { SlackEmulator } from './slack-emulator.js';
import { type EmuMessage, mimeOfName, WORKSPACE } from './slack-state.js';
import type { EnvelopeType } from './socket-mode-server.js';

/** Where events go: the app's HTTP endpoint (signed posts) or its Socket Mode connection. */
export type Transport = { readonly kind: 'http'; readonly url: string } | { readonly kind: 'socket' };

/** What the app answered a delivery with. */
export interface DeliveryResult {
  /** HTTP status (Socket Mode: 200 once acked). */
  readonly status: number;
  /** The ack body (HTTP response text, or the Socket Mode ack payload as JSON). */
  readonly body: string;
  readonly eventId?: string;
}

/** Options of one event delivery. */
export interface DeliverOptions {
  /** Reuse an event id (a Slack retry carries the same one). */
  readonly eventId?: string | undefined;
  /** X-Slack-Retry-Num / retry_attempt. */
  readonly retryNum?: number;
  readonly sign?: SignOptions;
}

/**
 * Plays the Slack side of a conversation: users post messages and files into the emulated workspace,
 * and the resulting events, slash commands and button clicks are delivered to the app.
 */
export class SlackEventDelivery {
  constructor(
    private readonly emulator: SlackEmulator,
    public transport: Transport,
  ) {}

  /** A user posts a message (optionally in a thread, optionally with files). */
  userPosts(input: {
    channel: string;
    text: string;
    user?: string;
    threadTs?: string;
    files?: ReadonlyArray<{ name: string; bytes: Uint8Array }>;
  }): EmuMessage {
    const state = this.emulator.state;
    const files = (input.files ?? []).map((f) => state.addFile(f.name, mimeOfName(f.name), f.bytes, true).id);
    return state.add({
      channel: input.channel,
      user: input.user ?? 'U0ADA0001',
      text: input.text,
      ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
      ...(files.length > 0 ? { files } : {}),
    });
  }

  /** The `event` object Slack sends for a stored message. */
  eventFor(
    message: EmuMessage,
    type: 'app_mention' | 'message',
    channelType?: string,
  ): Record<string, unknown> {
    const json = this.emulator.state.messageJson(message, this.emulator.baseUrl);
    return {
      ...json,
      type,
      channel: message.channel,
      event_ts: message.ts,
      team: WORKSPACE.teamId,
      ...(channelType ? { channel_type: channelType } : {}),
    };
  }

  /** Delivers an app_mention for a stored message. */
  async mention(message: EmuMessage, options: DeliverOptions = {}): Promise<DeliveryResult> {
    return this.deliverEvent(this.eventFor(message, 'app_mention'), options);
  }

  /** Delivers a `message` event (message.channels, message.im…) for a stored message. */
  async message(message: EmuMessage, channelType: 'channel' | 'im', options: DeliverOptions = {}) {
    return this.deliverEvent(this.eventFor(message, 'message', channelType), options);
  }

  /** Wraps an event in an event_callback and delivers it. */
  async deliverEvent(event: Record<string, unknown>, options: DeliverOptions = {}): Promise<DeliveryResult> {
    const eventId = options.eventId ?? this.emulator.state.nextId('Ev');
    const body = {
      token: 'legacy-verification-token',
      team_id: WORKSPACE.teamId,
      api_app_id: WORKSPACE.appId,
      event,
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [
        {
          team_id: WORKSPACE.teamId,
          user_id: WORKSPACE.botUserId,
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: false,
    };
    const retry = options.retryNum ?? 0;
    if (this.transport.kind === 'socket') {
      return { ...(await this.viaSocket('events_api', body, retry)), eventId };
    }
    const headers: Record<string, string> =
      retry > 0 ? { 'x-slack-retry-num': String(retry), 'x-slack-retry-reason': 'http_timeout' } : {};
    const result = await this.emulator.postSigned(
      this.transport.url,
      JSON.stringify(body),
      'application/json',
      headers,
      options.sign,
    );
    return { ...result, eventId };
  }

  /** Invokes a slash command, as a user types `/command text` in a channel. */
  async slashCommand(
    command: string,
    text: string,
    input: { channel?: string; user?: string; sign?: SignOptions } = {},
  ): Promise<DeliveryResult> {
    const params = {
      token: 'legacy-verification-token',
      team_id: WORKSPACE.teamId,
      team_domain: 'emulated',
      channel_id: input.channel ?? 'C0GEN0001',
      channel_name: 'general',
      user_id: input.user ?? 'U0ADA0001',
      user_name: 'ada',
      command,
      text,
      api_app_id: WORKSPACE.appId,
      is_enterprise_install: 'false',
      response_url: this.emulator.responseUrl(),
      trigger_id: `trigger-${this.emulator.state.nextId('T')}`,
    };
    if (this.transport.kind === 'socket') return this.viaSocket('slash_commands', params);
    const body = new URLSearchParams(params).toString();
    return this.emulator.postSigned(
      this.transport.url,
      body,
      'application/x-www-form-urlencoded',
      {},
      input.sign,
    );
  }

  /** Clicks a button of a message the bot posted. */
  async clickButton(message: EmuMessage, actionId: string, user = 'U0ADA0001'): Promise<DeliveryResult> {
    const button = findButton(message.blocks ?? [], actionId);
    if (!button) throw new Error(`no button ${actionId} in message ${message.ts}`);
    const payload = {
      type: 'block_actions',
      user: { id: user, username: 'ada', name: 'ada', team_id: WORKSPACE.teamId },
      api_app_id: WORKSPACE.appId,
      token: 'legacy-verification-token',
      container: {
        type: 'message',
        message_ts: message.ts,
        channel_id: message.channel,
        is_ephemeral: false,
        ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
      },
      trigger_id: `trigger-${this.emulator.state.nextId('T')}`,
      team: { id: WORKSPACE.teamId, domain: 'emulated' },
      channel: { id: message.channel, name: 'general' },
      message: this.emulator.state.messageJson(message, this.emulator.baseUrl),
      response_url: this.emulator.responseUrl(),
      actions: [{ ...button, action_ts: String(Date.now() / 1000) }],
    };
    if (this.transport.kind === 'socket') return this.viaSocket('interactive', payload);
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.emulator.postSigned(this.transport.url, body, 'application/x-www-form-urlencoded');
  }

  /** Submits a modal the app opened with views.open (the latest one), with one input value. */
  async submitView(
    blockId: string,
    actionId: string,
    value: string,
    user = 'U0ADA0001',
  ): Promise<DeliveryResult> {
    const opened = this.emulator.callsOf('views.open').at(-1);
    if (!opened) throw new Error('no modal was opened');
    const view = (
      typeof opened.params.view === 'string' ? JSON.parse(opened.params.view) : opened.params.view
    ) as Record<string, unknown>;
    const payload = {
      type: 'view_submission',
      team: { id: WORKSPACE.teamId, domain: 'emulated' },
      user: { id: user, username: 'ada', name: 'ada', team_id: WORKSPACE.teamId },
      api_app_id: WORKSPACE.appId,
      token: 'legacy-verification-token',
      trigger_id: `trigger-${this.emulator.state.nextId('T')}`,
      view: {
        ...view,
        id: this.emulator.state.nextId('V'),
        team_id: WORKSPACE.teamId,
        app_id: WORKSPACE.appId,
        bot_id: WORKSPACE.botId,
        hash: 'h',
        state: { values: { [blockId]: { [actionId]: { type: 'plain_text_input', value } } } },
      },
    };
    if (this.transport.kind === 'socket') return this.viaSocket('interactive', payload);
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.emulator.postSigned(this.transport.url, body, 'application/x-www-form-urlencoded');
  }

  private async viaSocket(type: EnvelopeType, payload: unknown, retry = 0): Promise<DeliveryResult> {
    await this.emulator.socketMode.waitConnected();
    const ack = await this.emulator.socketMode.deliver(type, payload, retry);
    return { status: 200, body: JSON.stringify(ack.payload ?? {}) };
  }
}

/** Finds a button element by action_id in Block Kit blocks. */
function findButton(blocks: unknown[], actionId: string): Record<string, unknown> | undefined {
  for (const block of blocks as Array<{ type?: string; block_id?: string; elements?: unknown[] }>) {
    if (block.type !== 'actions') continue;
    for (const element of (block.elements ?? []) as Array<Record<string, unknown>>) {
      if (element.action_id === actionId) return { ...element, block_id: block.block_id ?? 'actions' };
    }
  }
  return undefined;
}
