import { randomUUID } from 'node:crypto';
import type { Storage } from 'botbuilder';
import type { DayBatchEntry, DayBatchRecord, DayBatchStore } from '../bookings/dayBatch.js';
import { CANCEL_RECORD_TTL_MS } from '../config/durations.js';
import { type Expiring, isLive } from './expiry.js';
import { StorageWriteConflict } from './writeConflict.js';

interface StoredBatch extends Expiring {
  batch: DayBatchRecord;
  eTag?: string;
}

/**
 * Day batches (bookings/dayBatch.ts) on the bot's Storage, beside the cancel ledger and kept as long (a day): under
 * `cancel/day/<batch id>`, so the ledger's lifecycle rule (prefix `cancel%2F`) expires them too. A business id is an
 * e-mail address, so no ledger key is ever `cancel/day/…`. Every write is conditional, as the ledger's claims are:
 * a create with no version, an If-Match replace with one; a lost race is `false`, anything else a failure.
 */
export class StorageDayBatches implements DayBatchStore {
  constructor(
    private readonly storage: Storage,
    private readonly now: () => number = Date.now,
  ) {}

  async get(batchId: string): Promise<DayBatchEntry | undefined> {
    const key = keyOf(batchId);
    const item = (await this.storage.read([key]))[key] as StoredBatch | undefined;
    return item && isLive(item, this.now()) ? { record: item.batch, version: item.eTag ?? '*' } : undefined;
  }

  async write(batchId: string, record: DayBatchRecord, version?: string): Promise<boolean> {
    try {
      await this.storage.write({ [keyOf(batchId)]: { batch: record, expiresAt: this.now() + CANCEL_RECORD_TTL_MS, eTag: version ?? randomUUID() } satisfies StoredBatch });
      return true;
    } catch (error) {
      if (error instanceof StorageWriteConflict) return false;
      throw error;
    }
  }
}

function keyOf(batchId: string): string {
  return `cancel/day/${batchId}`;
}
