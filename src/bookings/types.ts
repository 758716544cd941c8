import type { Secret } from './secret.js';
import type { ScanProgress } from './staffDirectory.js';

/**
 * Who the user is. Once signed in, `tenantId` and `aadObjectId` are those of the token the bot acts with (never ids
 * the client chose: on Web Chat and Direct Line the client writes `from`); before, the channel's. Keys, grants and
 * the access rule go by this alone.
 */
export interface UserRef {
  /** The channel's id for the user (Teams: 29:..., Emulator: any string). */
  id: string;
  /** The channel the user came through (msteams, webchat, emulator…). */
  channel?: string;
  aadObjectId?: string;
  /** The user's Entra tenant. */
  tenantId?: string;
  name?: string;
}

/**
 * A user as one turn acts for them: who, and what every call made for them carries of that turn, passed explicitly
 * (as a per-turn context is): by when it ends, the proof of sign-in, when it began, and what it measures.
 */
export interface Acting {
  readonly user: UserRef;
  /** performance.now() by which every wait made for the user ends (Entra ID, Graph, storage). None: no limit (scripts, tests). */
  readonly deadline?: number;
  /** When the turn began (epoch ms): a token exchanged in it is not kept if the user signed out after that. */
  readonly startedAt?: number;
  /** Proof of the user's sign-in (production: their token for the bot's app), passed through to the token provider. */
  readonly credential?: Secret;
  /** What the turn measures of the calls made for the user (its log line's Graph time). Nothing depends on it. */
  readonly meter?: CallMeter;
}

/** Counts a turn's calls to a far service and the time it waited on them; each call begins and ends once. */
export interface CallMeter {
  begin(): void;
  /** The call ended; with the service's id for it, when it answered with one, and ours (the client-request-id). */
  end(requestId?: string, clientRequestId?: string): void;
  /** What the turn's log lines carry (its id, the conversation's hash), for lines written about these calls. */
  readonly logFields: Readonly<Record<string, unknown>>;
  /** Where the turn is in a trace (telemetry), so each call's span hangs under it; absent when telemetry is off. */
  readonly trace?: TraceParent;
}

/**
 * A turn's place in a trace, opaque here: the outer layers hand it back to telemetry (src/telemetry) with each call
 * they make for the turn. The domain only carries it, inside Acting.meter.
 */
export interface TraceParent {
  /** The trace's id (Application Insights' operation_Id), as the turn's log lines carry it. */
  readonly traceId: string;
}

/** The signed-in user as Graph knows them (GET /me). */
export interface Person {
  id: string;
  displayName: string;
  /** Addresses Bookings staff records may use for this person (mail, userPrincipalName, each SMTP proxy address). */
  emailAddresses: string[];
}

export interface Business {
  id: string;
  displayName: string;
}

export interface StaffMember {
  id: string;
  displayName: string;
  emailAddress: string;
  /** Bookings role: administrator, scheduler, teamMember, viewer, externalGuest, guest, or a newer value. */
  role: string;
  /** active, pendingAcceptance, rejectedByStaff, or a newer value: only an active member is staff. */
  membershipStatus: string;
}

/** An appointment with only what the bot shows. The customer's e-mail is never carried; their phone only in `details`. */
export interface Appointment {
  id: string;
  businessId: string;
  serviceName: string;
  start: Date;
  end: Date;
  customerName: string;
  staffMemberIds: readonly string[];
  /** Whether Graph can read and cancel it by its id (not when the id holds a "/"): otherwise only Bookings itself can. */
  openableById: boolean;
  joinWebUrl?: string;
  /** Present when the appointment was read by id. */
  details?: AppointmentDetails;
}

/**
 * What only a read by id returns (lists omit notes). The customer's phone is carried for the personal-chat Details
 * card only; their e-mail address never is.
 */
export interface AppointmentDetails {
  serviceNotes?: string;
  customerNotes?: string;
  location?: string;
  /** Bookings price and how it applies (fixedPrice, hourly, free, …). */
  price?: { amount: number; type: string };
  customerPhone?: string;
}

/** An appointment placed in context for display. */
export interface UpcomingAppointment extends Appointment {
  businessName: string;
  staffNames: string[];
  /** Whether the user's Bookings role in this business lets them cancel it (viewers and guests may only look). */
  canCancel: boolean;
}

export interface TimeWindow {
  start: Date;
  end: Date;
}

/** Whose appointments a list shows: the user's own (and unassigned ones), or everyone's where the role allows. */
export type ListScope = 'mine' | 'business';

/** Which business a list shows: one by id (a remembered or clicked choice) or by a typed name; all when neither. */
export interface BusinessFilter {
  id?: string;
  name?: string;
}

export type UpcomingResult =
  | {
      kind: 'appointments';
      window: TimeWindow;
      appointments: UpcomingAppointment[];
      scope: ListScope;
      /** Whether the user administers or schedules any of their businesses (and so may switch to the whole business). */
      canSeeWholeBusiness: boolean;
      /** Every business where the user is staff, for switching between them. */
      businesses: Business[];
      /** The one business shown, or undefined for all of them. */
      business?: Business;
      /** The tenant is still being read for the user's businesses: the list is as far as that got. */
      scanning?: ScanProgress;
    }
  /** "appointments <name>" named no business where the user is staff. */
  | { kind: 'noSuchBusiness'; window: TimeWindow; name: string; businesses: Business[] }
  /** The user is not a staff member of any booking business they can see. */
  | { kind: 'notStaff'; window: TimeWindow };

export interface CancelOutcome {
  appointment: UpcomingAppointment;
  /** The message the customer was sent (the first one, if the confirm was repeated). */
  cancellationMessage: string;
  cancelledAt: Date;
}
