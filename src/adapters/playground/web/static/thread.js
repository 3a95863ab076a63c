// The conversation view: user and assistant bubbles, job progress, inline media and their buttons.
import { $, el } from './dom.js';

/** Words of the page (the server sends notice and progress texts itself). */
export const LABELS = {
  regenerate: 'Regenerate',
  edit: 'Edit…',
  segment: 'Segment…',
  animate: 'Animate',
  editing: 'Editing this image: say what should change.',
  segmenting: 'Segmenting this image: say what to outline.',
  newChat: 'New chat',
  typing: 'Writing…',
  tooLarge: 'That is more than this playground accepts in one message.',
  notImage: 'Only images can be attached.',
};

/** The hint shown in an empty thread (kept to put back when another conversation opens). */
export const emptyHint = $('empty');

export function scrollDown() {
  const thread = $('thread');
  thread.scrollTop = thread.scrollHeight;
}

export function addUserMessage(text, imageUrls) {
  $('empty')?.remove();
  const thumbs = imageUrls.length
    ? el('div', { className: 'thumbs' }, ...imageUrls.map((src) => el('img', { src, alt: 'attached image' })))
    : null;
  $('thread').append(el('div', { className: 'msg user' }, el('div', { className: 'text' }, text), thumbs));
  scrollDown();
}

/** An assistant bubble and the functions that fill it from the turn's events. */
export function addAssistantMessage(actions) {
  $('empty')?.remove();
  const text = el('div', { className: 'text' });
  const status = el('div', { className: 'status' });
  const jobs = el('div', { className: 'jobs' });
  const media = el('div', { className: 'media-list' });
  const root = el(
    'div',
    { className: 'msg assistant', dataset: { state: 'pending' } },
    text,
    status,
    jobs,
    media,
  );
  $('thread').append(root);
  const jobOf = new Map();
  return {
    root,
    text,
    status,
    progress(p) {
      let job = jobOf.get(p.task);
      if (!job) {
        job = { root: el('div', { className: 'job', dataset: { task: p.task } }) };
        job.label = el('div', {}, '');
        job.bar = el('progress', { max: 1, value: 0 });
        job.preview = el('img', { className: 'preview', alt: 'step preview', hidden: true });
        job.root.append(job.label, job.bar, job.preview);
        jobs.append(job.root);
        jobOf.set(p.task, job);
      }
      job.label.textContent = p.label;
      job.root.dataset.phase = p.phase;
      if (p.totalSteps) {
        job.bar.max = p.totalSteps;
        job.bar.value = p.step ?? 0;
      } else job.bar.removeAttribute('value');
      if (p.preview) {
        job.preview.src = p.preview;
        job.preview.hidden = false;
      }
      if (p.phase === 'done' || p.phase === 'failed') job.root.classList.add('done');
      if (p.phase === 'done' || p.phase === 'failed') jobOf.delete(p.task);
    },
    media(m) {
      media.append(mediaFigure(m, actions));
      scrollDown();
    },
    notice(n) {
      root.append(el('div', { className: 'notice', dataset: { code: n.code } }, n.text));
    },
  };
}

/** One produced file with the buttons Discord has under it; `actions` runs them. */
export function mediaFigure(m, actions) {
  const common = {
    className: `media-${m.kind}`,
    src: m.url,
    title: m.prompt || m.name,
    dataset: { task: m.task, mediaId: m.mediaId },
  };
  let player;
  if (m.kind === 'image') player = el('img', { ...common, alt: m.altText || m.name });
  else if (m.kind === 'video')
    player = el('video', { ...common, controls: true, loop: true, muted: true, autoplay: true });
  else if (m.kind === 'audio') player = el('audio', { ...common, controls: true });
  else player = el('a', { href: m.url, download: m.name }, m.name);
  const buttons = el('div', { className: 'buttons' });
  const prompt = m.prompt || '';
  if (m.task && prompt) buttons.append(button(LABELS.regenerate, 'regenerate', () => actions.regenerate(m)));
  if (m.kind === 'image') {
    buttons.append(
      button(LABELS.edit, 'edit', () =>
        actions.setMode({ task: 'image_editing', mediaId: m.mediaId, label: LABELS.editing }),
      ),
      button(LABELS.segment, 'segment', () =>
        actions.setMode({ task: 'segmentation', mediaId: m.mediaId, label: LABELS.segmenting }),
      ),
      button(LABELS.animate, 'animate', () =>
        actions.send(
          { text: prompt || 'animate this', forcedTask: 'video_generation', replyTo: m.mediaId },
          `▶ ${LABELS.animate}`,
        ),
      ),
    );
  }
  const caption = prompt ? el('figcaption', {}, prompt) : null;
  return el('figure', { className: 'media' }, player, caption, buttons);
}

function button(label, action, onclick) {
  return el('button', { type: 'button', dataset: { action }, onclick }, label);
}

export function alertInThread(text) {
  $('thread').append(el('div', { className: 'msg assistant' }, el('div', { className: 'notice' }, text)));
  scrollDown();
}
