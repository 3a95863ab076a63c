import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = new URL('../../bin/llmbind.js', import.meta.url).pathname;
const BUNDLE = new URL('../fixtures/models/merged', import.meta.url).pathname;

function env(dir: string): NodeJS.ProcessEnv {
  const config = join(dir, 'config.yaml');
  // The fixture's context is small: leave room for the LLaVA system prompt.
  writeFileSync(config, 'engine:\n  sampling:\n    maxNewTokens: 24\n');
  return { ...process.env, LLMBIND_CONFIG: config, LLMBIND_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'info' };
}

describe('the llmbind binary', () => {
  it('answers `ask --json` with exactly one JSON object on the real engine', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bin-'));
    const thread = join(dir, 'thread.json');
    const args = [
      BIN,
      'ask',
      'hello there',
      '--models',
      BUNDLE,
      '--json',
      '--thread',
      thread,
      '--out',
      join(dir, 'out'),
    ];
    const { stdout } = await run(process.execPath, args, { env: env(dir) });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const json = JSON.parse(lines[0] ?? '');
    expect(typeof json.reply).toBe('string');
    expect(Array.isArray(json.tasks)).toBe(true);
    const saved = JSON.parse(readFileSync(thread, 'utf8'));
    expect(saved.turns.map((t: { role: string }) => t.role)).toEqual(['user', 'assistant']);
  });

  it('fails with one clear line, no stack trace, when the bundle is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bin-'));
    const result = await run(process.execPath, [BIN, 'ask', 'hi', '--models', join(dir, 'nope')], {
      env: env(dir),
    }).catch((error: { code: number; stderr: string }) => error);
    expect('code' in result && result.code).toBe(2);
    expect('stderr' in result && result.stderr).toMatch(/^llmbind: no model bundle at .*nope/m);
    expect('stderr' in result && result.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('refuses bad arguments with the usage line', async () => {
    const result = await run(process.execPath, [BIN, 'ask'], {}).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect('code' in result && result.code).toBe(2);
    expect('stderr' in result && result.stderr).toContain('usage: llmbind ask');
  });
});
