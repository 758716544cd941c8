import type { Storage } from 'botbuilder';
import { BUSINESS_CHOICE_TTL_MS } from '../config/durations.js';
import { isLive } from '../storage/expiry.js';
import { whileReachable } from '../storage/whileReachable.js';
import type { BusinessChoices } from './handlers/listAppointments.js';

interface StoredChoice {
  business: string;
  expiresAt: number;
}


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
    await whileReachable(() => this.storage.write({ [keyOf(userId)]: { business, expiresAt: this.now() + BUSINESS_CHOICE_TTL_MS } satisfies StoredChoice }));
  }
}

function keyOf(userId: string): string {
  return `preferences/business/${userId}`;
}
