import type { AccessSettingsView } from '../../core/access/access-settings.js';
import type { ErrorCode } from '../../core/errors.js';
import type { Notice, ProgressUpdate } from '../../core/reply-sink.js';
import type { TaskKind } from '../../engine/protocol/task-kind.js';
import { about, mb, num } from '../notice-format.js';
import { wellFormed } from '../text-safety.js';
import { escapeMrkdwn } from './text-split.js';

const TASK_NAMES: Record<TaskKind, string> = {
  image_generation: 'image generation',
  image_editing: 'image editing',
  segmentation: 'segmentation',
  video_generation: 'video generation',
  audio_generation: 'audio generation',
};

/** Every user-facing sentence of the Slack adapter for a notice, keyed by stable error code. */
const TEXTS: Record<ErrorCode, (n: Notice) => string> = {
  config_invalid: () => 'The bot is misconfigured; an operator has to look at its log.',
  bundle_invalid: () => 'The model files are damaged; an operator has to look at the log.',
  model_missing: (n) => `The ${task(n)} model is missing.`,
  task_not_configured: (n) => `This bot has no ${task(n)} model configured.`,
  bad_input: (n) => {
    if (n.details?.reason === 'blocked')
      return n.details.source === 'task'
        ? `I won't run that ${task(n)}: what it asks for is not allowed here.`
        : "I can't help with that: your message asks for something not allowed here.";
    if (n.details?.reason === 'empty') return `My ${task(n)} request was empty, so I did not run it.`;
    return `I could not read ${name(n)}: it looks damaged or is not what its name says.`;
  },
  input_too_large: (n) => {
    if (n.details?.source === 'user')
      return `Your message is too long (${num(n, 'length') ?? '?'} characters; the limit is ${num(n, 'limit') ?? '?'}).`;
    if (n.details?.source === 'task')
      return `The ${task(n)} description I wrote was too long (over ${num(n, 'limit') ?? '?'} characters), so I did not run it.`;
    if (n.details?.width !== undefined)
      return `The image ${name(n)} has too many pixels (${num(n, 'width')}×${num(n, 'height')}; the limit is ${Math.round((num(n, 'maxPixels') ?? 0) / 1e6)} megapixels).`;
    return `${cap(name(n))} is too large (${mb(n.details?.size)} MB; the limit is ${mb(n.details?.limit)} MB).`;
  },
  unsupported_media: (n) => `I can only look at images (PNG, JPEG, WebP, GIF); ${name(n)} was left out.`,
  output_too_large: (n) => `The ${task(n)} result is too large to upload here.`,
  timeout: (n) => `The ${task(n)} job took too long and was stopped.`,
  cancelled: () => 'Cancelled.',
  rate_limited: () => 'Too many requests right now; try again in a moment.',
  quota_exceeded: (n) => {
    if (n.details?.scope === 'concurrent')
      return `You already have ${num(n, 'used') ?? 'several'} requests running; send this again when one has finished.`;
    if (n.details?.scope === 'workspace')
      return `This workspace has used its compute quota for now; it frees up ${resets(n)}.`;
    return `You have used your compute quota for now; it frees up ${resets(n)}.`;
  },
  engine_failed: (n) =>
    n.details?.reason === 'empty_reply'
      ? 'I had no answer to that. Try asking another way.'
      : 'Something went wrong while I was writing the answer. Please try again.',
  task_failed: (n) =>
    n.details?.reason === 'output_refused'
      ? `The ${task(n)} result was held back by the content check.`
      : `The ${task(n)} job failed. Please try again.`,
  unclosed_task_tag: (n) => `My ${task(n)} request was cut off before it was complete, so I did not run it.`,
  no_image_for_task: (n) => `There is no image to use for ${task(n)}: attach one in this thread first.`,
  access_denied: () => 'This bot is not available to you here.',
  restarting: () => 'The bot is restarting; it will pick this up again as soon as it is back.',
  interrupted: () => 'The bot restarted twice while working on this, so it gave up. Please ask again.',
  internal: () => 'Something went wrong on my side.',
};

const task = (n: Notice): string => (n.kind ? TASK_NAMES[n.kind] : 'task');
/** Slack renders `<!date^…>` in the reader's time zone; the fallback is for old clients. */
const resets = (n: Notice): string => {
  const at = num(n, 'resetAt');
  if (at === undefined) return 'later';
  const s = Math.ceil(at / 1000);
  return `at <!date^${s}^{time}|${new Date(s * 1000).toISOString()}> (in ${about(at - Date.now())})`;
};

// A file name is the user's text: escaped so `<!channel>.png` cannot ping anyone.
const name = (n: Notice): string =>
  typeof n.details?.name === 'string' ? `"${escapeMrkdwn(n.details.name)}"` : 'that file';
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The sentence shown in Slack for a notice. */
export function noticeText(notice: Notice): string {
  return wellFormed(`:warning: ${TEXTS[notice.code](notice)}`);
}

/** The status line of a running job. */
export function progressText(update: ProgressUpdate): string {
  const what = update.kind === 'chat' ? 'Reply' : cap(TASK_NAMES[update.kind]);
  switch (update.phase) {
    case 'queued': {
      const where = [
        ...(update.queuePosition ? [`position ${update.queuePosition}`] : []),
        ...(update.etaMs ? [about(update.etaMs)] : []),
      ].join(', ');
      return `:hourglass: ${what}: queued${where ? ` (${where})` : ''}…`;
    }
    case 'running': {
      const pct =
        update.totalSteps && update.step !== undefined
          ? ` ${Math.round((100 * update.step) / update.totalSteps)}%`
          : '';
      return `:gear: ${what}: working…${pct}`;
    }
    case 'done':
      // A reply's status only closes its wait in the queue; the answer itself follows below.
      return update.kind === 'chat'
        ? ':speech_balloon: Reply: answering now.'
        : `:white_check_mark: ${what}: done.`;
    case 'failed':
      return `:x: ${what}: failed.`;
  }
}

/** Help for the slash command. */
export function helpText(command: string): string {
  return [
    `*${command} <anything>*: ask me; I answer in a thread and make media when it helps.`,
    `*${command} imagine <prompt>*: generate an image.`,
    `*${command} edit <instruction>*: edit the latest image of our ${command} conversation here.`,
    `*${command} segment <what>*: outline something in the latest image.`,
    `*${command} video <prompt>* / *${command} audio <prompt>*: generate a short clip.`,
    `*${command} reset*: forget our ${command} conversation in this channel.`,
    `*${command} settings [channel|dms on|off]*: admins switch me off in this channel, or DMs off.`,
    'You can also @mention me in a channel or send me a direct message.',
  ].join('\n');
}

/** Asked for a subcommand without a prompt. */
export function usageText(command: string, sub: string): string {
  if (sub === 'settings') return `Usage: ${command} settings [channel on|off | dms on|off].`;
  return `Usage: ${command} ${sub} <prompt>. Try ${command} help.`;
}

/** Confirms `reset`. */
export const RESET_TEXT = 'Done: I forgot our conversation in this channel.';

/** `settings` refused: the asker is not one of the configured admins. */
export const SETTINGS_REFUSED = ':no_entry: Only the bot admins can change its settings.';
/** `settings` on a bot without a settings store. */
export const SETTINGS_UNAVAILABLE = 'Settings cannot be changed on this bot.';

/** What is in force after a `settings` command. */
export function settingsText(view: AccessSettingsView): string {
  const channels =
    view.offChannels.length === 0
      ? 'The bot answers in every channel it is in.'
      : `Switched off in: ${view.offChannels.map((c) => `<#${c}>`).join(', ')}.`;
  return `:gear: DMs: *${view.dms ? 'on' : 'off'}*. ${channels}`;
}

/** Acknowledges a command whose work continues after the ack. */
export const WORKING_TEXT = 'On it…';

/** The label of the root message a slash command's thread hangs under. */
export function commandRootText(userId: string, command: string, text: string): string {
  return `<@${userId}> used ${command} ${text}`.trim();
}

/** The command was used where the bot cannot post, for a reason other than not being a member. */
export const CANNOT_POST_TEXT =
  'I cannot post in this channel right now, so I did not start. Try again, or DM me.';

/** What a produced file is called when it cannot be uploaded (one, and several). */
const FILE_NOUNS: Record<TaskKind, readonly [string, string]> = {
  image_generation: ['an image', 'images'],
  image_editing: ['an edited image', 'edited images'],
  segmentation: ['a segmentation', 'segmentations'],
  video_generation: ['a video', 'videos'],
  audio_generation: ['an audio clip', 'audio clips'],
};

/**
 * Said in a response_url answer (the bot is not in the channel) when the turn made files: they cannot be
 * uploaded there until the app is invited. `botUserId` renders as the app's @name.
 */
export function filesNeedInviteText(kinds: readonly TaskKind[], botUserId: string | undefined): string {
  const counts = new Map<TaskKind, number>();
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  const made = [...counts].map(([kind, n]) =>
    n === 1 ? FILE_NOUNS[kind][0] : `${n} ${FILE_NOUNS[kind][1]}`,
  );
  const list = made.length > 1 ? `${made.slice(0, -1).join(', ')} and ${made.at(-1)}` : (made[0] ?? 'a file');
  const invite = botUserId ? `/invite <@${botUserId}>` : '/invite @llmbind';
  return `:paperclip: I made ${list} for you, but I can only upload files to channels I am in: ${invite} here, then ask again.`;
}

/** A button whose state is gone (older than the button store). */
export const BUTTON_EXPIRED_TEXT = 'This button has expired; ask me again.';
