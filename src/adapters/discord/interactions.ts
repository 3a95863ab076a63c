import {
  ActionRowBuilder,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  MessageFlags,
  ModalBuilder,
  type ModalSubmitInteraction,
  PermissionFlagsBits,
  type RepliableInteraction,
  type SendableChannels,
  TextInputBuilder,
  TextInputStyle,
} from 'discord.js';
import type { SettingChange } from '../../core/access/access-settings.js';
import type { Attachment, IncomingMessage } from '../../core/message.js';
import type { TaskKind } from '../../engine/protocol/task-kind.js';
import { toAttachment } from './attachments.js';
import { cancelClick } from './cancel-click.js';
import { ChannelTarget } from './channel-target.js';
import { TURN_COMMANDS } from './commands.js';
import { conversationOfPlace } from './conversation-ids.js';
import { decodeCancelId, decodeCustomId, encodeCustomId, type MediaAction } from './custom-ids.js';
import type { DiscordAdapterDeps, DiscordAdapterOptions } from './discord-options.js';
import type { DiscordState } from './discord-state.js';
import { InteractionTarget } from './interaction-target.js';
import {
  type InteractionRoute,
  interactionRoute,
  journalKey,
  type RouteAttachment,
  toJson,
} from './journal-route.js';
import { TEXT } from './texts.js';
import type { JournalRef, TurnRunner } from './turn-runner.js';

const MODAL_TASK: Partial<Record<MediaAction, TaskKind>> = { edit: 'image_editing', seg: 'segmentation' };

/** Slash commands, media buttons and their modals. Every turn-starting interaction defers first (3 s rule). */
export class InteractionRouter {
  /** The Discord file behind each core attachment, for the journal. */
  private readonly raw = new WeakMap<Attachment, RouteAttachment>();

  constructor(
    private readonly deps: DiscordAdapterDeps,
    private readonly options: DiscordAdapterOptions,
    private readonly state: DiscordState,
    private readonly runner: TurnRunner,
    private readonly hosts: ReadonlySet<string>,
    private readonly now: () => number,
  ) {}

  async handle(interaction: Interaction): Promise<void> {
    if (interaction.isChatInputCommand()) await this.command(interaction);
    else if (interaction.isButton()) await this.button(interaction);
    else if (interaction.isModalSubmit()) await this.modal(interaction);
  }

  private async command(i: ChatInputCommandInteraction): Promise<void> {
    if (i.commandName === 'help') {
      await i.reply({ content: TEXT.help, flags: MessageFlags.Ephemeral });
      return;
    }
    if (i.commandName === 'settings') {
      await i.reply({ content: this.settings(i), flags: MessageFlags.Ephemeral });
      return;
    }
    const conversationId = this.placeOf(i);
    if (i.commandName === 'reset') {
      await i.deferReply({ flags: MessageFlags.Ephemeral });
      this.deps.orchestrator.cancel?.(conversationId);
      await this.deps.conversations.reset(conversationId);
      await i.editReply({ content: TEXT.reset });
      return;
    }
    const spec = TURN_COMMANDS[i.commandName];
    if (!spec) return;
    await i.deferReply();
    const image = spec.imageOption ? i.options.getAttachment(spec.imageOption) : null;
    await this.turn(i, {
      conversationId,
      text: i.options.getString(spec.textOption, true),
      attachments: image ? [this.attachment(image)] : [],
      ...(spec.forcedTask ? { forcedTask: spec.forcedTask } : {}),
    });
  }

  private async button(i: ButtonInteraction): Promise<void> {
    const cancel = decodeCancelId(i.customId);
    if (cancel) {
      const stop = this.deps.orchestrator.cancel?.bind(this.deps.orchestrator);
      await cancelClick(i, cancel, { cancel: stop, logger: this.deps.logger });
      return;
    }
    const id = decodeCustomId(i.customId);
    if (!id || id.modal) return;
    if (id.action === 'edit' || id.action === 'seg') {
      const input = new TextInputBuilder()
        .setCustomId('text')
        .setLabel(id.action === 'edit' ? TEXT.editPrompt : TEXT.segmentPrompt)
        .setStyle(TextInputStyle.Short)
        .setRequired(true);
      await i.showModal(
        new ModalBuilder()
          .setCustomId(encodeCustomId(id.action, id.mediaId, true))
          .setTitle(id.action === 'edit' ? TEXT.buttons.edit : TEXT.buttons.segment)
          .addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(input)),
      );
      return;
    }
    const origin = this.state.mediaOrigin(id.mediaId);
    if (!origin) {
      await i.reply({ content: TEXT.unknownButton, flags: MessageFlags.Ephemeral });
      return;
    }
    await i.deferReply();
    // Regenerate: same task and prompt, a new seed (none is fixed). Animate: the prompt as a video.
    await this.turn(i, {
      conversationId: origin.conversationId,
      text: origin.prompt,
      attachments: [],
      forcedTask: id.action === 'regen' ? origin.kind : 'video_generation',
      replyTo: { messageId: i.message.id, attachments: this.imagesOf(i.message.attachments.values()) },
    });
  }

  private async modal(i: ModalSubmitInteraction): Promise<void> {
    const id = decodeCustomId(i.customId);
    const task = id?.modal ? MODAL_TASK[id.action] : undefined;
    if (!id || !task) return;
    await i.deferReply();
    const origin = this.state.mediaOrigin(id.mediaId);
    await this.turn(i, {
      conversationId: origin?.conversationId ?? this.placeOf(i),
      text: i.fields.getTextInputValue('text'),
      attachments: [],
      forcedTask: task,
      ...(i.message
        ? { replyTo: { messageId: i.message.id, attachments: this.imagesOf(i.message.attachments.values()) } }
        : {}),
    });
  }

  private async turn(
    i: RepliableInteraction,
    fields: Pick<IncomingMessage, 'conversationId' | 'text' | 'attachments' | 'forcedTask' | 'replyTo'>,
  ): Promise<void> {
    const limit = i.attachmentSizeLimit ?? this.options.defaultUploadLimitBytes;
    const channel = i.channel?.isSendable() ? i.channel : undefined;
    const fallback = channel ? new ChannelTarget(channel, limit) : undefined;
    const target = new InteractionTarget(i, limit, fallback, this.options.interactionTokenTtlMs, this.now);
    const message: IncomingMessage = {
      platform: 'discord',
      messageId: i.id,
      ...(i.guildId ? { workspaceId: i.guildId } : {}),
      ...(i.channelId
        ? { channelId: i.channel?.isThread() ? (i.channel.parentId ?? i.channelId) : i.channelId }
        : {}),
      isDirect: i.guildId === null,
      ...(i.member
        ? { roles: Array.isArray(i.member.roles) ? i.member.roles : [...i.member.roles.cache.keys()] }
        : {}),
      author: { id: i.user.id, name: i.user.displayName },
      ...fields,
    };
    const journal = await this.admit(message, i.channelId ?? i.id);
    if (journal === false) return;
    await this.runner.run(message, target, journal);
  }

  /**
   * Journals the turn before work starts (false: seen before). Files are kept by URL: a resumed turn
   * reads them again through the same host and size checks.
   */
  private async admit(message: IncomingMessage, channelId: string): Promise<JournalRef | undefined | false> {
    const ledger = this.deps.ledger;
    if (!ledger) return undefined;
    const raw = (list: readonly Attachment[]) =>
      list.flatMap((a) => {
        const r = this.raw.get(a);
        return r ? [r] : [];
      });
    const route = interactionRoute(message, channelId, {
      attachments: raw(message.attachments),
      ...(message.replyTo ? { replyTo: raw(message.replyTo.attachments) } : {}),
    });
    const key = journalKey.interaction(message.messageId);
    return (await ledger.admit(key, toJson(route))) ? { key, route } : false;
  }

  /** Runs a journalled slash command or button turn again after a restart, answering in the channel. */
  async resume(route: InteractionRoute, channel: SendableChannels, journal: JournalRef): Promise<void> {
    const file = (a: RouteAttachment) => this.attachment(a);
    const message: IncomingMessage = {
      platform: 'discord',
      conversationId: route.conversationId,
      messageId: route.interactionId,
      ...(route.guildId ? { workspaceId: route.guildId } : {}),
      ...(route.parentChannelId ? { channelId: route.parentChannelId } : {}),
      isDirect: route.guildId === undefined,
      ...(route.roles ? { roles: route.roles } : {}),
      author: route.author,
      text: route.text,
      attachments: route.attachments.map(file),
      ...(route.forcedTask ? { forcedTask: route.forcedTask } : {}),
      ...(route.replyTo
        ? {
            replyTo: { messageId: route.replyTo.messageId, attachments: route.replyTo.attachments.map(file) },
          }
        : {}),
    };
    const limit = this.options.defaultUploadLimitBytes;
    await this.runner.run(message, new ChannelTarget(channel, limit), journal);
  }

  /** Applies `/settings` and says what is in force now (or why not). */
  private settings(i: ChatInputCommandInteraction): string {
    const configure = this.deps.orchestrator.configure?.bind(this.deps.orchestrator);
    if (!configure) return TEXT.settingsUnavailable;
    const setting = i.options.getString('setting', true);
    const on = i.options.getString('value') !== 'off';
    // A thread's switch is its parent channel's: access control keys on the parent.
    const channelId = i.channel?.isThread() ? (i.channel.parentId ?? i.channelId) : i.channelId;
    const change: SettingChange =
      setting === 'dms'
        ? { setting: 'dms', on }
        : setting === 'channel' && channelId
          ? { setting: 'channel', channelId, on }
          : { setting: 'show' };
    const actor = {
      platform: 'discord' as const,
      userId: i.user.id,
      platformAdmin: i.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false,
    };
    const result = configure(actor, change);
    return result.ok ? TEXT.settingsView(result.value) : TEXT.settingsRefused;
  }

  private placeOf(i: RepliableInteraction): string {
    return conversationOfPlace({
      channelId: i.channelId ?? i.id,
      inGuild: i.guildId !== null,
      isThread: i.channel?.isThread() ?? false,
    });
  }

  private attachment(a: Parameters<typeof toAttachment>[0]): Attachment {
    const attachment = toAttachment(a, this.hosts, this.options.maxAttachmentBytes);
    this.raw.set(attachment, { name: a.name, contentType: a.contentType, size: a.size, url: a.url });
    return attachment;
  }

  private imagesOf(list: Iterable<Parameters<typeof toAttachment>[0]>): Attachment[] {
    return [...list].map((a) => this.attachment(a)).filter((a) => a.mime.startsWith('image/'));
  }
}
