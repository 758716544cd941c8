import { randomUUID } from 'node:crypto';
import type { Storage } from 'botbuilder';
import type { CancelLedger, CancelRecord, LedgerEntry } from '../bookings/cancelLedger.js';
import { BookingsError } from '../bookings/errors.js';
import { type Expiring, isLive } from './expiry.js';

interface StoredRecord extends Expiring {
  record: CancelRecord;
  eTag?: string;
}

/** Records outlive any retry or re-delivery by far; a day keeps storage small. */
const RECORD_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * The cancel ledger on botbuilder's Storage (memory for one instance, Blob for many). A claim is a conditional
 * write: with no version it is a write-once (botbuilder's eTag idiom), with one it is an If-Match replace.
 */
export class StorageCancelLedger implements CancelLedger {
  constructor(
    private readonly storage: Storage,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<LedgerEntry | undefined> {
    const item = (await this.storage.read([key]))[key] as StoredRecord | undefined;
    return item && isLive(item, this.now()) ? { record: item.record, version: item.eTag ?? '*' } : undefined;
  }

  async claim(key: string, record: CancelRecord, version?: string): Promise<boolean> {
    try {
      await this.storage.write({ [key]: { record, expiresAt: this.now() + RECORD_TTL_MS, eTag: version ?? randomUUID() } satisfies StoredRecord });
      return true;
    } catch (error) {
      // Storage that cannot be reached is a coded error. Otherwise reading back tells, without relying on an error's
      // wording, whether another turn wrote first (a record that is not the one this claim found) or the write
      // failed for some other reason (nothing changed): only the first is "another turn won".
      if (error instanceof BookingsError) throw error;
      const now = await this.get(key);
      if (now?.record.attemptId === record.attemptId) return true;
      const changed = version === undefined ? now !== undefined : now?.version !== version;
      if (changed) return false;
      throw error;
    }
  }

  async put(key: string, record: CancelRecord): Promise<void> {
    await this.storage.write({ [key]: { record, expiresAt: this.now() + RECORD_TTL_MS, eTag: '*' } satisfies StoredRecord });
  }

  async delete(key: string): Promise<void> {
    await this.storage.delete([key]);
  }
}
