import { mkdirSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Notice, OutgoingMedia, ProgressUpdate, ReplySink } from '../../core/reply-sink.js';
import { noticeText } from './texts.js';

/** Where the terminal writes. */
export interface CliStreams {
  readonly out: { write(s: string): unknown };
  readonly err: { write(s: string): unknown };
}

/**
 * The terminal's ReplySink: streams text to stdout (unless quiet, for --json), writes media files to the
 * output directory, progress and notices to stderr.
 */
export class CliSink implements ReplySink {
  private printed = 0;
  /** Files written, by media id, in order. */
  readonly files = new Map<string, string>();
  readonly notices: Notice[] = [];

  constructor(
    private readonly outDir: string,
    private readonly streams: CliStreams,
    private readonly quiet: boolean,
  ) {}

  async typing(): Promise<void> {}

  async text(text: string, final: boolean): Promise<void> {
    if (this.quiet) return;
    // Streaming appends; the final text is trimmed, so only print what is new.
    if (text.length > this.printed && text.startsWith(text.slice(0, this.printed))) {
      this.streams.out.write(text.slice(this.printed));
      this.printed = text.length;
    }
    if (final) this.streams.out.write('\n');
  }

  async media(item: OutgoingMedia): Promise<void> {
    mkdirSync(this.outDir, { recursive: true });
    const ext = extname(item.filename) || '.bin';
    const stem = item.filename.slice(0, item.filename.length - ext.length) || item.kind;
    const path = join(this.outDir, `${stem}-${item.mediaId.slice(0, 10)}${ext}`);
    writeFileSync(path, item.bytes);
    this.files.set(item.mediaId, path);
    if (!this.quiet) this.streams.err.write(`[${item.kind}] saved ${path}\n`);
  }

  async progress(update: ProgressUpdate): Promise<void> {
    if (this.quiet || update.phase !== 'running' || !update.totalSteps) return;
    this.streams.err.write(`[${update.kind}] step ${update.step ?? 0}/${update.totalSteps}\r`);
  }

  async notice(notice: Notice): Promise<void> {
    this.notices.push(notice);
    if (!this.quiet) this.streams.err.write(`! ${noticeText(notice)}\n`);
  }
}
