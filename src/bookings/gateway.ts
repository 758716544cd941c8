import type { CodedError } from './errors.js';
import type { Appointment, Business, Person, StaffMember, TimeWindow, Acting } from './types.js';

/**
 * What the domain needs from Microsoft Graph, acting as the given user.
 * Implementations throw CodedError with a code; they never return partial data silently.
 */
export interface BookingsGateway {
  me(acting: Acting): Promise<Person>;
  /** Every business of the tenant (Graph lists them all, at most 500), not only the user's. */
  listBusinesses(acting: Acting): Promise<Business[]>;
  getBusiness(acting: Acting, businessId: string): Promise<Business>;
  listStaff(acting: Acting, businessId: string): Promise<StaffMember[]>;
  /**
   * The staff of many businesses, in as few requests as Graph allows, within the user's deadline: `found` hears each
   * business once, with its staff or Graph's coded refusal, as answers come. Throttled reads are asked again after
   * their Retry-After; rejects (the rest unheard) when the deadline passes first.
   */
  staffOfEach(acting: Acting, businessIds: readonly string[], found: (businessId: string, staff: StaffMember[] | CodedError) => void): Promise<void>;
  /**
   * Every appointment in the window, across all pages; with `staffed`, only those whose staff it accepts (checked
   * before the rest of an item is read: a staff member's list is a few items of a business's whole calendar).
   */
  calendarView(acting: Acting, businessId: string, window: TimeWindow, staffed?: (staffMemberIds: readonly string[]) => boolean): Promise<Appointment[]>;
  getAppointment(acting: Acting, businessId: string, appointmentId: string): Promise<Appointment>;
  /** Sends the cancel POST once; never retried blindly. Resolves with Graph's request-id, for the audit trail. */
  cancelAppointment(acting: Acting, businessId: string, appointmentId: string, cancellationMessage: string): Promise<{ requestId?: string }>;
}
