import { ActionRowBuilder, ButtonBuilder, ButtonStyle } from 'discord.js';
import { encodeCustomId, type MediaAction } from './custom-ids.js';
import { TEXT } from './texts.js';

/** The buttons under a generated image; their ids name only the stored media. */
export function mediaButtons(mediaId: string): ActionRowBuilder<ButtonBuilder> {
  const button = (action: MediaAction, label: string) =>
    new ButtonBuilder()
      .setCustomId(encodeCustomId(action, mediaId))
      .setLabel(label)
      .setStyle(ButtonStyle.Secondary);
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    button('regen', TEXT.buttons.regenerate),
    button('edit', TEXT.buttons.edit),
    button('seg', TEXT.buttons.segment),
    button('anim', TEXT.buttons.animate),
  );
}

/** The Cancel button under a running turn's progress message (`customId` from `encodeCancelId`). */
export function cancelButton(customId: string): ActionRowBuilder<ButtonBuilder> {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(customId).setLabel(TEXT.buttons.cancel).setStyle(ButtonStyle.Danger),
  );
}
