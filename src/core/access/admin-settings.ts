import { fail, ok, type Result } from '../errors.js';
import type { Platform } from '../message.js';
import type { AccessRules } from './access-policy.js';
import type { AccessSettings, AccessSettingsView, SettingChange } from './access-settings.js';

/** Who asks for a settings change. */
export interface SettingsActor {
  readonly platform: Platform;
  readonly userId: string;
  /** The platform says this user administers the guild/workspace (Discord: Manage Server). */
  readonly platformAdmin?: boolean;
}

/**
 * Applies an admin's settings change and returns the settings now in force. Only the config's
 * `access.admins` and platform administrators may change anything; anyone else gets `access_denied`.
 */
export function applySetting(
  rules: AccessRules,
  settings: AccessSettings,
  actor: SettingsActor,
  change: SettingChange,
): Result<AccessSettingsView> {
  const admin = rules.admins.includes(actor.userId) || actor.platformAdmin === true;
  if (!admin) return fail('access_denied', 'settings need an admin', { reason: 'admin' });
  if (change.setting === 'dms') settings.setDms(change.on);
  else if (change.setting === 'channel') settings.setChannel(actor.platform, change.channelId, change.on);
  return ok({ dms: settings.dms() ?? rules.dms, offChannels: settings.offChannels(actor.platform) });
}
