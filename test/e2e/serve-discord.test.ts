import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordEmulator } from '../emulators/discord/discord-emulator.js';

const BIN = new URL('../../bin/llmbind.js', import.meta.url).pathname;
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let child: ChildProcess | undefined;
let emu: DiscordEmulator | undefined;
afterEach(async () => {
  child?.kill('SIGTERM');
  await new Promise((resolve) => (child?.exitCode === null ? child.once('exit', resolve) : resolve(null)));
  await emu?.stop();
});

/** `llmbind serve` on the shipped demo pack against a fresh emulator, configured only through env. */
async function serve() {
  const e = new DiscordEmulator();
  emu = e;
  const guild = e.state.addGuild('Guild', {});
  const channel = e.state.addTextChannel(guild.id, 'general');
  const ada = e.state.addUser('ada');
  await e.start();
  const dir = mkdtempSync(join(tmpdir(), 'serve-'));
  child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...process.env,
      DISCORD_TOKEN: 'bot-token',
      DISCORD_API_URL: e.apiUrl,
      LLMBIND_DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // The bot is ready once it has registered its slash commands.
  await e.waitFor(() => e.calls.some((c) => c.method === 'PUT' && c.path.includes('/commands')), 30_000);
  return { emu: e, channel, ada };
}

describe('llmbind serve with DISCORD_TOKEN', () => {
  it('answers a mention on the shipped demo pack, configured only through env', async () => {
    const { emu, channel, ada } = await serve();
    const asked = emu.userSays(channel.id, ada, 'hello there', { mention: true });
    const answer = await emu.waitFor(
      () => emu.botMessages(asked.id).find((m) => m.content.length > 0),
      30_000,
    );
    expect(emu.threadOf(asked.id)?.owner_id).toBe(emu.bot.id);
    expect(answer.content.length).toBeGreaterThan(0);
  });

  it('answers /imagine with a PNG made by the demo pack generator', async () => {
    const { emu, channel, ada } = await serve();
    const interaction = emu.command(channel.id, ada, 'imagine', { prompt: 'a red circle' });
    const upload = await emu.waitFor(
      () => emu.calls.find((c) => c.status === 200 && c.files.some((f) => f.contentType === 'image/png')),
      20_000,
    );
    expect(interaction.callbacks.map((c) => c.type)).toEqual([5]);
    const file = upload.files.find((f) => f.contentType === 'image/png');
    expect(file?.bytes.byteLength).toBeGreaterThan(0);
    expect([...(file?.bytes.subarray(0, 8) ?? [])]).toEqual(PNG_MAGIC);
    // It is the attachment users see, served back byte for byte.
    const posted = emu.botMessages(channel.id).find((m) => m.attachments[0]?.content_type === 'image/png');
    const served = new Uint8Array(await (await fetch(posted?.attachments[0]?.url ?? '')).arrayBuffer());
    expect(served).toEqual(file?.bytes);
  }, 30_000);
});
