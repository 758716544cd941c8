import type { Storage } from 'botbuilder';
import { BookingsError, ErrorCode } from '../bookings/errors.js';
import { isLive } from '../storage/expiry.js';
import type { BusinessChoices } from './handlers/listAppointments.js';

interface StoredChoice {
  business: string;
  expiresAt: number;
}

/** A choice not used for this long is forgotten (the list shows every business again). */
const CHOICE_TTL_MS = 90 * 24 * 60 * 60 * 1000;

/** Each user's chosen business ("all" or an id), in the bot's Storage so every instance sees it. */
export class StoredBusinessChoices implements BusinessChoices {
  constructor(
    private readonly storage: Storage,
    private readonly now: () => number = Date.now,
  ) {}

  /** The remembered choice; none while storage is unreachable, so the list still comes (with every business). */
  async get(userId: string): Promise<string | undefined> {
    const key = keyOf(userId);
    const read = await whileReachable(() => this.storage.read([key]));
    const choice = read?.[key] as StoredChoice | undefined;
    return isLive(choice, this.now()) ? choice!.business : undefined;
  }

  async set(userId: string, business: string): Promise<void> {
    await whileReachable(() => this.storage.write({ [keyOf(userId)]: { business, expiresAt: this.now() + CHOICE_TTL_MS } satisfies StoredChoice }));
  }
}

/** A preference is a convenience: without storage the bot goes on without it. */
async function whileReachable<T>(operation: () => Promise<T>): Promise<T | undefined> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof BookingsError && error.code === ErrorCode.StorageUnavailable) return undefined;
    throw error;
  }
}

function keyOf(userId: string): string {
  return `preferences/business/${userId}`;
}
