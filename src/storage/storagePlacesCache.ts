import type { Storage } from 'botbuilder';
import type { PlacesCache, UserPlaces } from '../bookings/staffDirectory.js';
import { KeptItems } from './keptItems.js';

/**
 * Each user's places (`places/<user key>`), shared by every instance, so a sign-out or a refusal seen by one
 * instance is seen by all.
 */
export class StoragePlacesCache extends KeptItems<UserPlaces> implements PlacesCache {
  constructor(storage: Storage, ttlMs: number, now?: () => number) {
    // The field was `places` while a place kept the whole roster: such an item, written by an older version, is a miss.
    super(storage, 'places', 'placesWithNames', ttlMs, now);
  }
}
