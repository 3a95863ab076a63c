import type { App } from '@slack/bolt';
import type { IncomingMessage } from '../../core/message.js';
import { journalKey, type SlackRoute, toJson } from './journal-route.js';
import { conversationKey, type ListenerDeps } from './listener-deps.js';
import type { SlackFile } from './slack-api.js';
import { slackAttachment } from './slack-files.js';
import { stripMention } from './text-split.js';
import type { ThreadContext } from './thread-history.js';

/** The fields of a message/app_mention event the adapter reads. */
export interface MessageEventShape {
  readonly subtype?: string;
  readonly channel: string;
  readonly channel_type?: string;
  readonly user?: string;
  readonly bot_id?: string;
  readonly text?: string;
  readonly ts: string;
  readonly thread_ts?: string;
  readonly team?: string;
  readonly files?: readonly SlackFile[];
}

/** Context values Bolt's authorize step fills in. */
export interface BotContext {
  readonly botUserId?: string;
  readonly botId?: string;
  readonly teamId?: string;
}

/**
 * app_mention → answer in a thread under the message; message.im → answer in the DM; a plain message in a
 * thread the bot is part of → answer without a mention.
 */
export function registerMessageListeners(app: App, deps: ListenerDeps): void {
  app.event('app_mention', async ({ event, context, body }) => {
    await onMessage(deps, event as unknown as MessageEventShape, context, eventId(body), 'mention');
  });
  app.event('message', async ({ event, context, body }) => {
    await onMessage(deps, event as unknown as MessageEventShape, context, eventId(body), 'message');
  });
}

const eventId = (body: unknown): string => String((body as { event_id?: unknown }).event_id ?? '');

/**
 * Handles one message event. `resumedKey` is the journal key when a restart replays the event (it was
 * admitted before); otherwise the event is journalled here, once it is known to be a turn.
 */
export async function onMessage(
  deps: ListenerDeps,
  e: MessageEventShape,
  context: BotContext,
  id: string,
  via: 'mention' | 'message',
  resumedKey?: string,
): Promise<void> {
  const ignored = () => deps.outcome({ source: 'event', id, result: 'ignored' });
  // Edits, deletions, joins and bot posts are not turns; a message with files is (subtype file_share).
  if (e.bot_id || !e.user || (e.subtype !== undefined && e.subtype !== 'file_share')) return ignored();
  const team = e.team ?? context.teamId ?? 'T';
  const isDm = e.channel_type === 'im';
  const mentionsBot = context.botUserId !== undefined && (e.text ?? '').includes(`<@${context.botUserId}`);
  let threadTs: string | undefined;
  if (via === 'mention') {
    threadTs = e.thread_ts ?? e.ts;
  } else if (isDm) {
    threadTs = e.thread_ts;
  } else {
    // Channel messages: the app_mention event carries mentions; the rest only in threads the bot is in.
    if (mentionsBot || !e.thread_ts) return ignored();
    if (!(await deps.history.isKnown(conversationKey(team, e.channel, e.thread_ts)))) return ignored();
    threadTs = e.thread_ts;
  }
  const conversationId = conversationKey(team, e.channel, threadTs);
  const user = e.user;
  const key = resumedKey ?? (await admit(deps, e, context, id, via));
  if (key === false) return deps.outcome({ source: 'event', id, result: 'duplicate' });
  const target = { channel: e.channel, ...(threadTs ? { threadTs } : {}) };
  // Claimed now, not when the turn starts, so a follow-up right behind this message is not ignored.
  deps.history.claim(conversationId);
  deps.runner.start(
    'event',
    id,
    conversationId,
    target,
    async (): Promise<IncomingMessage> => {
      const inThread = e.thread_ts !== undefined && e.thread_ts !== e.ts;
      const bot = { userId: context.botUserId, botId: context.botId };
      const joined: ThreadContext = inThread
        ? await deps.history.join(conversationId, e.channel, e.thread_ts ?? e.ts, e.ts, bot)
        : {};
      const image = joined.latestImage;
      return {
        platform: 'slack',
        conversationId,
        messageId: e.ts,
        workspaceId: team,
        channelId: e.channel,
        isDirect: isDm,
        author: { id: user, name: await deps.api.userName(user) },
        text: stripMention(e.text ?? '', context.botUserId),
        attachments: (e.files ?? []).map((f) => slackAttachment(f, deps.files)),
        // An image posted earlier in a thread the bot just joined is what "edit this" refers to.
        ...(image
          ? { replyTo: { messageId: image.ts, attachments: [slackAttachment(image.file, deps.files)] } }
          : {}),
      };
    },
    key,
  );
}

/** Journals a message turn; false when it was journalled before (a redelivery). */
async function admit(
  deps: ListenerDeps,
  e: MessageEventShape,
  context: BotContext,
  id: string,
  via: 'mention' | 'message',
): Promise<string | undefined | false> {
  if (!deps.ledger) return undefined;
  const key = journalKey.event(id || `${e.channel}:${e.ts}`);
  const route: SlackRoute = {
    kind: 'event',
    eventId: id,
    via,
    // Only the fields the listener reads (the raw event also carries blocks, edits, …).
    event: {
      channel: e.channel,
      ts: e.ts,
      ...pick(e, ['subtype', 'channel_type', 'user', 'text', 'thread_ts', 'team'] as const),
      ...(e.files ? { files: e.files.map((f) => ({ ...f })) } : {}),
    },
    context: pick(context, ['botUserId', 'botId', 'teamId'] as const),
  };
  return (await deps.ledger.admit(key, toJson(route))) ? key : false;
}

/** The listed keys of `o` that are set, as a plain object. */
function pick<T extends object, K extends keyof T>(
  o: T,
  keys: readonly K[],
): { [P in K]?: NonNullable<T[P]> } {
  const out: { [P in K]?: NonNullable<T[P]> } = {};
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) out[k] = o[k] as NonNullable<T[K]>;
  return out;
}
