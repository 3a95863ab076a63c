import type { Redis } from 'ioredis';
import type { TurnJournal } from '../../src/core/journal/turn-journal.js';
import { silentLogger } from '../../src/core/logger.js';
import { RedisAccessSettings } from '../../src/queue/redis-access-settings.js';
import { RedisConversationStore } from '../../src/queue/redis-conversation-store.js';
import { RedisTurnJournal } from '../../src/queue/redis-turn-journal.js';
import { describeAccessSettingsContract } from '../core/store-contracts/access-settings-contract.js';
import { describeConversationStoreContract } from '../core/store-contracts/conversation-store-contract.js';
import { describeTurnJournalContract } from '../core/store-contracts/turn-journal-contract.js';
import { newBotPrefix, useRedis } from '../helpers/redis-rig.js';

// The shared store contracts, each "frontend" on its own connection as a separate process would be.

const logger = silentLogger();
const LEASE = 60_000;
const rig = useRedis();
const connection = () => rig.connection(logger);
const newPrefix = newBotPrefix;

describeConversationStoreContract('RedisConversationStore, two frontends', async () => {
  const prefix = newPrefix();
  return [
    new RedisConversationStore({ redis: await connection(), prefix }),
    new RedisConversationStore({ redis: await connection(), prefix }),
  ];
});

describeTurnJournalContract('RedisTurnJournal, frontends on separate connections', async () => {
  const prefix = newPrefix();
  const clientOf = new Map<TurnJournal, Redis>();
  let now = Date.parse('2025-01-01T00:00:00Z');
  const build = async (owner?: string) => {
    const client = await connection();
    const journal = new RedisTurnJournal({
      redis: client,
      prefix,
      logger,
      now: () => now,
      leaseMs: LEASE,
      ...(owner ? { owner } : {}),
    });
    clientOf.set(journal, client);
    rig.afterTest(() => journal.close());
    return journal;
  };
  /** kill -9: the connection drops first, so closing afterwards lets nothing go (it only stops the timer). */
  const kill = async (journal: TurnJournal) => {
    clientOf.get(journal)?.disconnect();
    await journal.close();
  };
  return {
    open: () => build(),
    pair: async () => [await build(), await build()] as const,
    crash: async (journal) => {
      await kill(journal);
      now += LEASE + 1;
    },
    restart: async (journal) => {
      await kill(journal);
      return build((journal as RedisTurnJournal).owner);
    },
  };
});

describeAccessSettingsContract('RedisAccessSettings, two frontends', async () => {
  const prefix = newPrefix();
  const open = async () => {
    const made = await RedisAccessSettings.open({ redis: await connection(), prefix, logger });
    rig.afterTest(() => made.close());
    return made;
  };
  return {
    pair: async () => [await open(), await open()] as const,
    written: (s) => (s as RedisAccessSettings).pending,
    reopen: open,
  };
});
