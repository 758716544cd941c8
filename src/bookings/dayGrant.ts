import { randomBytes } from 'node:crypto';
import { restoreAppointment, type StoredAppointment, storeAppointment } from './cancelLedger.js';
import { userKeyOf } from './staffDirectory.js';
import { SealedPayloads } from './sealedPayloads.js';
import type { ListScope, UpcomingAppointment, UserRef } from './types.js';

/** A grant's payload inflated is at most this (only a payload whose MAC holds is inflated; never unbounded). */
const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** What a day's grant says: this user may cancel these appointments of this day (as the prompt showed them) until then. */
interface DayGrantPayload {
  v: 1;
  may: 'cancelDay';
  /** Whose prompt it is (userKeyOf: channel, tenant, Entra object id). */
  user: string;
  /** Epoch ms after which the grant is worth nothing. */
  expiresAt: number;
  /** The day, YYYY-MM-DD in the user's zone. */
  day: string;
  /** Whose appointments the prompt offered: the user's own, or the whole business's. */
  scope: ListScope;
  /** This prompt's own id: a Confirm of it (twice, or re-delivered) names one batch (dayBatch.ts, batchIdOf). */
  nonce: string;
  /** Each appointment the access rule let this user cancel when the prompt was drawn, in the prompt's order. */
  appointments: StoredAppointment[];
}

/** A day's grant that holds. */
export interface DayGrant {
  day: string;
  scope: ListScope;
  nonce: string;
  appointments: UpcomingAppointment[];
  /** When the prompt was drawn (epoch ms). */
  issuedAt: number;
}

/**
 * The signed grant a day's Cancel prompt carries to its Confirm, as a single Cancel's does (cancelGrant.ts): one grant
 * listing every appointment offered, each put there only after the access rule let this user cancel it, so Confirm is
 * the cancel POSTs alone. HMAC-SHA256 with a key of its own (derived for this purpose from the deployment's key root);
 * bound to the user; expires as a single grant does. What a card's reader changes, or another user replays, verifies
 * as nothing.
 */
export class DayGrants {
  private readonly sealed: SealedPayloads;

  constructor(
    key: Buffer,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.sealed = new SealedPayloads(key, 'bookings-bot cancel day grant v1', MAX_PAYLOAD_BYTES);
  }

  /** Only for appointments the access rule just let `user` cancel. */
  issue(user: UserRef, day: string, scope: ListScope, appointments: readonly UpcomingAppointment[]): string {
    const payload: DayGrantPayload = {
      v: 1,
      may: 'cancelDay',
      user: userKeyOf(user),
      expiresAt: this.now() + this.ttlMs,
      day,
      scope,
      nonce: randomBytes(12).toString('base64url'),
      appointments: appointments.map(granted),
    };
    return this.sealed.seal(payload);
  }

  /** The grant, if this bot issued it to `user` and it still holds. */
  verify(grant: string | undefined, user: UserRef): DayGrant | undefined {
    const payload = this.payloadOf(grant, user);
    return payload && payload.expiresAt > this.now() ? grantOf(payload, this.ttlMs) : undefined;
  }

  /**
   * A grant this bot issued to `user` that has expired: its batch may still be known (a confirm re-delivered long
   * after), but nothing is cancelled on its word.
   */
  expired(grant: string | undefined, user: UserRef): DayGrant | undefined {
    const payload = this.payloadOf(grant, user);
    return payload && payload.expiresAt <= this.now() ? grantOf(payload, this.ttlMs) : undefined;
  }

  private payloadOf(grant: string | undefined, user: UserRef): DayGrantPayload | undefined {
    const payload = this.sealed.open(grant) as DayGrantPayload | undefined;
    if (!payload) return undefined;
    const holds = payload.v === 1 && payload.may === 'cancelDay' && payload.user === userKeyOf(user) && Array.isArray(payload.appointments) && typeof payload.nonce === 'string';
    return holds ? payload : undefined;
  }
}

/** What the grant keeps of an appointment: what the cards show and the ledger records; no join link. */
function granted(appointment: UpcomingAppointment): StoredAppointment {
  const stored = storeAppointment(appointment);
  delete stored.joinWebUrl;
  return stored;
}

function grantOf(payload: DayGrantPayload, ttlMs: number): DayGrant {
  return { day: payload.day, scope: payload.scope === 'business' ? 'business' : 'mine', nonce: payload.nonce, appointments: payload.appointments.map(restoreAppointment), issuedAt: payload.expiresAt - ttlMs };
}
