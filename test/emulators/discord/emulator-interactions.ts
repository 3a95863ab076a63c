import type { EmulatorGateway } from './emulator-gateway.js';
import type { EmulatedInteraction, EmulatorRest } from './emulator-rest.js';
import type { ApiMessage, ApiUser, EmulatorState } from './emulator-state.js';
import { snowflake } from './snowflake.js';

/** Permissions of an ordinary member in the emulated guilds (no Manage Messages). */
export const MEMBER_PERMISSIONS = '2248473465835073';
/** Manage Messages, as a bit of a permissions string. */
export const MANAGE_MESSAGES = 1n << 13n;
/** Manage Server (Manage Guild), as a bit of a permissions string. */
export const MANAGE_GUILD = 1n << 5n;

/** A file a user attaches to a command. */
export interface CommandFile {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly type: string;
}

/** Who is interacting, beyond the user: their permissions in that channel. */
export interface Interactor {
  /** Permissions bit string; {@link MEMBER_PERMISSIONS} when absent. */
  readonly permissions?: string;
}

/** Builds INTERACTION_CREATE dispatches (slash commands, clicks, modal submits) and records them. */
export class EmulatorInteractions {
  constructor(
    private readonly state: EmulatorState,
    private readonly rest: EmulatorRest,
    private readonly gateway: EmulatorGateway,
  ) {}

  /** A user runs a slash command; returns the interaction so its callbacks can be inspected. */
  command(
    channelId: string,
    user: ApiUser,
    name: string,
    options: Record<string, string> = {},
    files: Record<string, CommandFile> = {},
    as: Interactor = {},
  ): EmulatedInteraction {
    const resolved: Record<string, unknown> = {};
    const opts: unknown[] = Object.entries(options).map(([n, value]) => ({ name: n, type: 3, value }));
    for (const [n, f] of Object.entries(files)) {
      const attachment = this.state.addAttachment(channelId, f.name, f.bytes, f.type);
      resolved[attachment.id] = attachment;
      opts.push({ name: n, type: 11, value: attachment.id });
    }
    return this.interact(
      channelId,
      user,
      2,
      {
        id: snowflake(),
        name,
        type: 1,
        options: opts,
        ...(Object.keys(resolved).length > 0 ? { resolved: { attachments: resolved } } : {}),
      },
      undefined,
      as,
    );
  }

  /** A user clicks a button on a message. */
  click(message: ApiMessage, user: ApiUser, customId: string, as: Interactor = {}): EmulatedInteraction {
    const data = { custom_id: customId, component_type: 2 };
    return this.interact(message.channel_id, user, 3, data, message, as);
  }

  /** A user submits a modal (opened from a button on `message`). */
  submitModal(
    message: ApiMessage,
    user: ApiUser,
    customId: string,
    fields: Record<string, string>,
  ): EmulatedInteraction {
    const components = Object.entries(fields).map(([id, value]) => ({
      type: 1,
      components: [{ type: 4, custom_id: id, value }],
    }));
    return this.interact(message.channel_id, user, 5, { custom_id: customId, components }, message);
  }

  private interact(
    channelId: string,
    user: ApiUser,
    type: number,
    data: unknown,
    message?: ApiMessage,
    as: Interactor = {},
  ): EmulatedInteraction {
    const channel = this.state.channels.get(channelId);
    const guild = this.state.guildOf(channelId);
    const id = snowflake();
    const token = `token-${id}`;
    const record: EmulatedInteraction = {
      id,
      token,
      channelId,
      callbacks: [],
      ...(message ? { sourceMessageId: message.id } : {}),
    };
    this.rest.interactions.set(id, record);
    this.gateway.dispatch('INTERACTION_CREATE', {
      id,
      application_id: this.state.applicationId,
      type,
      data,
      token,
      version: 1,
      channel,
      channel_id: channelId,
      ...(guild
        ? {
            guild_id: guild.id,
            member: {
              user,
              roles: [],
              permissions: as.permissions ?? MEMBER_PERMISSIONS,
              joined_at: new Date().toISOString(),
              deaf: false,
              mute: false,
            },
          }
        : { user }),
      ...(message ? { message } : {}),
      app_permissions: MEMBER_PERMISSIONS,
      locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': guild?.id ?? user.id },
      context: guild ? 0 : 1,
      attachment_size_limit: guild?.uploadLimit ?? this.state.dmUploadLimit,
    });
    return record;
  }
}
