import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TurnJournal } from '../../../src/core/journal/turn-journal.js';
import { SqliteAccessSettings } from '../../../src/core/store/sqlite-access-settings.js';
import { SqliteConversationStore } from '../../../src/core/store/sqlite-conversation-store.js';
import { SqliteTurnJournal } from '../../../src/core/store/sqlite-turn-journal.js';
import { describeAccessSettingsContract } from './access-settings-contract.js';
import { describeConversationStoreContract } from './conversation-store-contract.js';
import { describeTurnJournalContract } from './turn-journal-contract.js';

/** A fresh data dir per test: the stores are files in it, as `llmbind serve` keeps them. */
const dataFile = (name: string) => join(mkdtempSync(join(tmpdir(), 'store-contract-')), name);

// Two handles on one file: SQLite's own locking makes concurrent appends safe.
describeConversationStoreContract('SqliteConversationStore', async () => {
  const path = dataFile('conversations.db');
  return [new SqliteConversationStore(path), new SqliteConversationStore(path)];
});

describeTurnJournalContract('SqliteTurnJournal', async () => {
  const path = dataFile('journal.db');
  return {
    open: async () => new SqliteTurnJournal(path),
    // One process per data dir: both "frontends" are that process.
    pair: async () => {
      const journal = new SqliteTurnJournal(path);
      return [journal, journal] as const;
    },
    // What the process held dies with it; the file keeps every committed write.
    crash: (journal: TurnJournal) => journal.close(),
    restart: async (journal: TurnJournal) => {
      await journal.close();
      return new SqliteTurnJournal(path);
    },
  };
});

describeAccessSettingsContract('SqliteAccessSettings', async () => {
  const path = dataFile('settings.db');
  return {
    pair: async () => {
      const settings = new SqliteAccessSettings(path);
      return [settings, settings] as const;
    },
    written: async () => {},
    reopen: async () => new SqliteAccessSettings(path),
  };
});
