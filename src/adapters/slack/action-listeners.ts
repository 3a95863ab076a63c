import type { App } from '@slack/bolt';
import type { Attachment, IncomingMessage } from '../../core/message.js';
import type { TaskKind } from '../../engine/protocol/task-kind.js';
import type { ButtonRecord } from './button-store.js';
import type { ListenerDeps } from './listener-deps.js';
import { BUTTON_ACTIONS, EDIT_MODAL, editModal } from './media-buttons.js';
import { ResponseUrl } from './response-url.js';
import { BUTTON_EXPIRED_TEXT } from './texts.js';

/** Fields of a block_actions body the adapter reads. */
interface ActionBody {
  readonly user: { readonly id: string; readonly name?: string };
  readonly trigger_id: string;
  readonly response_url?: string;
  readonly actions: ReadonlyArray<{ readonly value?: string; readonly action_ts?: string }>;
}

/** What each button asks the core for. */
const FOLLOW_UPS: Record<
  'regenerate' | 'segment' | 'animate',
  (r: ButtonRecord) => { text: string; kind: TaskKind }
> = {
  regenerate: (r) => ({ text: r.prompt, kind: r.kind }),
  segment: () => ({ text: 'segment the main object', kind: 'segmentation' }),
  animate: (r) => ({ text: `animate: ${r.prompt}`, kind: 'video_generation' }),
};

/**
 * Buttons under generated images. Regenerate asks again with the same prompt (a new seed); Segment and
 * Animate act on that very image (handed to the core as the reply target); Edit opens a modal for the
 * instruction. Button state comes from the adapter's button store, so buttons survive restarts.
 */
export function registerActionListeners(app: App, deps: ListenerDeps): void {
  for (const name of ['regenerate', 'segment', 'animate'] as const) {
    app.action(BUTTON_ACTIONS[name], async ({ ack, body }) => {
      await ack();
      const b = body as unknown as ActionBody;
      const action = b.actions[0];
      const id = `${name}:${action?.action_ts ?? b.trigger_id}`;
      const record = await lookUp(deps, action?.value ?? '');
      if (record === 'failed') return deps.outcome({ source: 'action', id, result: 'failed' });
      if (!record) {
        if (b.response_url) {
          const reply = { response_type: 'ephemeral', replace_original: false, text: BUTTON_EXPIRED_TEXT };
          const sent = await new ResponseUrl(deps.api, b.response_url).post(reply);
          if (!sent.ok) deps.log.warn(sent.error, 'could not say that a button expired');
        }
        return deps.outcome({ source: 'action', id, result: 'answered' });
      }
      const follow = FOLLOW_UPS[name](record);
      followUp(deps, 'action', id, record, b.user, follow.text, follow.kind, name !== 'regenerate');
    });
  }

  app.action(BUTTON_ACTIONS.edit, async ({ ack, body }) => {
    await ack();
    const b = body as unknown as ActionBody;
    const recordId = b.actions[0]?.value ?? '';
    await deps.api.openView(b.trigger_id, editModal(recordId));
    deps.outcome({ source: 'action', id: `edit:${b.trigger_id}`, result: 'answered' });
  });

  app.view(EDIT_MODAL.callbackId, async ({ ack, view, body }) => {
    await ack();
    const instruction = view.state.values[EDIT_MODAL.blockId]?.[EDIT_MODAL.actionId]?.value ?? '';
    const id = `view:${view.id}`;
    const record = await lookUp(deps, view.private_metadata);
    if (record === 'failed') return deps.outcome({ source: 'view', id, result: 'failed' });
    if (!record || instruction.trim() === '') return deps.outcome({ source: 'view', id, result: 'ignored' });
    followUp(deps, 'view', id, record, body.user, instruction.trim(), 'image_editing', true);
  });
}

/**
 * The button state behind a click. A shared store can fail (Redis away): that is logged and reported as a
 * failed delivery, not told to the user as an expired button, which it is not.
 */
async function lookUp(deps: ListenerDeps, id: string): Promise<ButtonRecord | undefined | 'failed'> {
  try {
    return await deps.buttons.get(id);
  } catch (error) {
    deps.log.error({ err: String(error), buttons: id }, 'button state could not be read');
    return 'failed';
  }
}

function followUp(
  deps: ListenerDeps,
  source: 'action' | 'view',
  id: string,
  record: ButtonRecord,
  user: { readonly id: string; readonly name?: string },
  text: string,
  kind: TaskKind,
  onThisImage: boolean,
): void {
  const media = deps.media;
  const image: Attachment | undefined =
    onThisImage && media
      ? {
          name: record.ref.name,
          mime: record.ref.mime,
          size: record.ref.size,
          read: () => media.get(record.ref),
        }
      : undefined;
  const message: IncomingMessage = {
    platform: 'slack',
    conversationId: record.conversationId,
    messageId: id,
    author: { id: user.id, name: user.name ?? user.id },
    text,
    attachments: [],
    forcedTask: kind,
    ...(image ? { replyTo: { messageId: record.mediaId, attachments: [image] } } : {}),
  };
  const target = { channel: record.channel, ...(record.threadTs ? { threadTs: record.threadTs } : {}) };
  deps.runner.start(source, id, record.conversationId, target, message);
}
