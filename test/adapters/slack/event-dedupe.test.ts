import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventDedupe } from '../../../src/adapters/slack/event-dedupe.js';

describe('EventDedupe', () => {
  it('drops a retried event id, also after a restart on the same file', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dedupe-')), 'slack.sqlite');
    const before = new EventDedupe(path);
    expect(before.firstSighting('Ev1')).toBe(true);
    expect(before.firstSighting('Ev1')).toBe(false);
    before.close();
    const after = new EventDedupe(path);
    expect(after.firstSighting('Ev1')).toBe(false);
    expect(after.firstSighting('Ev2')).toBe(true);
    after.close();
  });
});
