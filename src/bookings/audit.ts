import type { ErrorCode } from './errors.js';

/**
 * One cancellation attempt as the audit trail keeps it. `cancelled` is the attempt that cancelled (recorded once
 * per attemptId, even when another turn had to finish it); `repeated` a confirm answered from an earlier outcome;
 * `refused` one the access rule (or Graph) did not allow this user; `failed` one that did not cancel, with its code.
 * `batch` is a day's cancellation as a whole, once per run of it (its counts in `batch`; it names no one
 * appointment: businessId and appointmentId are empty), beside each of its appointments' own entries.
 */
export interface AuditEntry {
  at: string;
  attemptId: string;
  outcome: 'cancelled' | 'repeated' | 'refused' | 'failed' | 'batch';
  /** Who: the user's Entra object id (Teams sends it); undefined where the channel does not (Emulator). */
  userObjectId?: string;
  tenantId?: string;
  businessId: string;
  appointmentId: string;
  errorCode?: ErrorCode;
  /** Graph's request-id of the cancel POST (or of the failing call), for support cases with Microsoft. */
  graphRequestId?: string;
  /** The cancel had landed during an earlier attempt that never learned its outcome (timeout or crash). */
  recovered?: boolean;
  /** Only with AUDIT_MESSAGES=true: the text sent to the customer. */
  cancellationMessage?: string;
  /** The day's cancellation (dayCancellation.ts) this attempt belongs to, or that a `batch` entry sums up. */
  batchId?: string;
  /** A `batch` entry's day, run (0, then one per retry) and what became of its appointments so far. */
  batch?: DayBatchAudit;
}

export interface DayBatchAudit {
  day: string;
  round: number;
  total: number;
  cancelled: number;
  alreadyGone: number;
  refused: number;
  failed: number;
}

/** Where attempts are recorded. Implementations never throw: an entry that cannot be written yet is kept and retried. */
export interface AuditTrail {
  record(entry: AuditEntry): Promise<void>;
}
