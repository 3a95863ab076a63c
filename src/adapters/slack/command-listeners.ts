import type { App } from '@slack/bolt';
import type { SettingChange } from '../../core/access/access-settings.js';
import type { IncomingMessage } from '../../core/message.js';
import { journalKey, type SlackRoute, toJson } from './journal-route.js';
import { commandConversationKey, type ListenerDeps } from './listener-deps.js';
import { ResponseUrl } from './response-url.js';
import { slackErrorCode } from './slack-api.js';
import { parseSlashCommand } from './slash-command.js';
import { escapeMrkdwn } from './text-split.js';
import {
  CANNOT_POST_TEXT,
  commandRootText,
  helpText,
  RESET_TEXT,
  SETTINGS_REFUSED,
  SETTINGS_UNAVAILABLE,
  settingsText,
  usageText,
  WORKING_TEXT,
} from './texts.js';
import type { ReplyTarget } from './turn-runner.js';

/** chat.postMessage errors that mean the bot is not in the conversation (a channel it was not invited to,
 * a private channel, or a DM between other people): response_url still reaches the user there. */
const NOT_A_MEMBER = new Set(['not_in_channel', 'channel_not_found']);

/**
 * The slash command: acknowledged at once (help, usage and reset are answered in the ack itself); a prompt
 * gets a root message in the channel and its answer in that message's thread. Where the bot is not a
 * member, the answer goes back through the command's response_url instead (see ResponseUrlSink). The
 * command conversation is per user and channel, so `/llmbind edit` acts on the image `/llmbind imagine`
 * made before.
 */
export function registerCommandListener(app: App, deps: ListenerDeps): void {
  app.command(deps.command, async ({ command, ack, context }) => {
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
      case 'settings': {
        const change: SettingChange =
          request.setting === 'show'
            ? { setting: 'show' }
            : request.setting === 'dms'
              ? { setting: 'dms', on: request.on }
              : { setting: 'channel', channelId: command.channel_id, on: request.on };
        const result = deps.configure?.({ platform: 'slack', userId: command.user_id }, change);
        const text = !result
          ? SETTINGS_UNAVAILABLE
          : result.ok
            ? settingsText(result.value)
            : SETTINGS_REFUSED;
        await ack({ response_type: 'ephemeral', text });
        return answered();
      }
      case 'reset':
        deps.cancel(conversationId);
        await deps.store.reset(conversationId);
        await ack({ response_type: 'ephemeral', text: RESET_TEXT });
        return answered();
      case 'ask':
        break;
    }
    await ack({ response_type: 'ephemeral', text: WORKING_TEXT });
    const responseUrl = new ResponseUrl(deps.api, command.response_url);
    let target: ReplyTarget;
    let messageId: string;
    try {
      messageId = await deps.api.post(
        command.channel_id,
        commandRootText(command.user_id, deps.command, escapeMrkdwn(command.text)),
      );
      target = { channel: command.channel_id, threadTs: messageId };
    } catch (error) {
      const code = slackErrorCode(error);
      const log = { err: String(error), code, channel: command.channel_id };
      if (!code || !NOT_A_MEMBER.has(code)) {
        deps.log.warn(log, 'cannot post the command thread');
        await responseUrl.post({ response_type: 'ephemeral', text: CANNOT_POST_TEXT });
        return deps.outcome({ source: 'command', id, result: 'failed', conversationId });
      }
      deps.log.info(log, 'not a member: answering through response_url');
      messageId = id;
      target = {
        channel: command.channel_id,
        responseUrl,
        ...(context.botUserId ? { botUserId: context.botUserId } : {}),
      };
    }
    const message: IncomingMessage = {
      platform: 'slack',
      conversationId,
      messageId,
      workspaceId: command.team_id,
      channelId: command.channel_id,
      isDirect: command.channel_id.startsWith('D'),
      author: { id: command.user_id, name: command.user_name },
      text: request.prompt,
      attachments: [],
      ...(request.forcedTask ? { forcedTask: request.forcedTask } : {}),
    };
    deps.history.claim(conversationId);
    // Journalled once its thread exists; an answer through response_url is not (its URL is a credential).
    const key = 'threadTs' in target ? await admitCommand(deps, id, message, target) : undefined;
    deps.runner.start('command', id, conversationId, target, message, key);
  });
}

async function admitCommand(
  deps: ListenerDeps,
  triggerId: string,
  message: IncomingMessage,
  target: { channel: string; threadTs?: string },
): Promise<string | undefined> {
  if (!deps.ledger || !target.threadTs) return undefined;
  const route: SlackRoute = {
    kind: 'command',
    triggerId,
    conversationId: message.conversationId,
    messageId: message.messageId,
    team: message.workspaceId ?? '',
    channel: target.channel,
    threadTs: target.threadTs,
    author: { id: message.author.id, name: message.author.name },
    text: message.text,
    ...(message.forcedTask ? { forcedTask: message.forcedTask } : {}),
  };
  const key = journalKey.command(triggerId);
  return (await deps.ledger.admit(key, toJson(route))) ? key : undefined;
}

/** Runs a journalled slash-command turn again after a restart, in the thread its answer was going to. */
export function resumeCommand(
  deps: ListenerDeps,
  route: Extract<SlackRoute, { kind: 'command' }>,
  key: string,
): void {
  const message: IncomingMessage = {
    platform: 'slack',
    conversationId: route.conversationId,
    messageId: route.messageId,
    workspaceId: route.team,
    channelId: route.channel,
    isDirect: route.channel.startsWith('D'),
    author: route.author,
    text: route.text,
    attachments: [],
    ...(route.forcedTask ? { forcedTask: route.forcedTask } : {}),
  };
  const target = { channel: route.channel, threadTs: route.threadTs };
  deps.runner.start('command', route.triggerId, route.conversationId, target, message, key);
}
