import { type AccessDenial, type AccessRules, checkAccess } from './access/access-policy.js';
import type { AccessSettings } from './access/access-settings.js';
import { type ErrorCode, type Failure, ok, type Result } from './errors.js';
import type { JobOwner } from './jobs/job.js';
import type { Logger } from './logger.js';
import type { IncomingMessage } from './message.js';
import type { Quotas, QuotaTicket } from './quotas/quotas.js';
import type { ReplySink } from './reply-sink.js';
import type { PromptPolicy } from './safety/prompt-policy.js';

/** What the admission gate reads (a slice of the Orchestrator's deps). */
export interface AdmissionDeps {
  readonly access?: AccessRules;
  readonly settings?: AccessSettings;
  readonly policy?: PromptPolicy;
  readonly quotas?: Quotas;
  readonly logger: Logger;
  readonly onError?: (code: ErrorCode) => void;
}

/** A turn let in: the user's text as the policy left it, and its quota ticket. */
export interface Admitted {
  readonly text: string;
  readonly ticket: QuotaTicket;
}

/** A ticket that bills nothing (no quotas configured). */
const FREE: QuotaTicket = { charge: () => {}, release: () => {} };

/**
 * Access, prompt policy and quota, in that order, before anything is downloaded or stored for the
 * message. A refused message is answered here (a notice, or silence for a quiet access denial) and comes
 * back as the error code the turn ended with.
 */
export async function admitTurn(
  deps: AdmissionDeps,
  message: IncomingMessage,
  owner: JobOwner,
  sink: ReplySink,
): Promise<Result<Admitted, ErrorCode>> {
  const denied = deps.access ? checkAccess(deps.access, message, deps.settings) : undefined;
  if (denied) return deny(deps, sink, denied, message);
  const text: Result<string> = deps.policy?.check(message.text, { from: 'user' }) ?? ok(message.text);
  if (!text.ok) return refuse(deps, sink, text.error, message);
  const ticket: Result<QuotaTicket> = (await deps.quotas?.admit(owner)) ?? ok(FREE);
  if (!ticket.ok) return refuse(deps, sink, ticket.error, message);
  return ok({ text: text.value, ticket: ticket.value });
}

/** A refused sender gets one short notice when configured, else silence; nothing is stored. */
async function deny(
  deps: AdmissionDeps,
  sink: ReplySink,
  reason: AccessDenial,
  message: IncomingMessage,
): Promise<Result<never, ErrorCode>> {
  deps.logger.info(
    { conversation: message.conversationId, user: message.author.id, reason },
    'access denied',
  );
  if (deps.access?.deniedNotice) await sink.notice({ code: 'access_denied' });
  await sink.text('', true);
  return { ok: false, error: 'access_denied' };
}

async function refuse(
  deps: AdmissionDeps,
  sink: ReplySink,
  failure: Failure,
  message: IncomingMessage,
): Promise<Result<never, ErrorCode>> {
  const { code, details } = failure;
  deps.logger.info(
    { conversation: message.conversationId, message: message.messageId, code, details },
    'message refused',
  );
  deps.onError?.(code);
  await sink.notice({ code, ...(details ? { details } : {}) });
  await sink.text('', true);
  return { ok: false, error: code };
}
