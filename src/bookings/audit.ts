import type { ErrorCode } from './errors.js';

/**
 * One cancellation attempt as the audit trail keeps it. `cancelled` is the attempt that cancelled (recorded once
 * per attemptId, even when another turn had to finish it); `repeated` a confirm answered from an earlier outcome;
 * `refused` one the access rule (or Graph) did not allow this user; `failed` one that did not cancel, with its code.
 */
export interface AuditEntry {
  at: string;
  attemptId: string;
  outcome: 'cancelled' | 'repeated' | 'refused' | 'failed';
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
}

/** Where attempts are recorded. Implementations never throw: an entry that cannot be written yet is kept and retried. */
export interface AuditTrail {
  record(entry: AuditEntry): Promise<void>;
}
