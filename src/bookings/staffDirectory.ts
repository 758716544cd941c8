import pLimit from 'p-limit';
import { membershipOf } from './access.js';
import { CodedError, ErrorCode } from './errors.js';
import type { BookingsGateway } from './gateway.js';
import type { Business, Person, StaffMember, UserRef } from './types.js';

/** A business where the user is staff: its staff's names and the user's own active record. */
export interface StaffPlace {
  business: Business;
  /**
   * Display name by staff id: all a card shows of colleagues. Their addresses and roles are not kept: read on every
   * turn (from shared storage), the place stays a few hundred bytes rather than a whole roster.
   */
  staffNames: Record<string, string>;
  me: StaffMember;
}

/** Who the user is and where they are staff, as Graph showed it to them. JSON-safe, so any storage can hold it. */
export interface UserPlaces {
  person: Person;
  places: StaffPlace[];
}

/**
 * Where each user's places are remembered between turns (shared by every instance), for as long as the store was
 * configured to keep them. A store that cannot be reached is a miss, never a failed turn.
 */
export interface PlacesCache {
  get(userKey: string): Promise<UserPlaces | undefined>;
  put(userKey: string, places: UserPlaces): Promise<void>;
  forget(userKey: string): Promise<void>;
}

/** Remembers nothing: every turn asks Graph (MEMBERSHIP_CACHE_SECONDS=0). */
export const NO_PLACES_CACHE: PlacesCache = {
  get: () => Promise.resolve(undefined),
  put: () => Promise.resolve(),
  forget: () => Promise.resolve(),
};

/**
 * Graph lists every business of the tenant (up to 500), not the user's, and refuses a business's staff to someone
 * who is not its staff (403, or 404 ErrorFolderNotFound). So finding the user's places reads every business's staff;
 * this many at once keeps 500 businesses within a turn without a burst that Graph would throttle.
 */
export const PARALLEL_STAFF_READS = 8;

/** What Graph answers for a business the user may not read (not, or no longer, its staff; or gone): not one of theirs. */
export function isRefusedBusiness(error: unknown): boolean {
  return error instanceof CodedError && [ErrorCode.Forbidden, ErrorCode.NotFound, ErrorCode.NotStaffOfBusiness].includes(error.code);
}

/** Finds, and remembers, the businesses where a user is staff. */
export class StaffDirectory {
  constructor(
    private readonly gateway: BookingsGateway,
    private readonly cache: PlacesCache,
  ) {}

  /** The user's places: remembered, or found by reading the staff of every business Graph lists. */
  async placesOf(user: UserRef): Promise<UserPlaces> {
    const key = userKeyOf(user);
    const cached = await this.cache.get(key);
    if (cached) return cached;
    const [person, businesses] = await Promise.all([this.gateway.me(user), this.gateway.listBusinesses(user)]);
    const limit = pLimit(PARALLEL_STAFF_READS);
    const found = await Promise.all(businesses.map((business) => limit(() => this.placeIn(user, person, business))));
    const places = { person, places: found.filter((p) => p !== undefined) };
    await this.cache.put(key, places);
    return places;
  }

  /** The business (its name) and the user's place in it, remembered or read; no place where they are not staff. */
  async placeOf(user: UserRef, businessId: string): Promise<{ business: Business; place?: StaffPlace }> {
    const unnamed = { id: businessId, displayName: businessId };
    const cached = await this.cache.get(userKeyOf(user));
    if (cached) {
      const place = cached.places.find((p) => sameId(p.business.id, businessId));
      return { business: place?.business ?? unnamed, place };
    }
    // Not remembered: read only this business rather than the whole tenant's, and remember nothing partial.
    const [person, business, staff] = await Promise.all([
      this.gateway.me(user),
      this.gateway.getBusiness(user, businessId).catch(unlessRefused(unnamed)),
      this.gateway.listStaff(user, businessId).catch(unlessRefused([])),
    ]);
    return { business, place: placeAmong(person, business, staff) };
  }

  /** After Graph refused a business the cache said was the user's (removed as staff, role changed): read again next time. */
  forget(user: UserRef): Promise<void> {
    return this.cache.forget(userKeyOf(user));
  }

  private async placeIn(user: UserRef, person: Person, business: Business): Promise<StaffPlace | undefined> {
    return placeAmong(person, business, await this.gateway.listStaff(user, business.id).catch(unlessRefused([])));
  }
}

/** The user's place in a business with these staff, if they are an active member of it. */
function placeAmong(person: Person, business: Business, staff: StaffMember[]): StaffPlace | undefined {
  const me = membershipOf(person, staff);
  return me ? { business, staffNames: Object.fromEntries(staff.map((s) => [s.id, s.displayName])), me } : undefined;
}

/** For a read in a business: `instead` where Graph refuses the business to this user; any other failure stands. */
function unlessRefused<T>(instead: T): (error: unknown) => T {
  return (error) => {
    if (isRefusedBusiness(error)) return instead;
    throw error;
  };
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** One entry per user as the channel authenticated them: tenant, Entra object id and channel id together. */
export function userKeyOf(user: UserRef): string {
  return `${user.tenantId ?? ''}/${user.aadObjectId ?? ''}/${user.id}`;
}
