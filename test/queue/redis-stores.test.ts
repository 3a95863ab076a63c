import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { TurnJournal } from '../../src/core/journal/turn-journal.js';
import { silentLogger } from '../../src/core/logger.js';
import { RedisAccessSettings } from '../../src/queue/redis-access-settings.js';
import { connectRedis } from '../../src/queue/redis-backend.js';
import { RedisConversationStore } from '../../src/queue/redis-conversation-store.js';
import { RedisTurnJournal } from '../../src/queue/redis-turn-journal.js';
import { describeAccessSettingsContract } from '../core/store-contracts/access-settings-contract.js';
import { describeConversationStoreContract } from '../core/store-contracts/conversation-store-contract.js';
import { describeTurnJournalContract } from '../core/store-contracts/turn-journal-contract.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

// The shared store contracts, each "frontend" on its own connection as a separate process would be.

const logger = silentLogger();
const LEASE = 60_000;
let server: RedisServer;
const clients: Redis[] = [];
const journals = new Map<TurnJournal, Redis>();
const settings: RedisAccessSettings[] = [];

beforeAll(async () => {
  server = await startRedis();
});
afterEach(async () => {
  for (const s of settings.splice(0)) s.close();
  for (const j of journals.keys()) await j.close();
  journals.clear();
  for (const c of clients.splice(0)) c.disconnect();
});
afterAll(async () => {
  await server?.stop();
});

async function connection(): Promise<Redis> {
  const redis = await connectRedis(server.url, logger);
  clients.push(redis);
  return redis;
}

/** A fresh bot per test: its own prefix, so tests never see each other's keys. */
const newPrefix = () => `bot-${randomUUID()}`;

describeConversationStoreContract('RedisConversationStore, two frontends', async () => {
  const prefix = newPrefix();
  return [
    new RedisConversationStore({ redis: await connection(), prefix }),
    new RedisConversationStore({ redis: await connection(), prefix }),
  ];
});

describeTurnJournalContract('RedisTurnJournal, frontends on separate connections', async () => {
  const prefix = newPrefix();
  let now = Date.parse('2025-01-01T00:00:00Z');
  const build = async (owner?: string) => {
    const redis = await connection();
    const journal = new RedisTurnJournal({
      redis,
      prefix,
      logger,
      now: () => now,
      leaseMs: LEASE,
      ...(owner ? { owner } : {}),
    });
    journals.set(journal, redis);
    return journal;
  };
  /** kill -9: the connection drops first, so closing afterwards lets nothing go (it only stops the timer). */
  const kill = async (journal: TurnJournal) => {
    journals.get(journal)?.disconnect();
    await journal.close();
    journals.delete(journal);
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
    settings.push(made);
    return made;
  };
  return {
    pair: async () => [await open(), await open()] as const,
    written: (s) => (s as RedisAccessSettings).pending,
    reopen: open,
  };
});
