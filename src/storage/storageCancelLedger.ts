import { randomUUID } from 'node:crypto';
import type { Storage } from 'botbuilder';
import { CANCEL_RECORD_TTL_MS } from '../config/durations.js';
import type { CancelLedger, CancelRecord, LedgerEntry } from '../bookings/cancelLedger.js';
import { type Expiring, isLive } from './expiry.js';
import { StorageWriteConflict } from './writeConflict.js';

interface StoredRecord extends Expiring {
  record: CancelRecord;
  eTag?: string;
}


/**
 * The cancel ledger on the bot's Storage (createStorage's: memory for one instance, Blob for many; both fail a lost
 * conditional write with StorageWriteConflict). A claim is a conditional write: with no version it is a write-once
 * (botbuilder's eTag idiom), with one it is an If-Match replace.
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
      await this.storage.write({ [key]: { record, expiresAt: this.now() + CANCEL_RECORD_TTL_MS, eTag: version ?? randomUUID() } satisfies StoredRecord });
      return true;
    } catch (error) {
      // Only a lost conditional write means another turn won (its record may even be gone again by now: the caller
      // looks). Anything else, unreachable storage or a bug, is a failure, never taken for "someone else cancels".
      if (error instanceof StorageWriteConflict) return false;
      throw error;
    }
  }

  async put(key: string, record: CancelRecord): Promise<void> {
    await this.storage.write({ [key]: { record, expiresAt: this.now() + CANCEL_RECORD_TTL_MS, eTag: '*' } satisfies StoredRecord });
  }

  async delete(key: string): Promise<void> {
    await this.storage.delete([key]);
  }
}
