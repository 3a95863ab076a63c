import { type ButtonInteraction, MessageFlags, PermissionFlagsBits } from 'discord.js';
import type { Logger } from '../../core/logger.js';
import type { CancelCustomId } from './custom-ids.js';
import { NO_PINGS } from './reply-target.js';
import { TEXT } from './texts.js';

/** What a Cancel click needs from the core. */
export interface CancelDeps {
  /** Stops a conversation's turns and jobs; returns how many it stopped. */
  readonly cancel: ((conversationId: string) => number) | undefined;
  readonly logger: Logger;
}

/**
 * A click on Cancel: only the person who asked, or someone allowed to manage messages in that
 * channel, may stop the turn; anyone else is told so privately. The button comes off the message at
 * once (the click's own acknowledgement); the turn then winds down and says "Cancelled." itself.
 */
export async function cancelClick(i: ButtonInteraction, id: CancelCustomId, deps: CancelDeps): Promise<void> {
  const moderator = i.memberPermissions?.has(PermissionFlagsBits.ManageMessages) ?? false;
  if (i.user.id !== id.userId && !moderator) {
    await i.reply({
      content: TEXT.cancelNotYours(id.userId),
      flags: MessageFlags.Ephemeral,
      allowedMentions: NO_PINGS,
    });
    return;
  }
  // Acknowledged first: cancelling deletes the status line this click may have come from.
  await i.update({ components: [] });
  const stopped = deps.cancel?.(id.conversationId) ?? 0;
  deps.logger.info({ conversation: id.conversationId, by: i.user.id, stopped }, 'turn cancelled by button');
  if (stopped === 0) await i.followUp({ content: TEXT.nothingToCancel, flags: MessageFlags.Ephemeral });
}
