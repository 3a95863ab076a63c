import { DiscordAPIError } from 'discord.js';

/** Discord's "Missing Permissions" (Send Messages, Attach Files, Create Threads…). */
const MISSING_PERMISSIONS = 50013;

/** Whether Discord refused a call for a missing permission (50013). */
export function isMissingPermissions(error: unknown): boolean {
  return error instanceof DiscordAPIError && error.code === MISSING_PERMISSIONS;
}

/** "A thread has already been created for this message" (a retried turn finds its thread). */
export const THREAD_ALREADY_CREATED = 160004;
