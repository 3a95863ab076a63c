import type { JournalEntry } from '../../core/journal/turn-journal.js';
import type { RecoverySweep, TurnLedger } from '../../core/journal/turn-ledger.js';
import { resumeCommand } from './command-listeners.js';
import { slackRoute } from './journal-route.js';
import type { ListenerDeps } from './listener-deps.js';
import { type BotContext, type MessageEventShape, onMessage } from './message-listeners.js';
import { noticeText } from './texts.js';

/**
 * Crash recovery for Slack, at start and then every `sweepMs` of the ledger (the turns of another
 * frontend that died for good, once their hold lapses) until the returned sweep is stopped: turns the journal holds as unfinished are handled again (a message event
 * goes back through its listener, a slash command into its thread), or — after a second crash on the
 * same turn — their user is told in the thread that it was given up.
 */
export function sweepSlackTurns(ledger: TurnLedger, deps: ListenerDeps): RecoverySweep {
  return ledger.sweep({
    resume: async (entry: JournalEntry) => {
      const route = slackRoute.parse(entry.route);
      if (route.kind === 'command') return resumeCommand(deps, route, entry.key);
      // Parsed from JSON, so no key holds `undefined`: the optional-property types agree.
      const event = route.event as MessageEventShape;
      const context = route.context as BotContext;
      await onMessage(deps, event, context, route.eventId, route.via, entry.key);
    },
    abandon: async (entry: JournalEntry) => {
      const route = slackRoute.parse(entry.route);
      const text = noticeText({ code: 'interrupted' });
      if (route.kind === 'command') {
        await deps.api.post(route.channel, text, undefined, route.threadTs);
        return;
      }
      const e = route.event;
      // Where the answer was due: the message's thread (a mention opens one), or the DM itself.
      const threadTs = e.channel_type === 'im' ? e.thread_ts : (e.thread_ts ?? e.ts);
      await deps.api.post(e.channel, text, undefined, threadTs);
    },
  });
}
