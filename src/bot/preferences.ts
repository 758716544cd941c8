import type { Storage } from 'botbuilder';
import type { BusinessChoices } from './handlers/listAppointments.js';

interface StoredChoice {
  business: string;
}

/** Each user's chosen business ("all" or an id), in the bot's Storage so every instance sees it. */
export class StoredBusinessChoices implements BusinessChoices {
  constructor(private readonly storage: Storage) {}

  async get(userId: string): Promise<string | undefined> {
    const key = keyOf(userId);
    return ((await this.storage.read([key]))[key] as StoredChoice | undefined)?.business;
  }

  async set(userId: string, business: string): Promise<void> {
    await this.storage.write({ [keyOf(userId)]: { business } satisfies StoredChoice });
  }
}

function keyOf(userId: string): string {
  return `preferences/business/${userId}`;
}
