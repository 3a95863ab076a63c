import { type EmuMessage, mimeOfName, type SlackState, tsCompare, WORKSPACE } from './slack-state.js';

/** What a Web API method handler sees. */
export interface MethodContext {
  readonly state: SlackState;
  /** Base URL of the emulator, ending in `/` (files and upload URLs hang off it). */
  readonly baseUrl: string;
  /** The token the caller presented (Authorization header or `token` param). */
  readonly token: string | undefined;
  readonly botToken: string;
  readonly appToken: string;
  /** Opens a Socket Mode ticket and returns its ws:// URL. */
  readonly socketUrl: () => string;
}

type Params = Record<string, unknown>;
type Handler = (params: Params, ctx: MethodContext) => Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Parses a value Bolt's WebClient sent JSON-encoded inside a form field. */
function json<T>(v: unknown): T | undefined {
  if (typeof v !== 'string') return v as T | undefined;
  try {
    return JSON.parse(v) as T;
  } catch {
    return undefined;
  }
}

const err = (error: string): Record<string, unknown> => ({ ok: false, error });

const METHODS: Record<string, Handler> = {
  'auth.test': (_p, ctx) => ({
    ok: true,
    url: 'https://emulated.slack.test/',
    team: WORKSPACE.teamName,
    user: 'llmbind',
    team_id: WORKSPACE.teamId,
    user_id: WORKSPACE.botUserId,
    bot_id: WORKSPACE.botId,
    is_enterprise_install: false,
    ...(ctx.token === ctx.botToken ? {} : { ok: false, error: 'invalid_auth' }),
  }),

  'chat.postMessage': (p, ctx) => {
    const channel = str(p.channel);
    const text = str(p.text) ?? '';
    const blocks = json<unknown[]>(p.blocks);
    if (!channel || ctx.state.hidden.has(channel)) return err('channel_not_found');
    if (ctx.state.notMemberOf.has(channel)) return err('not_in_channel');
    if (ctx.state.archived.has(channel)) return err('is_archived');
    if (!text && !blocks) return err('no_text');
    const threadTs = str(p.thread_ts);
    const message = ctx.state.add({
      channel,
      bot_id: WORKSPACE.botId,
      user: WORKSPACE.botUserId,
      text,
      ...(blocks ? { blocks } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
    return { ok: true, channel, ts: message.ts, message: ctx.state.messageJson(message, ctx.baseUrl) };
  },

  'chat.update': (p, ctx) => {
    const channel = str(p.channel) ?? '';
    const message = ctx.state.find(channel, str(p.ts) ?? '');
    if (!message) return err('message_not_found');
    if (message.bot_id !== WORKSPACE.botId) return err('cant_update_message');
    message.text = str(p.text) ?? message.text;
    const blocks = json<unknown[]>(p.blocks);
    if (blocks) message.blocks = blocks;
    message.edits += 1;
    return { ok: true, channel, ts: message.ts, text: message.text };
  },

  'chat.postEphemeral': (p) => ({ ok: true, message_ts: str(p.channel) ? '0.0' : undefined }),

  'conversations.replies': (p, ctx) => {
    const channel = str(p.channel) ?? '';
    const all = ctx.state.thread(channel, str(p.ts) ?? '');
    const [parent, ...replies] = all;
    if (!parent) return err('thread_not_found');
    // oldest/latest bound the window (exclusive unless inclusive=true), like Slack.
    const inclusive = str(p.inclusive) === 'true' || p.inclusive === true;
    const oldest = str(p.oldest);
    const latest = str(p.latest);
    const after = (m: EmuMessage) =>
      oldest === undefined || (inclusive ? tsCompare(m.ts, oldest) >= 0 : tsCompare(m.ts, oldest) > 0);
    const beforeLatest = (m: EmuMessage) =>
      latest === undefined || (inclusive ? tsCompare(m.ts, latest) <= 0 : tsCompare(m.ts, latest) < 0);
    const window = all.filter((m) => after(m) && beforeLatest(m));
    const limit = Math.min(Number(p.limit ?? 1000) || 1000, 1000);
    const start = Number(str(p.cursor)?.replace('cursor-', '') ?? 0) || 0;
    const page = window.slice(start, start + limit);
    // Slack puts the thread's parent first on the first page even when the bounds leave it out.
    if (start === 0 && page[0] !== parent && replies.length > 0) page.unshift(parent);
    const next = start + limit < window.length ? `cursor-${start + limit}` : '';
    return {
      ok: true,
      messages: page.map((m) => ctx.state.messageJson(m, ctx.baseUrl)),
      has_more: next !== '',
      response_metadata: { next_cursor: next },
    };
  },

  'files.getUploadURLExternal': (p, ctx) => {
    const filename = str(p.filename);
    const length = Number(p.length);
    if (!filename || !Number.isFinite(length) || length <= 0) return err('invalid_arguments');
    const file = ctx.state.addFile(filename, mimeOfName(filename), new Uint8Array(0), false);
    const altText = str(p.alt_text);
    if (altText) file.altText = altText;
    return { ok: true, upload_url: `${ctx.baseUrl}upload/${file.id}`, file_id: file.id };
  },

  'files.completeUploadExternal': (p, ctx) => {
    const files = json<Array<{ id: string; title?: string }>>(p.files) ?? [];
    if (files.length === 0) return err('invalid_arguments');
    for (const f of files) {
      const file = ctx.state.files.get(f.id);
      if (!file || file.bytes.byteLength === 0) return err('file_not_found');
      file.complete = true;
      if (f.title) file.title = f.title;
    }
    const channel = str(p.channel_id);
    if (channel) {
      const threadTs = str(p.thread_ts);
      ctx.state.add({
        channel,
        bot_id: WORKSPACE.botId,
        user: WORKSPACE.botUserId,
        text: str(p.initial_comment) ?? '',
        files: files.map((f) => f.id),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
    }
    return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title ?? '' })) };
  },

  'files.info': (p, ctx) => {
    const file = ctx.state.files.get(str(p.file) ?? '');
    return file ? { ok: true, file: ctx.state.fileJson(file, ctx.baseUrl) } : err('file_not_found');
  },

  'users.info': (p, ctx) => {
    const user = ctx.state.users.get(str(p.user) ?? '');
    return user
      ? { ok: true, user: { ...user, is_bot: false, profile: { display_name: user.name } } }
      : err('user_not_found');
  },

  'views.open': () => ({ ok: true, view: { id: 'V0EMU0001' } }),

  'apps.connections.open': (_p, ctx) =>
    ctx.token === ctx.appToken ? { ok: true, url: ctx.socketUrl() } : err('invalid_auth'),
};

/** Runs one Web API method; unknown methods answer `unknown_method` like Slack does. */
export function runMethod(method: string, params: Params, ctx: MethodContext): Record<string, unknown> {
  const handler = METHODS[method];
  if (!handler) return err('unknown_method');
  const appLevel = method.startsWith('apps.connections.');
  if (!appLevel && method !== 'auth.test' && ctx.token !== ctx.botToken) return err('invalid_auth');
  return handler(params, ctx);
}
