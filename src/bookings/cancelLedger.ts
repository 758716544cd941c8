import type { UpcomingAppointment } from './types.js';

/**
 * Remembers cancel attempts so a double click or a re-delivered action never reaches Graph twice,
 * and so a retry that meets 404 after an attempt of unknown outcome is recognised as "already cancelled".
 */
export interface CancelRecord {
  state: 'attempted' | 'cancelled';
  cancellationMessage: string;
  at: string;
  /** What was cancelled, as shown on the outcome card; JSON-safe (ISO dates) so any storage can hold it. */
  appointment: StoredAppointment;
}

export type StoredAppointment = Omit<UpcomingAppointment, 'start' | 'end' | 'details'> & { start: string; end: string };

/** What the ledger keeps of an appointment: what the outcome card shows, without the details (no customer phone). */
export function storeAppointment(a: UpcomingAppointment): StoredAppointment {
  const shown: Partial<UpcomingAppointment> = { ...a };
  delete shown.details;
  return { ...(shown as Omit<UpcomingAppointment, 'details'>), start: a.start.toISOString(), end: a.end.toISOString() };
}

export function restoreAppointment(a: StoredAppointment): UpcomingAppointment {
  return { ...a, start: new Date(a.start), end: new Date(a.end) };
}

export interface CancelLedger {
  get(key: string): Promise<CancelRecord | undefined>;
  put(key: string, record: CancelRecord): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Per-process ledger; entries older than the TTL are dropped so memory stays bounded. */
export class MemoryCancelLedger implements CancelLedger {
  private readonly records = new Map<string, { record: CancelRecord; storedAt: number }>();

  constructor(
    private readonly ttlMs = 24 * 60 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): Promise<CancelRecord | undefined> {
    const entry = this.records.get(key);
    if (entry && this.now() - entry.storedAt > this.ttlMs) {
      this.records.delete(key);
      return Promise.resolve(undefined);
    }
    return Promise.resolve(entry?.record);
  }

  put(key: string, record: CancelRecord): Promise<void> {
    this.prune();
    this.records.delete(key); // re-insert so iteration order stays oldest-first
    this.records.set(key, { record, storedAt: this.now() });
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.records.delete(key);
    return Promise.resolve();
  }

  private prune(): void {
    const oldest = this.now() - this.ttlMs;
    for (const [key, entry] of this.records) {
      if (entry.storedAt >= oldest) break;
      this.records.delete(key);
    }
  }
}
