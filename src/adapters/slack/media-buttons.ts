import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ButtonRecord, ButtonStoreLike } from './button-store.js';
import type { Block } from './slack-api.js';

/** Stable action ids of the buttons under generated images (they must survive restarts). */
export const BUTTON_ACTIONS = {
  regenerate: 'llmbind_regenerate',
  edit: 'llmbind_edit',
  segment: 'llmbind_segment',
  animate: 'llmbind_animate',
} as const;

/** The Edit button's modal. */
export const EDIT_MODAL = {
  callbackId: 'llmbind_edit_modal',
  blockId: 'instruction',
  actionId: 'text',
} as const;

/** The four buttons under a generated or edited image, carrying the button record's id. */
export function mediaButtons(recordId: string): Block[] {
  const button = (text: string, actionId: string) => ({
    type: 'button',
    text: { type: 'plain_text', text },
    action_id: actionId,
    value: recordId,
  });
  return [
    {
      type: 'actions',
      block_id: `llmbind_media_${recordId}`,
      elements: [
        button('Regenerate', BUTTON_ACTIONS.regenerate),
        button('Edit', BUTTON_ACTIONS.edit),
        button('Segment', BUTTON_ACTIONS.segment),
        button('Animate', BUTTON_ACTIONS.animate),
      ],
    },
  ];
}

/** The modal the Edit button opens. */
export function editModal(recordId: string): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: EDIT_MODAL.callbackId,
    private_metadata: recordId,
    title: { type: 'plain_text', text: 'Edit image' },
    submit: { type: 'plain_text', text: 'Edit' },
    blocks: [
      {
        type: 'input',
        block_id: EDIT_MODAL.blockId,
        label: { type: 'plain_text', text: 'What should change?' },
        element: { type: 'plain_text_input', action_id: EDIT_MODAL.actionId },
      },
    ],
  };
}

export type { ButtonRecord } from './button-store.js';

/**
 * Button state in a small SQLite table of the adapter's own (the core has no lookup of a media's prompt
 * and conversation by media id yet), so buttons keep working after a restart. One frontend only: with
 * several, `llmbind serve` injects a shared store instead (see {@link ButtonStoreLike}).
 */
export class SqliteButtonStore implements ButtonStoreLike {
  private readonly db: Database.Database;

  constructor(path = ':memory:') {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.exec(`CREATE TABLE IF NOT EXISTS slack_media_buttons (
      id TEXT PRIMARY KEY, record TEXT NOT NULL, created_at INTEGER NOT NULL)`);
  }

  /** Saves the state of one set of buttons. */
  async save(record: ButtonRecord): Promise<void> {
    this.db
      .prepare('INSERT OR REPLACE INTO slack_media_buttons (id, record, created_at) VALUES (?, ?, ?)')
      .run(record.id, JSON.stringify(record), Date.now());
  }

  /** Looks a set of buttons up by the id the buttons carry. */
  async get(id: string): Promise<ButtonRecord | undefined> {
    const row = this.db.prepare('SELECT record FROM slack_media_buttons WHERE id = ?').get(id) as
      | { record: string }
      | undefined;
    return row ? (JSON.parse(row.record) as ButtonRecord) : undefined;
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }
}
