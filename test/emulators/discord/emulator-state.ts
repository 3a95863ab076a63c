import { snowflake, snowflakeOnShard } from './snowflake.js';

/** A user as the API returns it. */
export interface ApiUser {
  id: string;
  username: string;
  discriminator: string;
  global_name: string | null;
  avatar: null;
  bot?: boolean;
}

/** A channel as the API returns it (guild text, thread or DM). */
export interface ApiChannel {
  id: string;
  type: number;
  name?: string;
  guild_id?: string;
  parent_id?: string | null;
  owner_id?: string;
  position?: number;
  permission_overwrites?: unknown[];
  thread_metadata?: Record<string, unknown>;
  recipients?: ApiUser[];
  [key: string]: unknown;
}

/** An attachment as the API returns it; the bytes are kept beside it for the emulated CDN. */
export interface ApiAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
  description?: string;
}

/** A message as the API returns it. */
export interface ApiMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: ApiUser;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  tts: false;
  mention_everyone: false;
  mentions: ApiUser[];
  mention_roles: string[];
  attachments: ApiAttachment[];
  embeds: unknown[];
  components: unknown[];
  pinned: false;
  type: number;
  flags: number;
  webhook_id?: string;
  message_reference?: { message_id: string; channel_id: string; guild_id?: string };
  [key: string]: unknown;
}

/** A guild the bot is in. */
export interface EmulatedGuild {
  id: string;
  name: string;
  /** Boost tier: decides the upload limit discord.js reports. */
  premiumTier: number;
  /** Upload limit the API reports for this guild (`attachment_size_limit` of interactions). */
  uploadLimit: number;
  /** Largest upload really accepted (413 / 40005 above it); `uploadLimit` when absent. Scriptable. */
  acceptedUploadLimit?: number;
  channelIds: string[];
}

/** Channel types used here (discord-api-types values). */
export const CHANNEL = { GuildText: 0, DM: 1, PublicThread: 11 } as const;

const iso = (): string => new Date().toISOString();

/** The emulator's world: users, guilds, channels, messages, stored attachment bytes. */
export class EmulatorState {
  readonly bot: ApiUser;
  readonly applicationId: string;
  readonly users = new Map<string, ApiUser>();
  readonly guilds = new Map<string, EmulatedGuild>();
  readonly channels = new Map<string, ApiChannel>();
  readonly messages = new Map<string, ApiMessage>();
  /** Every content a message had, in order (streaming edits show up here). */
  readonly revisions = new Map<string, string[]>();
  readonly deleted = new Set<string>();
  readonly files = new Map<string, { bytes: Uint8Array; contentType: string }>();
  /** Default upload limit outside guilds (DMs). */
  dmUploadLimit = 10 * 1024 * 1024;
  /** Channels where the bot lacks Send Messages: its posts there get 403 / 50013. */
  readonly sendDenied = new Set<string>();
  /** Users who do not accept DMs from the bot: its posts to them get 403 / 50007. */
  readonly closedDms = new Set<string>();

  constructor(readonly baseUrl: () => string) {
    this.applicationId = snowflake();
    this.bot = this.addUser('llmbind', true, this.applicationId);
  }

  addUser(username: string, bot = false, id: string = snowflake()): ApiUser {
    const user: ApiUser = {
      id,
      username,
      discriminator: '0',
      global_name: username,
      avatar: null,
      ...(bot ? { bot } : {}),
    };
    this.users.set(id, user);
    return user;
  }

  /** Adds a guild; `shard: [id, count]` picks an id whose events go to that shard. */
  addGuild(
    name: string,
    options: { premiumTier?: number; uploadLimit?: number; shard?: readonly [number, number] } = {},
  ): EmulatedGuild {
    const guild: EmulatedGuild = {
      id: options.shard ? snowflakeOnShard(options.shard[0], options.shard[1]) : snowflake(),
      name,
      premiumTier: options.premiumTier ?? 0,
      uploadLimit: options.uploadLimit ?? 10 * 1024 * 1024,
      channelIds: [],
    };
    this.guilds.set(guild.id, guild);
    return guild;
  }

  addTextChannel(guildId: string, name: string): ApiChannel {
    const channel: ApiChannel = {
      id: snowflake(),
      type: CHANNEL.GuildText,
      name,
      guild_id: guildId,
      parent_id: null,
      position: 0,
      permission_overwrites: [],
      nsfw: false,
      topic: null,
      rate_limit_per_user: 0,
    };
    this.channels.set(channel.id, channel);
    this.guilds.get(guildId)?.channelIds.push(channel.id);
    return channel;
  }

  addDm(user: ApiUser): ApiChannel {
    const channel: ApiChannel = {
      id: snowflake(),
      type: CHANNEL.DM,
      recipients: [user],
      last_message_id: null,
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  addThread(parentId: string, name: string, ownerId: string, id: string = snowflake()): ApiChannel {
    const parent = this.channels.get(parentId);
    const thread: ApiChannel = {
      id,
      type: CHANNEL.PublicThread,
      name,
      parent_id: parentId,
      owner_id: ownerId,
      ...(parent?.guild_id ? { guild_id: parent.guild_id } : {}),
      thread_metadata: {
        archived: false,
        auto_archive_duration: 1440,
        archive_timestamp: iso(),
        locked: false,
      },
      member_count: 1,
      message_count: 0,
      rate_limit_per_user: 0,
      flags: 0,
    };
    this.channels.set(id, thread);
    return thread;
  }

  /** The DM channel with a user, opened on first use (POST /users/@me/channels). */
  dmWith(user: ApiUser): ApiChannel {
    const open = [...this.channels.values()].find(
      (c) => c.type === CHANNEL.DM && c.recipients?.some((r) => r.id === user.id),
    );
    return open ?? this.addDm(user);
  }

  /** Largest upload accepted in a channel. */
  acceptedUploadLimit(channelId: string): number {
    const guild = this.guildOf(channelId);
    return guild ? (guild.acceptedUploadLimit ?? guild.uploadLimit) : this.dmUploadLimit;
  }

  guildOf(channelId: string): EmulatedGuild | undefined {
    const guildId = this.channels.get(channelId)?.guild_id;
    return guildId ? this.guilds.get(guildId) : undefined;
  }

  /** Stores bytes on the emulated CDN and returns the attachment object pointing at them. */
  addAttachment(channelId: string, filename: string, bytes: Uint8Array, contentType: string): ApiAttachment {
    const id = snowflake();
    const url = `${this.baseUrl()}/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`;
    this.files.set(`${channelId}/${id}`, { bytes, contentType });
    return { id, filename, size: bytes.byteLength, url, proxy_url: url, content_type: contentType };
  }

  addMessage(
    channelId: string,
    author: ApiUser,
    fields: Partial<ApiMessage> & { content: string },
  ): ApiMessage {
    const channel = this.channels.get(channelId);
    const message: ApiMessage = {
      id: snowflake(),
      channel_id: channelId,
      ...(channel?.guild_id ? { guild_id: channel.guild_id } : {}),
      // The gateway sends it; without it discord.js cannot build an uncached DM channel.
      ...(channel ? { channel_type: channel.type } : {}),
      author,
      timestamp: iso(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      components: [],
      pinned: false,
      type: 0,
      flags: 0,
      ...fields,
    };
    this.messages.set(message.id, message);
    this.revisions.set(message.id, [message.content]);
    return message;
  }

  editMessage(id: string, fields: Partial<ApiMessage>): ApiMessage | undefined {
    const message = this.messages.get(id);
    if (!message) return undefined;
    Object.assign(message, fields, { edited_timestamp: iso() });
    if (fields.content !== undefined) this.revisions.get(id)?.push(fields.content);
    return message;
  }

  /** Live (not deleted) messages of a channel, oldest first. */
  messagesIn(channelId: string): ApiMessage[] {
    return [...this.messages.values()].filter((m) => m.channel_id === channelId && !this.deleted.has(m.id));
  }
}
