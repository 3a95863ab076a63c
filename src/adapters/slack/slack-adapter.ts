import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, type Receiver, SocketModeReceiver, webApi } from '@slack/bolt';
import type { MediaRef } from '../../core/conversation.js';
import { sendAsIs } from '../../core/fit-media.js';
import type { RecoverySweep } from '../../core/journal/turn-ledger.js';
import { type IncomingMessage, mediaKindOf } from '../../core/message.js';
import type { OutgoingMedia } from '../../core/reply-sink.js';
import type { Adapter } from '../adapter.js';
import { registerActionListeners } from './action-listeners.js';
import { boltLogger } from './bolt-logger.js';
import type { ButtonStoreLike } from './button-store.js';
import { registerCommandListener } from './command-listeners.js';
import { EventDedupe } from './event-dedupe.js';
import type { ListenerDeps } from './listener-deps.js';
import { mediaButtons, SqliteButtonStore } from './media-buttons.js';
import { registerMessageListeners } from './message-listeners.js';
import { sweepSlackTurns } from './recovery.js';
import { ResponseUrlSink } from './response-url-sink.js';
import { SLACK_DEFAULTS, type SlackAdapterOptions, type SlackOutcome } from './slack-adapter-options.js';
import { normaliseApiUrl, SlackApi } from './slack-api.js';
import { DEFAULT_MAX_FILE_BYTES, SLACK_FILE_ORIGIN } from './slack-files.js';
import { SlackSink, type SlackSinkDeps } from './slack-sink.js';
import { ThreadHistory } from './thread-history.js';
import { type ChannelTarget, type ReplyTarget, TurnRunner } from './turn-runner.js';
import type { TurnSink } from './turn-sink.js';

/** Optional hooks of the Slack adapter (metrics). */
export interface SlackAdapterHooks {
  /** Slack answered 429 on a Web API method (the 429 counter of /metrics). Must not throw. */
  readonly onRateLimited?: (route: string) => void;
}

/** The WebClient reports a method name (`chat.update`) or a full URL; either way keep the method. */
function slackRoute(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/**
 * The Slack adapter on @slack/bolt: HTTP receiver (signature verification on) or Socket Mode when an app
 * token is set. Events, the slash command and buttons become core messages handed to the TurnHandler;
 * replies stream back through rate-limited Web API calls. Nothing outside this folder imports Bolt.
 */
export class SlackAdapter implements Adapter {
  readonly name = 'slack';
  private app: App | undefined;
  private server: Server | undefined;
  private readonly log;
  private readonly buttons: ButtonStoreLike;
  /** The adapter's own store, closed on stop; none when the caller injected a shared one. */
  private readonly ownButtons?: SqliteButtonStore;
  private readonly dedupe: EventDedupe;
  private runner: TurnRunner | undefined;
  private api: SlackApi | undefined;
  private recovering: Promise<void> = Promise.resolve();
  private sweep: RecoverySweep | undefined;

  constructor(private readonly options: SlackAdapterOptions & SlackAdapterHooks) {
    this.log = options.logger.child({ adapter: 'slack' });
    if (options.buttons) this.buttons = options.buttons;
    else {
      this.ownButtons = new SqliteButtonStore(options.buttonsDb ?? SLACK_DEFAULTS.buttonsDb);
      this.buttons = this.ownButtons;
    }
    this.dedupe = new EventDedupe(options.buttonsDb ?? SLACK_DEFAULTS.buttonsDb);
  }

  /** The HTTP receiver's bound port (HTTP mode, after start). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  /** Resolves once every turn started so far has finished (tests, graceful shutdown). */
  async drain(): Promise<void> {
    await this.runner?.drain();
  }

  async start(): Promise<void> {
    const o = this.options;
    const logger = boltLogger(this.log);
    const retry = o.retry ?? SLACK_DEFAULTS.retry;
    const clientOptions = { slackApiUrl: normaliseApiUrl(o.apiUrl), retryConfig: { ...retry }, logger };
    const socketMode = o.appToken !== '';
    const receiver: Receiver = socketMode
      ? new SocketModeReceiver({ appToken: o.appToken, logger, installerOptions: { clientOptions } })
      : new HTTPReceiver({ signingSecret: o.signingSecret, logger, logLevel: LogLevel.INFO });
    const app = new App({
      token: o.botToken,
      receiver,
      clientOptions,
      logger,
      deferInitialization: true,
    });
    await app.init(); // auth.test: a bad token fails here, not on the first event
    app.client.on(webApi.WebClientEvent.RATE_LIMITED, (_retrySec: number, request: { url?: string }) =>
      o.onRateLimited?.(slackRoute(request.url ?? '')),
    );
    const api = new SlackApi(app.client, o.pacing ?? SLACK_DEFAULTS.pacing, retry, o.limiters);
    const outcome = (x: SlackOutcome) => o.onOutcome?.(x);
    const runner = new TurnRunner(
      o.handler,
      (message, target) => this.sinkFor(api, message, target),
      this.log,
      outcome,
      o.ledger,
    );
    const deps: ListenerDeps = {
      command: o.command,
      api,
      runner,
      history: new ThreadHistory(api, o.store, o.history ?? SLACK_DEFAULTS.history),
      buttons: this.buttons,
      store: o.store,
      cancel: (id) => o.handler.cancel?.(id),
      ...(o.handler.configure ? { configure: o.handler.configure.bind(o.handler) } : {}),
      media: o.media,
      files: {
        botToken: o.botToken,
        allowedOrigins: o.fileOrigins ?? [SLACK_FILE_ORIGIN, new URL(o.apiUrl).origin],
        maxBytes: o.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
      },
      log: this.log,
      outcome,
      ...(o.ledger ? { ledger: o.ledger } : {}),
    };
    // Bolt does not de-duplicate Slack's retries (same event_id, X-Slack-Retry-Num > 0): drop them here.
    app.use(async ({ body, next }) => {
      const id = (body as { event_id?: unknown }).event_id;
      if (typeof id === 'string' && !this.dedupe.firstSighting(id)) {
        this.log.info({ eventId: id }, 'duplicate delivery dropped');
        outcome({ source: 'event', id, result: 'duplicate' });
        return;
      }
      await next();
    });
    registerMessageListeners(app, deps);
    registerCommandListener(app, deps);
    registerActionListeners(app, deps);
    app.error(async (error) => {
      this.log.error({ err: error.message, code: error.code }, 'bolt error');
    });
    if (socketMode) await app.start();
    else this.server = (await app.start({ port: o.port, host: o.host })) as Server;
    this.app = app;
    this.api = api;
    this.runner = runner;
    this.log.info({ mode: socketMode ? 'socket' : 'http', port: this.port }, 'slack adapter started');
    // What a crash left unfinished runs again in the background while new events are taken, and the
    // sweep goes on taking over the turns of other frontends that died for good.
    if (o.ledger) {
      this.sweep = sweepSlackTurns(o.ledger, deps);
      this.recovering = this.sweep.first
        .then((counts) => this.log.info(counts, 'slack turns recovered'))
        .catch((error: unknown) => this.log.error({ err: String(error) }, 'slack recovery failed'));
    }
  }

  async stop(): Promise<void> {
    // No sweep starts from here on (one would resume the turns the runner suspends while stopping).
    const swept = this.sweep?.stop();
    this.sweep = undefined;
    await this.app?.stop();
    await this.runner?.stop();
    await swept;
    await this.recovering;
    await this.api?.close();
    this.ownButtons?.close();
    this.dedupe.close();
    this.app = undefined;
    this.server = undefined;
  }

  private sinkFor(api: SlackApi, message: IncomingMessage, target: ReplyTarget): TurnSink {
    const pieceChars = this.options.pieceChars ?? SLACK_DEFAULTS.pieceChars;
    if ('responseUrl' in target) {
      const { responseUrl, botUserId } = target;
      return new ResponseUrlSink({
        responseUrl,
        log: this.log,
        pieceChars,
        ...(botUserId ? { botUserId } : {}),
      });
    }
    const deps = this.sinkDeps(api, target, message.conversationId);
    return new SlackSink(deps, target.channel, target.threadTs);
  }

  private sinkDeps(api: SlackApi, target: ChannelTarget, conversationId: string): SlackSinkDeps {
    const o = this.options;
    return {
      api,
      log: this.log,
      pieceChars: o.pieceChars ?? SLACK_DEFAULTS.pieceChars,
      uploadLimitBytes: o.uploadLimitBytes ?? SLACK_DEFAULTS.uploadLimitBytes,
      fit: o.fit ?? sendAsIs,
      mediaActions: async (item: OutgoingMedia) => {
        if (mediaKindOf(item.mime) !== 'image') return undefined;
        const ref: MediaRef = {
          sha256: item.mediaId,
          mime: item.mime,
          name: item.filename,
          size: item.bytes.byteLength,
          kind: 'image',
          producedBy: item.kind,
        };
        const id = randomUUID();
        try {
          await this.buttons.save({
            id,
            mediaId: item.mediaId,
            kind: item.kind,
            prompt: item.prompt,
            conversationId,
            channel: target.channel,
            ...(target.threadTs ? { threadTs: target.threadTs } : {}),
            ref,
          });
        } catch (error) {
          // The image is already posted: without stored state its buttons could only say "expired".
          this.log.error({ err: String(error), mediaId: item.mediaId }, 'button state not saved: no buttons');
          return undefined;
        }
        return mediaButtons(id);
      },
    };
  }
}
