import { describe, expect, it, vi } from 'vitest';
import type { AccessSettings } from '../../../src/core/access/access-settings.js';

/** What the settings contract needs from an implementation, over fresh, empty data. */
export interface SettingsHarness {
  /**
   * Two live frontends of one bot. SQLite's are one instance (one process per data dir, whose cache
   * is the process's); Redis's two instances on their own connections.
   */
  pair(): Promise<readonly [AccessSettings, AccessSettings]>;
  /** Resolves once what `settings` wrote has reached the store (a no-op where writes are synchronous). */
  written(settings: AccessSettings): Promise<void>;
  /** A frontend started after every earlier one stopped. */
  reopen(): Promise<AccessSettings>;
}

/** Registers the shared AccessSettings behaviour for the implementation `make` builds. */
export function describeAccessSettingsContract(name: string, make: () => Promise<SettingsHarness>): void {
  describe(`${name} (shared access settings contract)`, () => {
    it('starts with nothing changed, and answers a change on the frontend that made it at once', async () => {
      const [a] = await (await make()).pair();
      expect(a.dms()).toBeUndefined();
      expect(a.offChannels('discord')).toEqual([]);
      a.setChannel('discord', 'C1', false);
      a.setDms(false);
      expect(a.channelOff('discord', 'C1')).toBe(true);
      expect(a.channelOff('slack', 'C1')).toBe(false);
      expect(a.dms()).toBe(false);
      a.setChannel('discord', 'C1', true);
      expect(a.offChannels('discord')).toEqual([]);
    });

    it('a change on one frontend is seen by the other, per platform, and switched back', async () => {
      const [a, b] = await (await make()).pair();
      a.setChannel('discord', 'C1', false);
      a.setChannel('slack', 'C7', false);
      a.setDms(false);
      await vi.waitFor(() => expect(b.dms()).toBe(false));
      // The whole state arrives together: the earlier channel changes are there too.
      expect(b.offChannels('discord')).toEqual(['C1']);
      expect(b.offChannels('slack')).toEqual(['C7']);
      expect(b.channelOff('slack', 'C1')).toBe(false);
      b.setChannel('discord', 'C1', true);
      b.setDms(true);
      await vi.waitFor(() => expect(a.dms()).toBe(true));
      expect(a.channelOff('discord', 'C1')).toBe(false);
      expect(a.offChannels('slack')).toEqual(['C7']);
    });

    it('keeps changes across a restart of every frontend', async () => {
      const harness = await make();
      const [a] = await harness.pair();
      a.setChannel('discord', 'C9', false);
      a.setDms(true);
      await harness.written(a);
      a.close();
      const next = await harness.reopen();
      expect(next.offChannels('discord')).toEqual(['C9']);
      expect(next.dms()).toBe(true);
      next.close();
    });
  });
}
