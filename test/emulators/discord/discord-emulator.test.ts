import { once } from 'node:events';
import { Client, Events, GatewayIntentBits, Partials } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DiscordEmulator } from './discord-emulator.js';

/** A raw gateway connection that keeps every dispatch it receives. */
async function rawSession(emu: DiscordEmulator, shard: [number, number]) {
  const socket = new WebSocket(emu.gatewayUrl);
  const events: Array<{ t: string; d: Record<string, unknown> }> = [];
  const seen = new EventTarget();
  socket.on('message', (raw) => {
    const payload = JSON.parse(String(raw)) as { op: number; t: string; d: Record<string, unknown> };
    if (payload.op !== 0) return;
    events.push(payload);
    seen.dispatchEvent(new Event(payload.t));
  });
  await once(socket, 'open');
  const ready = once(seen, 'READY');
  socket.send(JSON.stringify({ op: 2, d: { token: 't', intents: 0, properties: {}, shard } }));
  await ready;
  return { socket, events, next: (t: string) => once(seen, t) };
}

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

  it('routes each guild to the session of its shard and DMs to shard 0, and refuses a bad shard', async () => {
    emu = new DiscordEmulator();
    const guilds = [
      emu.state.addGuild('zero', { shard: [0, 2] }),
      emu.state.addGuild('one', { shard: [1, 2] }),
    ];
    const channels = guilds.map((g) => emu?.state.addTextChannel(g.id, 'general').id ?? '');
    const ada = emu.state.addUser('ada');
    emu.gateway.recommendedShards = 2;
    await emu.start();
    const info = (await (await fetch(`${emu.apiUrl}/v10/gateway/bot`)).json()) as { shards: number };
    expect(info.shards).toBe(2);
    const sessions = [await rawSession(emu, [0, 2]), await rawSession(emu, [1, 2])];
    for (const [i, s] of sessions.entries()) {
      const ready = s.events.find((e) => e.t === 'READY')?.d;
      expect(ready?.shard).toEqual([i, 2]);
      expect(ready?.guilds).toEqual([{ id: guilds[i]?.id, unavailable: true }]);
    }
    const toOne = sessions[1]?.next('MESSAGE_CREATE');
    const inOne = emu.userSays(channels[1] ?? '', ada, 'for shard one');
    await toOne;
    const toZero = sessions[0]?.next('MESSAGE_CREATE');
    const dm = emu.userSays(emu.state.addDm(ada).id, ada, 'a DM');
    await toZero;
    const ids = (i: number) => sessions[i]?.events.filter((e) => e.t === 'MESSAGE_CREATE').map((e) => e.d.id);
    expect(ids(0)).toEqual([dm.id]);
    expect(ids(1)).toEqual([inOne.id]);
    expect(emu.gateway.deliveries.filter((d) => d.t === 'MESSAGE_CREATE')).toEqual([
      { shard: 1, t: 'MESSAGE_CREATE', id: inOne.id },
      { shard: 0, t: 'MESSAGE_CREATE', id: dm.id },
    ]);

    const bad = new WebSocket(emu.gatewayUrl);
    await once(bad, 'open');
    const closed = once(bad, 'close');
    bad.send(JSON.stringify({ op: 2, d: { token: 't', intents: 0, properties: {}, shard: [2, 2] } }));
    expect((await closed)[0]).toBe(4010);
    for (const s of sessions) s.socket.close();
  });
});
