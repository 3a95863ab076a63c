/** A file as the emulated workspace holds it. */
export interface EmuFile {
  readonly id: string;
  name: string;
  title: string;
  mimetype: string;
  bytes: Uint8Array;
  /** Set once files.completeUploadExternal (or a user upload) shared it. */
  complete: boolean;
  altText?: string;
}

/** A message in a channel (top level or in a thread). */
export interface EmuMessage {
  readonly ts: string;
  readonly channel: string;
  user?: string;
  bot_id?: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  files?: string[];
  edits: number;
}

/** One recorded HTTP call to the emulator (Web API method, upload URL, response_url, file download). */
export interface EmuCall {
  readonly method: string;
  readonly params: Record<string, unknown>;
  readonly status: number;
  readonly at: number;
}

/** A scripted failure, consumed by the next call of its method. */
export interface ScriptedFailure {
  readonly status: 429 | 500;
  /** Seconds sent as Retry-After on a 429. */
  readonly retryAfter?: number;
}

/** Identities of the emulated workspace. */
export const WORKSPACE = {
  teamId: 'T0EMU0001',
  teamName: 'Emulated',
  appId: 'A0EMU0001',
  botUserId: 'U0BOT0001',
  botId: 'B0BOT0001',
} as const;

/**
 * The emulated workspace's data: messages per channel, files, users. Kept apart from the HTTP layer so
 * tests can seed and inspect it directly.
 */
export class SlackState {
  readonly messages = new Map<string, EmuMessage[]>();
  readonly files = new Map<string, EmuFile>();
  readonly users = new Map<string, { id: string; name: string; real_name: string }>([
    ['U0ADA0001', { id: 'U0ADA0001', name: 'ada', real_name: 'Ada Lovelace' }],
    ['U0BOB0001', { id: 'U0BOB0001', name: 'bob', real_name: 'Bob' }],
  ]);
  /** Channels the bot is not a member of (chat.postMessage answers not_in_channel). */
  readonly notMemberOf = new Set<string>();
  /** Conversations the bot cannot even see, such as a DM between two people (channel_not_found). */
  readonly hidden = new Set<string>();
  /** Archived channels (chat.postMessage answers is_archived). */
  readonly archived = new Set<string>();
  /** Microseconds of the latest timestamp handed out. */
  private clock = 1_700_000_000_000_000;
  /** Microseconds between consecutive messages (1 s unless a test asks for bursts). */
  private step = 1_000_000;
  private idCounter = 0;

  /** A fresh, strictly increasing message timestamp ("seconds.micros"). */
  nextTs(): string {
    this.clock += this.step;
    const seconds = Math.floor(this.clock / 1_000_000);
    return `${seconds}.${String(this.clock - seconds * 1_000_000).padStart(6, '0')}`;
  }

  /** A fresh id with the given Slack prefix (F for files, Ev for events…). */
  nextId(prefix: string): string {
    this.idCounter += 1;
    return `${prefix}0EMU${String(this.idCounter).padStart(6, '0')}`;
  }

  /**
   * Shapes the timeline of the messages that follow: `gapMicros` of silence first, then one message every
   * `stepMicros` (at least 1). Tests use it for bursts and quiet spells in a long thread.
   */
  pace(stepMicros: number, gapMicros = 0): void {
    this.step = Math.max(1, Math.round(stepMicros));
    this.clock += Math.max(0, Math.round(gapMicros));
  }

  /** Adds a message to a channel and returns it. */
  add(message: Omit<EmuMessage, 'ts' | 'edits'> & { ts?: string }): EmuMessage {
    const stored: EmuMessage = { ...message, ts: message.ts ?? this.nextTs(), edits: 0 };
    const list = this.messages.get(message.channel) ?? [];
    list.push(stored);
    this.messages.set(message.channel, list);
    return stored;
  }

  /** Finds a message by channel and ts. */
  find(channel: string, ts: string): EmuMessage | undefined {
    return this.messages.get(channel)?.find((m) => m.ts === ts);
  }

  /** The thread rooted at `ts`: the parent first, then replies in order. */
  thread(channel: string, ts: string): EmuMessage[] {
    return (this.messages.get(channel) ?? []).filter((m) => m.ts === ts || m.thread_ts === ts);
  }

  /** Messages the bot posted in a channel (optionally in one thread), in order. */
  botMessages(channel: string, threadTs?: string): EmuMessage[] {
    return (this.messages.get(channel) ?? []).filter(
      (m) => m.bot_id !== undefined && (threadTs === undefined || m.thread_ts === threadTs),
    );
  }

  /** Creates a file record. */
  addFile(name: string, mimetype: string, bytes: Uint8Array, complete: boolean): EmuFile {
    const file: EmuFile = { id: this.nextId('F'), name, title: name, mimetype, bytes, complete };
    this.files.set(file.id, file);
    return file;
  }

  /** A file as Web API responses describe it. */
  fileJson(file: EmuFile, baseUrl: string): Record<string, unknown> {
    return {
      id: file.id,
      name: file.name,
      title: file.title,
      mimetype: file.mimetype,
      filetype: file.name.split('.').pop() ?? 'bin',
      size: file.bytes.byteLength,
      url_private: `${baseUrl}files-pri/${file.id}/${encodeURIComponent(file.name)}`,
      url_private_download: `${baseUrl}files-pri/${file.id}/download/${encodeURIComponent(file.name)}`,
      ...(file.altText ? { alt_txt: file.altText } : {}),
    };
  }

  /** A message as Web API responses describe it. */
  messageJson(message: EmuMessage, baseUrl: string): Record<string, unknown> {
    const files = (message.files ?? []).flatMap((id) => {
      const file = this.files.get(id);
      return file ? [this.fileJson(file, baseUrl)] : [];
    });
    return {
      type: 'message',
      ts: message.ts,
      text: message.text,
      ...(message.user ? { user: message.user } : {}),
      ...(message.bot_id ? { bot_id: message.bot_id } : {}),
      ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
      ...(message.blocks ? { blocks: message.blocks } : {}),
      ...(files.length > 0 ? { files } : {}),
    };
  }
}

/** Orders two Slack timestamps ("seconds.micros") numerically. */
export function tsCompare(a: string, b: string): number {
  const micros = (ts: string) => {
    const [s = '0', f = ''] = ts.split('.');
    return BigInt(s) * 1_000_000n + BigInt(f.padEnd(6, '0').slice(0, 6) || '0');
  };
  const d = micros(a) - micros(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** The MIME type Slack would report for a file name. */
export function mimeOfName(name: string): string {
  const ext = name.toLowerCase().split('.').pop();
  const known: Record<string, string> = {
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    webp: 'image/webp',
    gif: 'image/gif',
    mp4: 'video/mp4',
    wav: 'audio/wav',
    txt: 'text/plain',
  };
  return (ext && known[ext]) || 'application/octet-stream';
}
