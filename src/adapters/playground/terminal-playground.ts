import { createInterface, type Interface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileAttachment } from '../../cli/file-attachment.js';
import type { Attachment } from '../../core/message.js';
import type { Orchestrator } from '../../core/orchestrator.js';
import type { Adapter } from '../adapter.js';
import { CliSink, type CliStreams } from '../cli/cli-sink.js';

const HELP = [
  'Type a message and press Enter. Commands:',
  '  /image PATH   attach an image to your next message',
  '  /reset        start a new conversation',
  '  /quit         leave',
].join('\n');

/** Options of the terminal playground. */
export interface TerminalPlaygroundOptions {
  readonly orchestrator: Orchestrator;
  readonly input: Readable;
  readonly streams: CliStreams;
  /** Where produced media is written. */
  readonly outDir: string;
  /** Called when the user quits or input ends. */
  readonly onExit: () => void;
}

/**
 * The local playground in a terminal: one conversation, streamed replies, media saved to files. It is
 * the no-token default of `llmbind serve` until the web playground lands.
 */
export class TerminalPlayground implements Adapter {
  readonly name = 'terminal-playground';
  private rl: Interface | undefined;
  private conversation = 1;
  private pending: Attachment[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: TerminalPlaygroundOptions) {}

  async start(): Promise<void> {
    const { input, streams } = this.options;
    streams.err.write(`${HELP}\n`);
    this.rl = createInterface({ input, terminal: false });
    // Lines are handled one at a time, in order, even when they arrive faster than replies.
    this.rl.on('line', (line) => {
      this.queue = this.queue.then(() => this.onLine(line.trim()));
    });
    this.rl.on('close', () => {
      this.queue.then(() => this.options.onExit());
    });
  }

  async stop(): Promise<void> {
    this.rl?.close();
    await this.queue;
  }

  private async onLine(line: string): Promise<void> {
    const { streams } = this.options;
    if (!line) return;
    if (line === '/quit') return void this.rl?.close();
    if (line === '/help') return void streams.err.write(`${HELP}\n`);
    if (line === '/reset') {
      this.conversation += 1;
      return void streams.err.write('Started a new conversation.\n');
    }
    if (line.startsWith('/image ')) {
      const path = line.slice('/image '.length).trim();
      try {
        this.pending.push(await fileAttachment(path));
        streams.err.write(`Attached ${path} to your next message.\n`);
      } catch {
        streams.err.write(`Cannot read ${path}.\n`);
      }
      return;
    }
    const attachments = this.pending;
    this.pending = [];
    streams.out.write('bot> ');
    await this.options.orchestrator.handle(
      {
        platform: 'playground',
        conversationId: `playground:terminal:${process.pid}:${this.conversation}`,
        messageId: `t${Date.now()}`,
        author: { id: 'local', name: 'you' },
        text: line,
        attachments,
      },
      new CliSink(this.options.outDir, streams, false),
    );
  }
}
