import { restoreAppointment, type StoredAppointment, storeAppointment } from './cancelLedger.js';
import { userKeyOf } from './staffDirectory.js';
import { SealedPayloads } from './sealedPayloads.js';
import type { UpcomingAppointment, UserRef } from './types.js';

/**
 * A grant's payload inflated is at most this: a card action's grant is refused above 8,192 characters, and the
 * payload is only inflated once its MAC holds, but an inflater is never left unbounded.
 */
const MAX_PAYLOAD_BYTES = 256 * 1024;

/** What a grant says: this user may cancel this appointment (as it was shown to them) until then. */
interface GrantPayload {
  v: 2;
  /** The decision the access rule made when the prompt was drawn. */
  may: 'cancel';
  /** Whose prompt it is (userKeyOf: tenant, Entra object id, channel id). */
  user: string;
  /** Epoch ms after which the grant is worth nothing. */
  expiresAt: number;
  /** The appointment as the prompt showed it: what the cancelled card shows and the ledger keeps. */
  appointment: StoredAppointment;
}

/** A grant that holds: the appointment as the prompt showed it, and when the prompt was drawn (epoch ms). */
export interface Grant {
  appointment: UpcomingAppointment;
  issuedAt: number;
}

/**
 * Proof, carried in the Cancel prompt's Confirm data, that the access rule let this user cancel this appointment a
 * few minutes ago: so Confirm needs only Graph's POST, not the reads before it. An HMAC-SHA256 over the payload with a
 * key derived from the bot's credential, which every instance has and a card's reader does not. Anything forged,
 * altered, expired, or made for someone else verifies as nothing, and the confirm is treated like a stale card.
 * The payload is deflated: an appointment's staff (ids and names) are most of it, and a grant must stay within what
 * a card action may carry even for an appointment with a hundred and more staff.
 */
export class CancelGrants {
  private readonly sealed: SealedPayloads;

  constructor(
    key: Buffer,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.sealed = new SealedPayloads(key, 'bookings-bot cancel grant v2', MAX_PAYLOAD_BYTES);
  }

  /** Only for an appointment the access rule just let `user` cancel. */
  issue(user: UserRef, appointment: UpcomingAppointment): string {
    const payload: GrantPayload = { v: 2, may: 'cancel', user: userKeyOf(user), expiresAt: this.now() + this.ttlMs, appointment: storeAppointment(appointment) };
    return this.sealed.seal(payload);
  }

  /**
   * The granted appointment and when the grant was issued (epoch ms), if `grant` is one this bot issued to `user` for
   * exactly this appointment and it still holds.
   */
  verify(grant: string | undefined, user: UserRef, businessId: string, appointmentId: string): Grant | undefined {
    const payload = this.sealed.open(grant) as GrantPayload | undefined;
    if (!payload) return undefined;
    const { appointment } = payload;
    const holds =
      payload.v === 2 &&
      payload.may === 'cancel' &&
      payload.user === userKeyOf(user) &&
      payload.expiresAt > this.now() &&
      appointment?.id === appointmentId &&
      appointment.businessId?.toLowerCase() === businessId.toLowerCase();
    return holds ? { appointment: restoreAppointment(appointment), issuedAt: payload.expiresAt - this.ttlMs } : undefined;
  }
}
