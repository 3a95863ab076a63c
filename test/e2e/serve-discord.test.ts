import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordEmulator } from '../emulators/discord/discord-emulator.js';

const BIN = new URL('../../bin/llmbind.js', import.meta.url).pathname;

let child: ChildProcess | undefined;
let emu: DiscordEmulator | undefined;
afterEach(async () => {
  child?.kill('SIGTERM');
  await new Promise((resolve) => (child?.exitCode === null ? child.once('exit', resolve) : resolve(null)));
  await emu?.stop();
});

describe('llmbind serve with DISCORD_TOKEN', () => {
  it('answers a mention on the shipped demo pack, configured only through env', async () => {
    emu = new DiscordEmulator();
    const guild = emu.state.addGuild('Guild', {});
    const channel = emu.state.addTextChannel(guild.id, 'general');
    const ada = emu.state.addUser('ada');
    await emu.start();
    const dir = mkdtempSync(join(tmpdir(), 'serve-'));
    child = spawn(process.execPath, [BIN, 'serve'], {
      env: {
        ...process.env,
        DISCORD_TOKEN: 'bot-token',
        DISCORD_API_URL: emu.apiUrl,
        LLMBIND_DATA_DIR: join(dir, 'data'),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // The bot is ready once it has registered its slash commands.
    await emu.waitFor(
      () => emu?.calls.some((c) => c.method === 'PUT' && c.path.includes('/commands')),
      30_000,
    );
    const asked = emu.userSays(channel.id, ada, 'hello there', { mention: true });
    const answer = await emu.waitFor(
      () => emu?.botMessages(asked.id).find((m) => m.content.length > 0),
      30_000,
    );
    expect(emu.threadOf(asked.id)?.owner_id).toBe(emu.bot.id);
    expect(answer.content.length).toBeGreaterThan(0);
  });
});
