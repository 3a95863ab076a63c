import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS_PATH, loadConfig } from '../../src/config/load-config.js';
import { ENV_VARS } from '../../src/config/schema.js';
import { LlmbindError } from '../../src/core/errors.js';

function configError(fn: () => unknown): LlmbindError {
  try {
    fn();
  } catch (error) {
    if (LlmbindError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a config error');
}

describe('loadConfig', () => {
  it('loads the shipped defaults with no environment', () => {
    const config = loadConfig({ env: {} });
    expect(config.discord.apiUrl).toBe('https://discord.com/api');
    expect(config.slack.apiUrl).toBe('https://slack.com/api/');
    expect(config.engine.executionProvider).toBe('auto');
    expect(config.playground.enabled).toBe('auto');
  });

  it('applies every public environment variable', () => {
    const config = loadConfig({
      env: {
        DISCORD_TOKEN: 'd-token',
        DISCORD_API_URL: 'http://127.0.0.1:9999/api',
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 'shh',
        SLACK_APP_TOKEN: 'xapp-1',
        SLACK_API_URL: 'http://127.0.0.1:9998/api/',
        SLACK_PORT: '3100',
        PLAYGROUND_PORT: '8181',
        LLMBIND_MODELS: '/models/x',
        LLMBIND_DATA_DIR: '/var/lib/llmbind',
        LOG_LEVEL: 'debug',
        LLMBIND_ENGINE_WORKERS: '2',
        PLAYGROUND_ENABLED: 'false',
      },
    });
    expect(config.discord).toMatchObject({ token: 'd-token', apiUrl: 'http://127.0.0.1:9999/api' });
    expect(config.slack).toMatchObject({
      botToken: 'xoxb-1',
      signingSecret: 'shh',
      appToken: 'xapp-1',
      port: 3100,
    });
    expect(config.slack.apiUrl).toBe('http://127.0.0.1:9998/api/');
    expect(config.playground).toMatchObject({ port: 8181, enabled: false });
    expect(config.models.dir).toBe('/models/x');
    expect(config.data.dir).toBe('/var/lib/llmbind');
    expect(config.log.level).toBe('debug');
    expect(config.engine.workers).toBe(2);
  });

  it('names the bad key and the variable it came from', () => {
    const error = configError(() => loadConfig({ env: { SLACK_PORT: 'eighty' } }));
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain('slack.port (from env SLACK_PORT)');
  });

  it('never echoes a secret value in the error', () => {
    const error = configError(() =>
      loadConfig({ env: { DISCORD_TOKEN: 'super-secret', DISCORD_API_URL: 'not a url' } }),
    );
    expect(error.message).toContain('discord.apiUrl');
    expect(error.message).not.toContain('super-secret');
  });

  it('merges a YAML override file and refuses unknown keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'engine:\n  sampling:\n    temperature: 0.7\n');
    const config = loadConfig({ env: { LLMBIND_CONFIG: good } });
    expect(config.engine.sampling).toEqual({ maxNewTokens: 160, temperature: 0.7, topP: 0.9 });

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'engine:\n  wrokers: 2\n');
    const error = configError(() => loadConfig({ file: bad }));
    expect(error.message).toMatch(/engine.*wrokers/);
    expect(error.message).toContain(bad);
  });

  it('documents every environment variable in the README and the defaults file', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const defaults = readFileSync(DEFAULTS_PATH, 'utf8');
    for (const name of Object.keys(ENV_VARS)) {
      expect(readme, `README lists ${name}`).toContain(`\`${name}\``);
      expect(defaults, `default.yaml mentions ${name}`).toContain(name);
    }
  });
});
