import type { ErrorCode } from '../../core/errors.js';
import type { Notice, ProgressUpdate } from '../../core/reply-sink.js';
import type { TaskKind } from '../../engine/protocol/task-kind.js';

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
  bad_input: (n) => `I could not read ${name(n)}: it looks damaged or is not what its name says.`,
  input_too_large: (n) =>
    `${cap(name(n))} is too large (${mb(n.details?.size)} MB; the limit is ${mb(n.details?.limit)} MB).`,
  unsupported_media: (n) => `I can only look at images (PNG, JPEG, WebP, GIF); ${name(n)} was left out.`,
  output_too_large: (n) => `The ${task(n)} result is too large to upload here.`,
  timeout: (n) => `The ${task(n)} job took too long and was stopped.`,
  cancelled: () => 'Cancelled.',
  rate_limited: () => 'Too many requests right now; try again in a moment.',
  quota_exceeded: () => 'You have used your compute quota for now.',
  engine_failed: () => 'Something went wrong while I was writing the answer. Please try again.',
  task_failed: (n) => `The ${task(n)} job failed. Please try again.`,
  unclosed_task_tag: (n) => `My ${task(n)} request was cut off before it was complete, so I did not run it.`,
  no_image_for_task: (n) => `There is no image to use for ${task(n)}: attach one in this thread first.`,
  internal: () => 'Something went wrong on my side.',
};

const task = (n: Notice): string => (n.kind ? TASK_NAMES[n.kind] : 'task');
const name = (n: Notice): string =>
  typeof n.details?.name === 'string' ? `"${n.details.name}"` : 'that file';
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const mb = (v: string | number | undefined): string => (typeof v === 'number' ? (v / 1e6).toFixed(1) : '?');

/** The sentence shown in Slack for a notice. */
export function noticeText(notice: Notice): string {
  return `:warning: ${TEXTS[notice.code](notice)}`;
}

/** The status line of a running job. */
export function progressText(update: ProgressUpdate): string {
  const what = cap(TASK_NAMES[update.kind]);
  switch (update.phase) {
    case 'queued':
      return `:hourglass: ${what}: queued${update.queuePosition ? ` (position ${update.queuePosition})` : ''}…`;
    case 'running': {
      const pct =
        update.totalSteps && update.step !== undefined
          ? ` ${Math.round((100 * update.step) / update.totalSteps)}%`
          : '';
      return `:gear: ${what}: working…${pct}`;
    }
    case 'done':
      return `:white_check_mark: ${what}: done.`;
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
    'You can also @mention me in a channel or send me a direct message.',
  ].join('\n');
}

/** Asked for a subcommand without a prompt. */
export function usageText(command: string, sub: string): string {
  return `Usage: ${command} ${sub} <prompt>. Try ${command} help.`;
}

/** Confirms `reset`. */
export const RESET_TEXT = 'Done: I forgot our conversation in this channel.';

/** Acknowledges a command whose work continues after the ack. */
export const WORKING_TEXT = 'On it…';

/** The label of the root message a slash command's thread hangs under. */
export function commandRootText(userId: string, command: string, text: string): string {
  return `<@${userId}> used ${command} ${text}`.trim();
}

/** The command was used where the bot cannot post. */
export const NOT_IN_CHANNEL_TEXT = 'I am not in this channel: invite me (/invite) and try again, or DM me.';

/** A button whose state is gone (older than the button store). */
export const BUTTON_EXPIRED_TEXT = 'This button has expired; ask me again.';
