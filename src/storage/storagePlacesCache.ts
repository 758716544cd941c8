import { randomUUID } from 'node:crypto';
import { SCAN_LEASE_MAX_MS } from '../config/durations.js';
import type { Storage } from 'botbuilder';
import type { PlacesCache, UserPlaces } from '../bookings/staffDirectory.js';
import { type Expiring, isLive } from './expiry.js';
import { KeptItems } from './keptItems.js';
import { whileReachable } from './whileReachable.js';
import { StorageWriteConflict } from './writeConflict.js';


/**
 * Each user's places (`places/<user key>`), shared by every instance, so a sign-out or a refusal seen by one
 * instance is seen by all; and who is scanning the tenant for them (`scanning/<user key>`), so two instances (a card
 * refresh and a click, say) run one scan between them.
 */
export class StoragePlacesCache extends KeptItems<UserPlaces> implements PlacesCache {
  constructor(
    private readonly state: Storage,
    ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {
    // The field was `places` while a place kept the whole roster: such an item, written by an older version, is a miss.
    super(state, 'places', 'placesWithNames', ttlMs, clock);
  }

  /**
   * A write-once lease (If-None-Match), or the replace of a lapsed one (If-Match its version): one instance wins.
   * Storage that cannot be reached grants it: each instance then scans on its own, as with no shared storage.
   */
  async claimScan(userKey: string, ms: number): Promise<boolean> {
    const key = `scanning/${userKey}`;
    // Stored as JSON, where Infinity would be null (no expiry at all): a scan without a budget holds it a day.
    const lease = (eTag: string) => this.state.write({ [key]: { expiresAt: this.clock() + Math.min(ms, SCAN_LEASE_MAX_MS), eTag } satisfies Expiring & { eTag: string } });
    const won = (write: Promise<void>) =>
      write.then(
        () => true,
        (error: unknown) => {
          if (error instanceof StorageWriteConflict) return false;
          throw error;
        },
      );
    return (
      (await whileReachable(async () => {
        if (await won(lease(randomUUID()))) return true;
        const held = (await this.state.read([key]))[key] as (Expiring & { eTag?: string }) | undefined;
        return !isLive(held, this.clock()) && (await won(lease(held?.eTag ?? randomUUID())));
      })) ?? true
    );
  }

  async releaseScan(userKey: string): Promise<void> {
    await whileReachable(() => this.state.delete([`scanning/${userKey}`]));
  }
}
