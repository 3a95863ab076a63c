import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { redactRedisUrl } from '../../src/queue/queue-names.js';
import { parseRole, redisSettings } from '../../src/queue/role-runtime.js';

describe('serve roles and the queue settings', () => {
  it('parses --role=… and --role …, defaulting to all and refusing unknown roles', () => {
    expect(parseRole([])).toBe('all');
    expect(parseRole(['--role=frontend'])).toBe('frontend');
    expect(parseRole(['--role', 'worker'])).toBe('worker');
    expect(parseRole(['--role=gpu'])).toBeUndefined();
  });

  it('a frontend or worker role needs the Redis backend; all runs in-process by default', () => {
    const config = loadConfig({ env: {} });
    expect(config.queue.backend).toBe('inprocess');
    expect(redisSettings(config, 'all')).toBeUndefined();
    expect(() => redisSettings(config, 'worker')).toThrow(
      expect.objectContaining({ code: 'config_invalid' }),
    );
  });

  it('LLMBIND_QUEUE_BACKEND=redis without LLMBIND_REDIS_URL is refused naming the key', () => {
    expect(() => loadConfig({ env: { LLMBIND_QUEUE_BACKEND: 'redis' } })).toThrow(/queue\.redisUrl/);
    const config = loadConfig({
      env: { LLMBIND_QUEUE_BACKEND: 'redis', LLMBIND_REDIS_URL: 'redis://127.0.0.1:6379' },
    });
    expect(redisSettings(config, 'frontend')?.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(() => loadConfig({ env: { LLMBIND_REDIS_URL: 'http://nope' } })).toThrow(/LLMBIND_REDIS_URL/);
  });

  it('a Redis URL is logged without its password', () => {
    expect(redactRedisUrl('redis://:s3cretpass@cache:6380/2')).toBe('redis://:redacted@cache:6380/2');
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});
