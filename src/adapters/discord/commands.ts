import { PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import type { TaskKind } from '../../engine/protocol/task-kind.js';

/** A slash command that starts a turn: its text option and the task it steers to. */
export interface TurnCommand {
  /** Option holding the user's words. */
  readonly textOption: string;
  /** Option holding an image, when the command takes one. */
  readonly imageOption?: string;
  /** Forced task (as the LLMBind demo's task buttons); `/ask` lets the model choose. */
  readonly forcedTask?: TaskKind;
}

/** The commands that start a turn, by name. */
export const TURN_COMMANDS: Readonly<Record<string, TurnCommand>> = {
  ask: { textOption: 'prompt', imageOption: 'image' },
  imagine: { textOption: 'prompt', forcedTask: 'image_generation' },
  edit: { textOption: 'instruction', imageOption: 'image', forcedTask: 'image_editing' },
  segment: { textOption: 'target', imageOption: 'image', forcedTask: 'segmentation' },
  video: { textOption: 'prompt', forcedTask: 'video_generation' },
  audio: { textOption: 'prompt', forcedTask: 'audio_generation' },
};

const DESCRIPTIONS: Readonly<Record<string, [string, string]>> = {
  ask: ['Ask LLMBind anything, optionally about an image', 'What you want to know'],
  imagine: ['Make an image', 'What the image shows'],
  edit: ['Change an image (the attached one, or the last one here)', 'What to change'],
  segment: ['Outline something in an image', 'What to outline'],
  video: ['Make a short video', 'What the video shows'],
  audio: ['Make a short sound', 'What it sounds like'],
};

/** Every command's registration body (PUT /applications/:id/commands). */
export function commandDefinitions() {
  const turn = Object.entries(TURN_COMMANDS).map(([name, command]) => {
    const [description, optionDescription] = DESCRIPTIONS[name] ?? [name, 'text'];
    const builder = new SlashCommandBuilder()
      .setName(name)
      .setDescription(description)
      .addStringOption((o) =>
        o.setName(command.textOption).setDescription(optionDescription).setRequired(true).setMaxLength(1500),
      );
    if (command.imageOption) {
      builder.addAttachmentOption((o) =>
        o.setName(command.imageOption ?? 'image').setDescription('An image'),
      );
    }
    return builder.toJSON();
  });
  return [
    ...turn,
    new SlashCommandBuilder().setName('reset').setDescription('Forget this conversation').toJSON(),
    new SlashCommandBuilder().setName('help').setDescription('What this bot can do').toJSON(),
    // Shown to server managers by default; the bot checks again (config admins, Manage Server).
    new SlashCommandBuilder()
      .setName('settings')
      .setDescription('Admins: switch the bot on/off in this channel, or DMs on/off')
      .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
      .addStringOption((o) =>
        o
          .setName('setting')
          .setDescription('What to change')
          .setRequired(true)
          .addChoices(
            { name: 'show', value: 'show' },
            { name: 'this channel', value: 'channel' },
            { name: 'DMs', value: 'dms' },
          ),
      )
      .addStringOption((o) =>
        o
          .setName('value')
          .setDescription('on or off')
          .addChoices({ name: 'on', value: 'on' }, { name: 'off', value: 'off' }),
      )
      .toJSON(),
  ];
}
