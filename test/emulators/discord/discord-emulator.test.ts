import { Client, Events, GatewayIntentBits, Partials } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordEmulator } from './discord-emulator.js';

describe('DiscordEmulator with the real discord.js client', () => {
  let emu: DiscordEmulator | undefined;
  let client: Client | undefined;
  afterEach(async () => {
    await client?.destroy();
    await emu?.stop();
  });

  it('logs in, delivers a mention, accepts a reply, and resumes after a disconnect', async () => {
    emu = new DiscordEmulator();
    const guild = emu.state.addGuild('g');
    const channel = emu.state.addTextChannel(guild.id, 'general');
    const ada = emu.state.addUser('ada');
    await emu.start();
    client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
      partials: [Partials.Channel],
      rest: { api: emu.apiUrl, version: '10' },
    });
    const ready = new Promise((resolve) => client?.once(Events.ClientReady, resolve));
    await client.login('test-token');
    await ready;
    expect(client.guilds.cache.get(guild.id)?.channels.cache.has(channel.id)).toBe(true);

    const seen: string[] = [];
    client.on(Events.MessageCreate, async (message) => {
      if (message.author.bot) return;
      seen.push(message.content);
      if (message.mentions.users.has(emu?.bot.id ?? '')) await message.reply(`pong ${seen.length}`);
    });
    emu.userSays(channel.id, ada, 'ping', { mention: true });
    await emu.waitFor(() => emu?.botMessages(channel.id).find((m) => m.content === 'pong 1'));

    const resumed = emu.gateway.nextResume();
    emu.gateway.disconnect();
    emu.userSays(channel.id, ada, 'again', { mention: true });
    await resumed;
    await emu.waitFor(() => emu?.botMessages(channel.id).find((m) => m.content === 'pong 2'));
    expect(emu.gateway.stats).toMatchObject({ identifies: 1, resumes: 1 });
  });
});
