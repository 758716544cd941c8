import type { Storage } from 'botbuilder';
import type { PlacesCache, UserPlaces } from '../bookings/staffDirectory.js';
import { type Expiring, isLive } from './expiry.js';
import { whileReachable } from './whileReachable.js';

interface StoredPlaces extends Expiring {
  places: UserPlaces;
}

/**
 * Each user's places on botbuilder's Storage, so every instance shares them (and a sign-out or a refusal seen by one
 * instance is seen by all). Storage that cannot be reached is a miss: the turn reads Graph instead of failing.
 */
export class StoragePlacesCache implements PlacesCache {
  constructor(
    private readonly storage: Storage,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(userKey: string): Promise<UserPlaces | undefined> {
    const key = keyOf(userKey);
    const item = (await whileReachable(() => this.storage.read([key])))?.[key] as StoredPlaces | undefined;
    return isLive(item, this.now()) ? item!.places : undefined;
  }

  async put(userKey: string, places: UserPlaces): Promise<void> {
    await whileReachable(() => this.storage.write({ [keyOf(userKey)]: { places, expiresAt: this.now() + this.ttlMs } satisfies StoredPlaces }));
  }

  async forget(userKey: string): Promise<void> {
    await whileReachable(() => this.storage.delete([keyOf(userKey)]));
  }
}

function keyOf(userKey: string): string {
  return `places/${userKey}`;
}
