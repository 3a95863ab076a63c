/** Discord's epoch (2015-01-01), the base of every snowflake's timestamp bits. */
const DISCORD_EPOCH = 1_420_070_400_000n;
let increment = 0n;

/**
 * A fresh, increasing snowflake (18–19 digits, like real ids) so discord.js can read a creation time
 * from it and ids sort by creation.
 */
export function snowflake(now: number = Date.now()): string {
  increment = (increment + 1n) % 4096n;
  return (((BigInt(now) - DISCORD_EPOCH) << 22n) | (1n << 17n) | increment).toString();
}

/** The shard that receives a guild's events: Discord's `(guild_id >> 22) % shard_count`. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** A fresh snowflake for a guild whose events go to shard `shard` of `shardCount`. */
export function snowflakeOnShard(shard: number, shardCount: number, now: number = Date.now()): string {
  const offset = Number((BigInt(now) - DISCORD_EPOCH) % BigInt(shardCount));
  // Steps back in time (a few ms at most) to the nearest timestamp the formula maps to `shard`.
  return snowflake(now - ((offset - shard + shardCount) % shardCount));
}
