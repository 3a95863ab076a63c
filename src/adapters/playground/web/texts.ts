import type { ErrorCode } from '../../../core/errors.js';
import type { Notice, ProgressUpdate } from '../../../core/reply-sink.js';
import type { TaskKind } from '../../../engine/protocol/task-kind.js';
import { about, mb, num } from '../../notice-format.js';

const TASK_NAMES: Record<TaskKind, string> = {
  image_generation: 'image',
  image_editing: 'image edit',
  segmentation: 'segmentation',
  video_generation: 'video',
  audio_generation: 'audio clip',
};

const task = (n: Notice): string => (n.kind ? TASK_NAMES[n.kind] : 'job');
const resets = (n: Notice): string => {
  const s = num(n, 'retryAfterSeconds');
  return s === undefined ? 'later' : `in ${about(s * 1000)}`;
};

const name = (n: Notice): string =>
  typeof n.details?.name === 'string' ? `“${n.details.name}”` : 'that file';

/** Every user-facing sentence for a notice in the playground, keyed by stable error code. */
const TEXTS: Record<ErrorCode, (n: Notice) => string> = {
  config_invalid: () => 'The bot is misconfigured; look at the server log.',
  bundle_invalid: () => 'The model files are invalid; look at the server log.',
  model_missing: (n) => `The ${task(n)} model is missing.`,
  task_not_configured: (n) => `This model pack cannot make a ${task(n)}: no model is configured for it.`,
  bad_input: (n) => {
    if (n.details?.reason === 'blocked')
      return n.details.source === 'task'
        ? `I won't make that ${task(n)}: what it asks for is not allowed here.`
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
    return `${name(n)} is too large (${mb(n.details?.size)} MB; the limit is ${mb(n.details?.limit)} MB).`;
  },
  unsupported_media: (n) => `I can only look at images (PNG, JPEG, WebP, GIF); ${name(n)} was left out.`,
  output_too_large: (n) => `The ${task(n)} came out too large to show.`,
  timeout: (n) => `The ${task(n)} took too long and was stopped.`,
  cancelled: () => 'Cancelled.',
  rate_limited: () => 'Too many requests right now; try again in a moment.',
  quota_exceeded: (n) => {
    if (n.details?.scope === 'concurrent')
      return `You already have ${num(n, 'used') ?? 'several'} requests running; send this again when one has finished.`;
    return `You have used your compute quota for now; it frees up ${resets(n)}.`;
  },
  engine_failed: (n) =>
    n.details?.reason === 'empty_reply'
      ? 'I had no answer to that. Try asking another way.'
      : 'Something went wrong while I was writing the answer. Please try again.',
  task_failed: (n) =>
    n.details?.reason === 'output_refused'
      ? `The ${task(n)} was held back by the content check.`
      : `The ${task(n)} failed. Please try again.`,
  unclosed_task_tag: (n) => `My ${task(n)} request was cut off before it was complete, so I did not run it.`,
  no_image_for_task: (n) => `There is no image for the ${task(n)}: attach one, or use a button under one.`,
  access_denied: () => 'This bot is not available to you here.',
  restarting: () => 'The bot is restarting; it will pick this up again as soon as it is back.',
  interrupted: () => 'The bot restarted twice while working on this, so it gave up. Please ask again.',
  internal: () => 'Something went wrong on my side.',
};

/** The playground text of a notice. */
export function noticeText(notice: Notice): string {
  return TEXTS[notice.code](notice);
}

/** The status line of a queued or running job. */
export function progressText(update: ProgressUpdate): string {
  const what = update.kind === 'chat' ? 'reply' : TASK_NAMES[update.kind];
  if (update.phase === 'queued') {
    const eta = update.etaMs ? `, ${about(update.etaMs)}` : '';
    return `Your ${what} is queued (position ${update.queuePosition ?? '?'}${eta}).`;
  }
  if (update.kind === 'chat') return update.phase === 'failed' ? 'Your reply was stopped.' : 'Answering now.';
  if (update.phase === 'done') return `Your ${what} is ready.`;
  if (update.phase === 'failed') return `Your ${what} failed.`;
  const steps =
    update.totalSteps && update.step !== undefined ? ` step ${update.step} of ${update.totalSteps}` : '';
  return `Making your ${what}…${steps}`;
}

/** The line shown while a whole turn waits for a free slot. */
export function queuedText(position: number): string {
  return position === 1 ? 'Waiting: you are next.' : `Waiting in line: position ${position}.`;
}

/** Fixed texts the server sends (the page's own labels live in static/app.js). */
export const TEXT = {
  defaultModel: 'the model bundle configured on this server',
  notFound: 'Not found.',
  badRequest: 'That request is not valid.',
  tooLarge: 'The upload is too large.',
  forbidden: 'This playground only answers pages it served itself.',
} as const;
