import type { Platform } from '../message.js';
import type { AccessSettings } from './access-settings.js';

/**
 * The part of {@link AccessSettings} every store shares: the settings are read on every message, so
 * they are served from a local copy (`dms` → on/off, `channel:<platform>:<id>` → off). Subclasses load
 * the copy and persist each {@link write}.
 */
export abstract class CachedAccessSettings implements AccessSettings {
  protected values = new Map<string, string>();

  dms(): boolean | undefined {
    const value = this.values.get('dms');
    return value === undefined ? undefined : value === 'on';
  }

  channelOff(platform: Platform, channelId: string): boolean {
    return this.values.has(channelKey(platform, channelId));
  }

  offChannels(platform: Platform): string[] {
    const prefix = channelKey(platform, '');
    return [...this.values.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  setDms(on: boolean): void {
    this.write('dms', on ? 'on' : 'off');
  }

  setChannel(platform: Platform, channelId: string, on: boolean): void {
    this.write(channelKey(platform, channelId), on ? undefined : 'off');
  }

  abstract close(): void;

  /** Sets `key` to `value` (undefined removes it) in the local copy and in the store behind it. */
  protected abstract write(key: string, value: string | undefined): void;
}

const channelKey = (platform: Platform, channelId: string): string => `channel:${platform}:${channelId}`;
