import type { Platform } from '../message.js';

/** Settings admins change from the chat, on top of the config file's `access` section. */
export interface AccessSettingsView {
  /** Whether DMs are answered (the config's `access.dms` until an admin changes it). */
  readonly dms: boolean;
  /** Channels of this platform the bot was switched off in. */
  readonly offChannels: readonly string[];
}

/** One change an admin asks for (`show` changes nothing). */
export type SettingChange =
  | { readonly setting: 'show' }
  | { readonly setting: 'dms'; readonly on: boolean }
  | { readonly setting: 'channel'; readonly channelId: string; readonly on: boolean };

/**
 * Where admin-changed access settings live (SQLite in the data dir): they outlive restarts and apply to
 * every adapter of the process at once.
 */
export interface AccessSettings {
  /** DMs on/off as an admin set it; undefined keeps the config's value. */
  dms(): boolean | undefined;
  /** Whether the bot was switched off in a channel. */
  channelOff(platform: Platform, channelId: string): boolean;
  offChannels(platform: Platform): string[];
  setDms(on: boolean): void;
  setChannel(platform: Platform, channelId: string, on: boolean): void;
  close(): void;
}
