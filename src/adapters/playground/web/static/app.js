// The LLMBind playground page: plain browser JavaScript, no build step and no third-party code, served
// by the playground itself. Conversations are listed from localStorage (the server keeps their turns).

import { $, el, newId, readEvents, toBase64 } from './dom.js';
import {
  addAssistantMessage,
  addUserMessage,
  alertInThread,
  emptyHint,
  LABELS,
  scrollDown,
} from './thread.js';

const LIST_KEY = 'llmbind.playground.conversations';

const state = {
  conversations: [],
  current: '',
  pending: [],
  mode: null,
  busy: false,
  maxUploadBytes: 20 * 1024 * 1024,
};

function loadList() {
  try {
    const list = JSON.parse(localStorage.getItem(LIST_KEY) ?? '[]');
    return Array.isArray(list) ? list.filter((c) => typeof c?.id === 'string') : [];
  } catch {
    return [];
  }
}

function saveList() {
  localStorage.setItem(LIST_KEY, JSON.stringify(state.conversations));
}

function renderSidebar() {
  const list = $('conversations');
  list.replaceChildren(
    ...state.conversations.map((c) =>
      el(
        'li',
        { className: c.id === state.current ? 'active' : '', dataset: { id: c.id } },
        el(
          'button',
          { type: 'button', className: 'open', title: c.title, onclick: () => openConversation(c.id) },
          c.title,
        ),
        el(
          'button',
          {
            type: 'button',
            className: 'delete',
            title: 'Delete',
            'aria-label': 'Delete',
            onclick: () => deleteConversation(c.id),
          },
          '✕',
        ),
      ),
    ),
  );
}

function newConversation() {
  const id = newId();
  state.conversations.unshift({ id, title: LABELS.newChat, updatedAt: Date.now() });
  saveList();
  return openConversation(id);
}

async function deleteConversation(id) {
  await fetch(`/api/conversations/${id}`, { method: 'DELETE' });
  state.conversations = state.conversations.filter((c) => c.id !== id);
  saveList();
  if (state.current !== id) return renderSidebar();
  if (state.conversations[0]) return openConversation(state.conversations[0].id);
  return newConversation();
}

async function openConversation(id) {
  state.current = id;
  setMode(null);
  renderSidebar();
  const thread = $('thread');
  thread.replaceChildren(emptyHint);
  const res = await fetch(`/api/conversations/${id}`);
  if (!res.ok || state.current !== id) return;
  const { turns } = await res.json();
  for (const turn of turns) {
    if (turn.role === 'user')
      addUserMessage(
        turn.text,
        turn.media.map((m) => m.url),
      );
    else {
      const bot = addAssistantMessage(actions);
      bot.text.textContent = turn.text;
      for (const m of turn.media)
        bot.media({ ...m, task: m.kind === 'image' ? 'image_generation' : '', prompt: '' });
      bot.root.dataset.state = 'done';
    }
  }
}

function touchConversation(text) {
  const entry = state.conversations.find((c) => c.id === state.current);
  if (!entry) return;
  if (entry.title === LABELS.newChat && text) entry.title = text.slice(0, 48);
  entry.updatedAt = Date.now();
  saveList();
  renderSidebar();
}

function regenerate(m) {
  // Generation starts from nothing; the other tasks act on the image the result came from.
  const replyTo = m.task === 'image_generation' || m.task === 'audio_generation' ? undefined : m.mediaId;
  return send(
    { text: m.prompt, forcedTask: m.task, ...(replyTo ? { replyTo } : {}) },
    `↻ ${LABELS.regenerate}: ${m.prompt}`,
  );
}

function setMode(mode) {
  state.mode = mode;
  $('mode').hidden = !mode;
  $('mode-label').textContent = mode?.label ?? '';
  if (mode) $('input').focus();
}

function addFiles(files) {
  for (const file of files) {
    if (!file.type.startsWith('image/')) {
      alertInThread(LABELS.notImage);
      continue;
    }
    const item = { file, url: URL.createObjectURL(file) };
    state.pending.push(item);
  }
  renderPending();
}

function renderPending() {
  $('pending').replaceChildren(
    ...state.pending.map((item) =>
      el(
        'span',
        { className: 'chip' },
        el('img', { src: item.url, alt: '' }),
        item.file.name,
        el('button', { type: 'button', 'aria-label': 'Remove', onclick: () => removePending(item) }, '✕'),
      ),
    ),
  );
}

function removePending(item) {
  state.pending = state.pending.filter((p) => p !== item);
  renderPending();
}

async function send(body, shownText = body.text) {
  if (state.busy) return;
  state.busy = true;
  $('send').disabled = true;
  const conversation = state.current;
  try {
    addUserMessage(shownText, (body.attachmentUrls ?? []).slice());
    delete body.attachmentUrls;
    touchConversation(body.text);
    const bot = addAssistantMessage(actions);
    const res = await fetch(`/api/conversations/${conversation}/turns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) {
      const failure = await res
        .json()
        .catch(() => ({ error: { code: 'internal', message: res.statusText } }));
      bot.notice({ code: failure.error.code, text: failure.error.message });
      bot.root.dataset.state = 'done';
      return;
    }
    for await (const { event, data } of readEvents(res)) {
      if (event === 'queued') bot.status.textContent = data.label;
      else if (event === 'started') bot.status.textContent = '';
      else if (event === 'typing') bot.status.textContent = LABELS.typing;
      else if (event === 'text') {
        bot.text.textContent = data.text;
        if (data.text) bot.status.textContent = '';
      } else if (event === 'progress') bot.progress(data);
      else if (event === 'media') bot.media(data);
      else if (event === 'notice') bot.notice(data);
      else if (event === 'done') {
        bot.status.textContent = '';
        bot.root.dataset.state = 'done';
      }
      scrollDown();
    }
  } finally {
    state.busy = false;
    $('send').disabled = false;
  }
}

async function submit(event) {
  event.preventDefault();
  const input = $('input');
  const text = input.value.trim();
  const files = state.pending;
  if (!text && files.length === 0) return;
  const size = files.reduce((sum, p) => sum + p.file.size, 0);
  if (size > state.maxUploadBytes) return alertInThread(LABELS.tooLarge);
  const attachments = await Promise.all(
    files.map(async (p) => ({
      name: p.file.name || 'pasted.png',
      mime: p.file.type,
      data: await toBase64(p.file),
    })),
  );
  const mode = state.mode;
  input.value = '';
  state.pending = [];
  renderPending();
  setMode(null);
  await send({
    text,
    attachments,
    attachmentUrls: files.map((p) => p.url),
    ...(mode ? { forcedTask: mode.task, replyTo: mode.mediaId } : {}),
  });
}

/** What the buttons under media do. */
const actions = { send, setMode, regenerate };

function wire() {
  $('composer').addEventListener('submit', submit);
  $('input').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      $('composer').requestSubmit();
    }
  });
  $('input').addEventListener('paste', (event) => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (files.length) {
      event.preventDefault();
      addFiles(files);
    }
  });
  $('file').addEventListener('change', (event) => {
    addFiles([...event.target.files]);
    event.target.value = '';
  });
  $('mode-cancel').addEventListener('click', () => setMode(null));
  $('new-chat').addEventListener('click', () => newConversation());
  const chat = document.querySelector('.chat');
  chat.addEventListener('dragover', (event) => {
    event.preventDefault();
    $('thread').classList.add('drop');
  });
  chat.addEventListener('dragleave', () => $('thread').classList.remove('drop'));
  chat.addEventListener('drop', (event) => {
    event.preventDefault();
    $('thread').classList.remove('drop');
    addFiles([...(event.dataTransfer?.files ?? [])]);
  });
}

async function init() {
  wire();
  const info = await fetch('/api/info').then((r) => r.json());
  $('model-label').textContent = info.model.label;
  state.maxUploadBytes = info.maxUploadBytes;
  if (info.model.cardUrl) {
    $('model-card').href = info.model.cardUrl;
    $('model-card').hidden = false;
  }
  state.conversations = loadList().sort((a, b) => b.updatedAt - a.updatedAt);
  if (state.conversations[0]) await openConversation(state.conversations[0].id);
  else await newConversation();
  document.body.dataset.ready = 'true';
}

init();
