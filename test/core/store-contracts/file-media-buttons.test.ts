import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { SqliteButtonStore } from '../../../src/adapters/slack/media-buttons.js';
import { FileMediaStore } from '../../../src/core/store/file-media-store.js';
import { describeButtonStoreContract } from './button-store-contract.js';
import { describeMediaStoreContract } from './media-store-contract.js';

// The single-frontend defaults pass the shared contracts when both "frontends" use one data dir.

const freshDir = () => mkdtempSync(join(tmpdir(), 'store-contract-'));
const opened: SqliteButtonStore[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

describeMediaStoreContract('FileMediaStore', async () => {
  const dir = join(freshDir(), 'media');
  return [new FileMediaStore(dir), new FileMediaStore(dir)];
});

describeButtonStoreContract('SqliteButtonStore', async () => {
  const path = join(freshDir(), 'slack.sqlite');
  const pair = [new SqliteButtonStore(path), new SqliteButtonStore(path)] as const;
  opened.push(...pair);
  return pair;
});
