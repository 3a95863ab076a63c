import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type Logger, silentLogger } from '../../src/core/logger.js';
import { connectRedis } from '../../src/queue/redis-backend.js';
import { type RedisServer, startRedis } from './redis-server.js';

/** One test file's redis-server, the connections its tests open and what they leave to close. */
export interface RedisRig {
  /** `redis://127.0.0.1:PORT`; read it inside tests and hooks (the server starts in `beforeAll`). */
  readonly url: string;
  /** A new connection, disconnected after the current test. */
  connection(logger?: Logger): Promise<Redis>;
  /** Runs after the current test, latest first, before its connections are disconnected. */
  afterTest(cleanup: () => unknown): void;
}

/**
 * Starts a throwaway redis-server for the calling test file and tears down after each test. Call it at
 * the top of the file: its `afterEach` is registered first, so (vitest runs after-hooks as a stack) it
 * runs after the file's own hooks.
 */
export function useRedis(): RedisRig {
  let server: RedisServer | undefined;
  const clients: Redis[] = [];
  const cleanups: (() => unknown)[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    for (const client of clients.splice(0)) client.disconnect();
  });
  afterAll(async () => {
    await server?.stop();
  });
  const url = (): string => {
    if (!server) throw new Error('useRedis: the server is only up between beforeAll and afterAll');
    return server.url;
  };
  return {
    get url() {
      return url();
    },
    async connection(logger = silentLogger()) {
      const redis = await connectRedis(url(), logger);
      clients.push(redis);
      return redis;
    },
    afterTest(cleanup) {
      cleanups.push(cleanup);
    },
  };
}

/** A fresh bot per test: its own key prefix, so tests never see each other's keys. */
export const newBotPrefix = (): string => `bot-${randomUUID()}`;
