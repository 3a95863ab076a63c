import type { AccessSettingsView } from '../../core/access/access-settings.js';
import type { ErrorCode } from '../../core/errors.js';
import type { Notice, ProgressUpdate } from '../../core/reply-sink.js';
import type { TaskKind } from '../../engine/protocol/task-kind.js';
import { about, mb, num } from '../notice-format.js';
import { wellFormed } from '../text-safety.js';

const TASK_NAMES: Record<TaskKind, string> = {
  image_generation: 'image',
  image_editing: 'image edit',
  segmentation: 'segmentation',
  video_generation: 'video',
  audio_generation: 'audio clip',
};

const task = (n: Notice): string => (n.kind ? TASK_NAMES[n.kind] : 'job');
/** Discord renders `<t:…:R>` as "in 5 minutes" in the reader's own clock. */
const resets = (n: Notice): string => {
  const at = num(n, 'resetAt');
  return at === undefined ? 'later' : `<t:${Math.ceil(at / 1000)}:R>`;
};

const name = (n: Notice): string =>
  typeof n.details?.name === 'string' ? `\`${n.details.name}\`` : 'that file';

/** Every user-facing sentence for a notice on Discord, keyed by stable error code. */
const TEXTS: Record<ErrorCode, (n: Notice) => string> = {
  config_invalid: () => '⚠️ The bot is misconfigured; an operator has to look at the logs.',
  bundle_invalid: () => '⚠️ The model files are invalid; an operator has to look at the logs.',
  model_missing: (n) => `⚠️ The ${task(n)} model is missing.`,
  task_not_configured: (n) => `⚠️ This bot cannot make a ${task(n)}: no model is configured for it.`,
  bad_input: (n) => {
    if (n.details?.reason === 'blocked')
      return n.details.source === 'task'
        ? `⚠️ I won't make that ${task(n)}: what it asks for is not allowed here.`
        : "⚠️ I can't help with that: your message asks for something not allowed here.";
    if (n.details?.reason === 'empty') return `⚠️ My ${task(n)} request was empty, so I did not run it.`;
    return `⚠️ I could not read ${name(n)}: it looks damaged or is not what its name says.`;
  },
  input_too_large: (n) => {
    if (n.details?.source === 'user')
      return `⚠️ Your message is too long (${num(n, 'length') ?? '?'} characters; the limit is ${num(n, 'limit') ?? '?'}).`;
    if (n.details?.source === 'task')
      return `⚠️ The ${task(n)} description I wrote was too long (over ${num(n, 'limit') ?? '?'} characters), so I did not run it.`;
    if (n.details?.width !== undefined)
      return `⚠️ The image ${name(n)} has too many pixels (${num(n, 'width')}×${num(n, 'height')}; the limit is ${Math.round((num(n, 'maxPixels') ?? 0) / 1e6)} megapixels).`;
    return `⚠️ ${name(n)} is too large (${mb(n.details?.size)} MB; the limit is ${mb(n.details?.limit)} MB).`;
  },
  unsupported_media: (n) => `⚠️ I can only look at images (PNG, JPEG, WebP, GIF); ${name(n)} was left out.`,
  output_too_large: (n) =>
    `⚠️ The ${task(n)} is too large to upload here (limit ${mb(n.details?.limit)} MB), even after shrinking it.`,
  timeout: (n) => `⏱️ The ${task(n)} took too long and was stopped.`,
  cancelled: () => 'Cancelled.',
  rate_limited: () => '⏳ Too many requests right now; try again in a moment.',
  quota_exceeded: (n) => {
    if (n.details?.scope === 'concurrent')
      return `⏳ You already have ${num(n, 'used') ?? 'several'} requests running; send this again when one has finished.`;
    if (n.details?.scope === 'workspace')
      return `⏳ This server has used its compute quota for now; it frees up ${resets(n)}.`;
    return `⏳ You have used your compute quota for now; it frees up ${resets(n)}.`;
  },
  engine_failed: (n) =>
    n.details?.reason === 'empty_reply'
      ? '⚠️ I had no answer to that. Try asking another way.'
      : '⚠️ Something went wrong while I was writing the answer. Please try again.',
  task_failed: (n) =>
    n.details?.reason === 'output_refused'
      ? `⚠️ The ${task(n)} was held back by the content check.`
      : `⚠️ The ${task(n)} failed. Please try again.`,
  unclosed_task_tag: (n) =>
    `⚠️ My ${task(n)} request was cut off before it was complete, so I did not run it.`,
  no_image_for_task: (n) => `⚠️ There is no image for the ${task(n)}: attach one, or reply to one.`,
  access_denied: () => '🚫 This bot is not available to you here.',
  restarting: () => '⏸️ The bot is restarting; it will pick this up again as soon as it is back.',
  interrupted: () => '⚠️ The bot restarted twice while working on this, so it gave up. Please ask again.',
  internal: () => '⚠️ Something went wrong on my side.',
};

/** The Discord text of a notice. */
export function noticeText(notice: Notice): string {
  return wellFormed(TEXTS[notice.code](notice));
}

/** The status line of a running or queued job. */
export function progressText(update: ProgressUpdate): string {
  const what = update.kind === 'chat' ? 'reply' : TASK_NAMES[update.kind];
  if (update.phase === 'queued') {
    const eta = update.etaMs ? `, ${about(update.etaMs)}` : '';
    return `⏳ Your ${what} is queued (position ${update.queuePosition ?? '?'}${eta}).`;
  }
  const percent =
    update.totalSteps && update.step !== undefined
      ? ` ${Math.round((100 * update.step) / update.totalSteps)}%`
      : '';
  return `🎨 Making your ${what}…${percent}`;
}

/** Fixed texts of the Discord front end. */
export const TEXT = {
  help: [
    '**LLMBind** — mention me, DM me, or use a command:',
    '`/ask` chat (optionally about an image) · `/imagine` make an image · `/edit` change an image',
    '`/segment` outline something in an image · `/video` · `/audio` · `/reset` forget this conversation',
    'In a thread I opened, just keep talking. Say "make it blue" to edit the last image.',
  ].join('\n'),
  reset: '🧹 Done: I forgot this conversation.',
  empty: '…',
  unknownButton: 'I no longer know how that image was made, so I cannot do that with it.',
  cannotAttach:
    '⚠️ I made it, but I am not allowed to attach files here (the Attach Files permission is missing).',
  editPrompt: 'What should change?',
  segmentPrompt: 'What should I outline?',
  // Cut by characters, not UTF-16 units, so an emoji is never halved.
  threadName: (text: string): string =>
    wellFormed(Array.from(text.trim()).slice(0, 90).join('') || 'LLMBind').replace(/\s+/g, ' '),
  buttons: {
    regenerate: 'Regenerate',
    edit: 'Edit…',
    segment: 'Segment…',
    animate: 'Animate',
    cancel: 'Cancel',
  },
  /** Ephemeral answer to someone else's click on Cancel. */
  cancelNotYours: (userId: string): string =>
    `Only <@${userId}>, who asked, or someone who can manage messages can cancel this.`,
  /** Ephemeral answer to a Cancel click when nothing runs any more (finished, or before a restart). */
  nothingToCancel: 'Nothing is running here any more.',
  /** `/settings`: what is in force now. */
  settingsView: (v: AccessSettingsView): string =>
    [
      `⚙️ DMs: **${v.dms ? 'on' : 'off'}**.`,
      v.offChannels.length === 0
        ? 'The bot answers in every channel it may use.'
        : `Switched off in: ${v.offChannels.map((c) => `<#${c}>`).join(', ')}.`,
    ].join('\n'),
  settingsRefused: '🚫 Only the bot admins and people who can manage this server can change its settings.',
  settingsUnavailable: 'Settings cannot be changed on this bot.',
  /** First line of an answer sent by DM because the bot may not post where it was asked. */
  answeringByDm: (channelId: string): string =>
    `ℹ️ I am not allowed to post in <#${channelId}>, so here is my answer by DM.`,
} as const;
