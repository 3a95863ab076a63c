import type { App } from '@slack/bolt';
import { commandConversationKey, type ListenerDeps } from './listener-deps.js';
import { parseSlashCommand } from './slash-command.js';
import { escapeMrkdwn } from './text-split.js';
import {
  commandRootText,
  helpText,
  NOT_IN_CHANNEL_TEXT,
  RESET_TEXT,
  usageText,
  WORKING_TEXT,
} from './texts.js';

/**
 * The slash command: acknowledged at once (help, usage and reset are answered in the ack itself); a prompt
 * gets a root message in the channel and its answer in that message's thread. The command conversation is
 * per user and channel, so `/llmbind edit` acts on the image `/llmbind imagine` made before.
 */
export function registerCommandListener(app: App, deps: ListenerDeps): void {
  app.command(deps.command, async ({ command, ack, respond }) => {
    const id = command.trigger_id;
    const request = parseSlashCommand(command.text);
    const conversationId = commandConversationKey(command.team_id, command.channel_id, command.user_id);
    const answered = () => deps.outcome({ source: 'command', id, result: 'answered', conversationId });
    switch (request.type) {
      case 'help':
        await ack({ response_type: 'ephemeral', text: helpText(deps.command) });
        return answered();
      case 'usage':
        await ack({ response_type: 'ephemeral', text: usageText(deps.command, request.subcommand) });
        return answered();
      case 'reset':
        deps.cancel(conversationId);
        await deps.store.reset(conversationId);
        await ack({ response_type: 'ephemeral', text: RESET_TEXT });
        return answered();
      case 'ask':
        break;
    }
    await ack({ response_type: 'ephemeral', text: WORKING_TEXT });
    let rootTs: string;
    try {
      rootTs = await deps.api.post(
        command.channel_id,
        commandRootText(command.user_id, deps.command, escapeMrkdwn(command.text)),
      );
    } catch (error) {
      // Not a member of the channel (or a DM with someone else): only response_url can reach the user.
      deps.log.warn({ err: String(error), channel: command.channel_id }, 'cannot post the command thread');
      await respond({ response_type: 'ephemeral', text: NOT_IN_CHANNEL_TEXT });
      return deps.outcome({ source: 'command', id, result: 'failed', conversationId });
    }
    deps.history.claim(conversationId);
    deps.runner.start(
      'command',
      id,
      conversationId,
      { channel: command.channel_id, threadTs: rootTs },
      {
        platform: 'slack',
        conversationId,
        messageId: rootTs,
        workspaceId: command.team_id,
        channelId: command.channel_id,
        isDirect: command.channel_id.startsWith('D'),
        author: { id: command.user_id, name: command.user_name },
        text: request.prompt,
        attachments: [],
        ...(request.forcedTask ? { forcedTask: request.forcedTask } : {}),
      },
    );
  });
}
