import type { ErrorCode } from '../../core/errors.js';
import type { Notice } from '../../core/reply-sink.js';
import { about, mb, num } from '../notice-format.js';

const TASK_NAMES = {
  image_generation: 'image generation',
  image_editing: 'image editing',
  segmentation: 'segmentation',
  video_generation: 'video generation',
  audio_generation: 'audio generation',
} as const;

/** Every user-facing sentence of the terminal front end, keyed by stable error code. */
const TEXTS: Record<ErrorCode, (n: Notice) => string> = {
  config_invalid: () => 'The configuration is invalid; see the log for the key.',
  bundle_invalid: () => 'The model bundle is invalid; see the log for the file and the mismatch.',
  model_missing: (n) => `The ${task(n)} model is missing from the bundle.`,
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
    return n.details?.name === undefined
      ? 'Your message is too long for this model; please shorten it or start a new conversation.'
      : `${cap(name(n))} is too large (${mb(n.details.size)} MB; the limit is ${mb(n.details.limit)} MB).`;
  },
  unsupported_media: (n) => `I can only look at images (PNG, JPEG, WebP, GIF); ${name(n)} was left out.`,
  output_too_large: (n) => `The ${task(n)} result is too large to send here.`,
  timeout: (n) =>
    n.kind
      ? `The ${task(n)} job took too long and was stopped.`
      : 'The answer took too long and was stopped.',
  cancelled: () => 'Cancelled.',
  rate_limited: () => 'Too many requests right now; try again in a moment.',
  quota_exceeded: (n) => {
    if (n.details?.scope === 'concurrent')
      return `You already have ${num(n, 'used') ?? 'several'} requests running; try again when one has finished.`;
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
  no_image_for_task: (n) => `There is no image to use for ${task(n)}: attach one or reply to one.`,
  access_denied: () => 'This bot is not available to you here.',
  restarting: () => 'The bot is restarting; it will pick this up again as soon as it is back.',
  interrupted: () => 'The bot restarted twice while working on this, so it gave up. Please ask again.',
  internal: () => 'Something went wrong on my side.',
};

const task = (n: Notice): string => (n.kind ? TASK_NAMES[n.kind] : 'task');
const resets = (n: Notice): string => {
  const s = num(n, 'retryAfterSeconds');
  return s === undefined ? 'later' : `in ${about(s * 1000)}`;
};

const name = (n: Notice): string =>
  typeof n.details?.name === 'string' ? `"${n.details.name}"` : 'that file';
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The sentence the terminal shows for a notice. */
export function noticeText(notice: Notice): string {
  return TEXTS[notice.code](notice);
}
