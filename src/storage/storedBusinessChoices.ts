import type { Storage } from 'botbuilder';
import { BUSINESS_CHOICE_TTL_MS } from '../config/durations.js';
import { KeptItems } from './keptItems.js';

/** Each user's chosen business ("all" or an id), `preferences/business/<user id>`; none while storage is down (the list handler's BusinessChoices). */
export class StoredBusinessChoices extends KeptItems<string> {
  constructor(storage: Storage, now?: () => number) {
    super(storage, 'preferences/business', 'business', BUSINESS_CHOICE_TTL_MS, now);
  }
}
