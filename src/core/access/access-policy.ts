import type { IncomingMessage } from '../message.js';
import type { AccessSettings } from './access-settings.js';

/** Who may talk to the bot on the platforms (config `access`). Empty allow lists allow everyone. */
export interface AccessRules {
  readonly allowWorkspaces: readonly string[];
  readonly denyWorkspaces: readonly string[];
  readonly allowChannels: readonly string[];
  readonly denyChannels: readonly string[];
  /** Platform role ids (Discord); a user needs one of them when the list is not empty. */
  readonly allowRoles: readonly string[];
  readonly allowUsers: readonly string[];
  readonly denyUsers: readonly string[];
  /** Users who may change settings (`/settings`) and who pass every list. */
  readonly admins: readonly string[];
  /** Whether direct messages are answered. */
  readonly dms: boolean;
  /** Tell a refused user why (true) or stay silent (false). */
  readonly deniedNotice: boolean;
}

/** Why a message was refused (logged; the user sees one short notice at most). */
export type AccessDenial = 'user' | 'workspace' | 'channel' | 'role' | 'dm';

const denies = (allow: readonly string[], deny: readonly string[], id: string | undefined): boolean =>
  (id !== undefined && deny.includes(id)) || (allow.length > 0 && (id === undefined || !allow.includes(id)));

/**
 * Decides whether a platform message may be answered. Local front ends (CLI, playground) are always
 * allowed: whoever runs them owns the machine. Admins pass every list.
 */
export function checkAccess(
  rules: AccessRules,
  message: IncomingMessage,
  settings?: AccessSettings,
): AccessDenial | undefined {
  if (message.platform === 'cli' || message.platform === 'playground') return undefined;
  const user = message.author.id;
  if (rules.admins.includes(user)) return undefined;
  if (denies(rules.allowUsers, rules.denyUsers, user)) return 'user';
  if (message.isDirect) return (settings?.dms() ?? rules.dms) ? undefined : 'dm';
  if (denies(rules.allowWorkspaces, rules.denyWorkspaces, message.workspaceId)) return 'workspace';
  if (denies(rules.allowChannels, rules.denyChannels, message.channelId)) return 'channel';
  if (message.channelId && settings?.channelOff(message.platform, message.channelId)) return 'channel';
  if (rules.allowRoles.length > 0 && !(message.roles ?? []).some((r) => rules.allowRoles.includes(r)))
    return 'role';
  return undefined;
}

/** Everyone allowed, DMs on, silent refusals: the default when nothing is configured. */
export const OPEN_ACCESS: AccessRules = {
  allowWorkspaces: [],
  denyWorkspaces: [],
  allowChannels: [],
  denyChannels: [],
  allowRoles: [],
  allowUsers: [],
  denyUsers: [],
  admins: [],
  dms: true,
  deniedNotice: false,
};
