import type { UpcomingAppointment } from './types.js';

/**
 * What the bot remembers of each cancel, shared by every instance: a double click, a re-delivered invoke or the
 * same activity on two instances reaches Graph once, and a retry after an attempt whose outcome was never learned
 * (timeout, crash) is recognised as "already cancelled" when Graph answers 404.
 */
export interface CancelRecord {
  state: 'attempted' | 'cancelled';
  /** Names the attempt in the audit trail, so an attempt finished by another turn is not counted twice. */
  attemptId: string;
  /** Until then the attempt's turn may still be waiting on Graph (epoch ms); after it, another turn may take over. */
  leaseUntil: number;
  cancellationMessage: string;
  at: string;
  /** What was cancelled, as shown on the outcome card; JSON-safe (ISO dates) so any storage can hold it. */
  appointment: StoredAppointment;
}

/** A record and the version it was read at, for a conditional write. */
export interface LedgerEntry {
  record: CancelRecord;
  version: string;
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
  get(key: string): Promise<LedgerEntry | undefined>;
  /**
   * Stores the record only if the key is free (no version) or still at `version`: true for the one turn that wins,
   * false for every other. This is what makes a cancel happen once across instances.
   */
  claim(key: string, record: CancelRecord, version?: string): Promise<boolean>;
  /** Replaces the record of an attempt this turn has claimed. */
  put(key: string, record: CancelRecord): Promise<void>;
  delete(key: string): Promise<void>;
}
