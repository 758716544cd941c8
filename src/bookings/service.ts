import { type CancelLedger, type CancelRecord, restoreAppointment, type StoredAppointment, storeAppointment } from './cancelLedger.js';
import { BookingsError, ErrorCode } from './errors.js';
import { mayCancel, maySeeWholeBusiness } from './roles.js';
import type { BookingsGateway } from './gateway.js';
import type {
  Appointment,
  Business,
  BusinessFilter,
  CancelOutcome,
  ListScope,
  StaffMember,
  TimeWindow,
  UpcomingAppointment,
  UpcomingResult,
  UserRef,
} from './types.js';

export type Clock = () => Date;

/** The longest cancellation message we send; the card's input enforces the same limit. */
export const MAX_CANCELLATION_MESSAGE_LENGTH = 500;

export interface BookingsServiceOptions {
  /** How far ahead "upcoming" looks. */
  windowDays: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Failures after which we cannot know whether Graph cancelled (no answer, or a server fault mid-way). */
const OUTCOME_UNKNOWN = new Set([ErrorCode.Timeout, ErrorCode.Unavailable, ErrorCode.Internal]);

/** The bot's use cases: what is coming up for me, and cancel one with a message. */
export class BookingsService {
  /** Cancels under way, so concurrent confirms of one appointment share a single Graph call. */
  private readonly inFlight = new Map<string, Promise<CancelOutcome>>();

  constructor(
    private readonly gateway: BookingsGateway,
    private readonly ledger: CancelLedger,
    private readonly clock: Clock,
    private readonly options: BookingsServiceOptions,
  ) {}

  /**
   * The user's upcoming appointments in every business where they are staff: those assigned to them
   * and those assigned to nobody (which any staff member may have to handle), soonest first. With scope
   * "business", administrators and schedulers get everyone's appointments in the businesses they run.
   */
  async upcoming(user: UserRef, window?: TimeWindow, scope: ListScope = 'mine', filter: BusinessFilter = {}): Promise<UpcomingResult> {
    const now = this.clock();
    window ??= { start: now, end: new Date(now.getTime() + this.options.windowDays * DAY_MS) };
    const [person, businesses] = await Promise.all([this.gateway.me(user), this.gateway.listBusinesses(user)]);
    const emails = new Set(person.emailAddresses.map((e) => e.toLowerCase()));

    const memberships = await Promise.all(
      businesses.map(async (business) => {
        const staff = await this.gateway.listStaff(user, business.id);
        const me = staff.find((s) => emails.has(s.emailAddress.toLowerCase()));
        return me ? { business, staff, me } : undefined;
      }),
    );
    const mine = memberships.filter((m) => m !== undefined);
    if (mine.length === 0) return { kind: 'notStaff', window };
    const all = mine.map((m) => m.business);
    const chosen = chooseBusiness(all, filter);
    if (filter.name && !chosen) return { kind: 'noSuchBusiness', window, name: filter.name, businesses: all };
    const shown = chosen ? mine.filter((m) => m.business === chosen) : mine;

    const perBusiness = await Promise.all(
      shown.map(async ({ business, staff, me }) => {
        const appointments = await this.gateway.calendarView(user, business.id, window);
        const everyone = scope === 'business' && maySeeWholeBusiness(me);
        return appointments
          .filter((a) => a.end > now && (everyone || a.staffMemberIds.length === 0 || a.staffMemberIds.includes(me.id)))
          .map((a) => placeInContext(a, business, staff, me));
      }),
    );
    const appointments = perBusiness.flat().sort((a, b) => a.start.getTime() - b.start.getTime() || a.id.localeCompare(b.id));
    return { kind: 'appointments', window, appointments, scope, canSeeWholeBusiness: mine.some(({ me }) => maySeeWholeBusiness(me)), businesses: all, business: chosen };
  }

  /** One appointment, fetched fresh so a stale card never acts on data that changed. */
  async appointment(user: UserRef, businessId: string, appointmentId: string): Promise<UpcomingAppointment> {
    const [appointment, businesses, staff, person] = await Promise.all([
      this.gateway.getAppointment(user, businessId, appointmentId),
      this.gateway.listBusinesses(user),
      this.gateway.listStaff(user, businessId),
      this.gateway.me(user),
    ]);
    const business = businesses.find((b) => b.id.toLowerCase() === businessId.toLowerCase()) ?? { id: businessId, displayName: businessId };
    const emails = new Set(person.emailAddresses.map((e) => e.toLowerCase()));
    return placeInContext(appointment, business, staff, staff.find((s) => emails.has(s.emailAddress.toLowerCase())));
  }

  /** The appointment, if the user's role lets them cancel it; otherwise Forbidden, before anything is sent. */
  async appointmentToCancel(user: UserRef, businessId: string, appointmentId: string): Promise<UpcomingAppointment> {
    const appointment = await this.appointment(user, businessId, appointmentId);
    if (!appointment.canCancel) throw new BookingsError(ErrorCode.Forbidden, "The user's Bookings role cannot cancel appointments");
    return appointment;
  }

  /**
   * Cancels once. A repeated confirm (double click, re-delivery) gets the first outcome without a second
   * Graph call; a 404 after an attempt whose outcome we never learned (timeout) means that attempt worked.
   */
  async cancel(user: UserRef, businessId: string, appointmentId: string, message: string): Promise<CancelOutcome> {
    const cancellationMessage = validateMessage(message);
    const key = ledgerKey(businessId, appointmentId);
    const running = this.inFlight.get(key);
    if (running) return running;
    const attempt = this.cancelOnce(user, businessId, appointmentId, cancellationMessage, key).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, attempt);
    return attempt;
  }

  private async cancelOnce(
    user: UserRef,
    businessId: string,
    appointmentId: string,
    cancellationMessage: string,
    key: string,
  ): Promise<CancelOutcome> {
    const previous = await this.ledger.get(key);
    if (previous?.state === 'cancelled') return outcomeOf(previous);
    try {
      // Fetched first: the outcome card shows what was cancelled, and a stale card or a look-only role fails here
      // without a POST.
      const appointment = await this.appointmentToCancel(user, businessId, appointmentId);
      await this.ledger.put(key, { state: 'attempted', cancellationMessage, at: this.clock().toISOString(), appointment: storeAppointment(appointment) });
      await this.cancelOrForget(user, businessId, appointmentId, cancellationMessage, key);
      return await this.recordCancelled(key, cancellationMessage, storeAppointment(appointment));
    } catch (error) {
      const earlierAttemptLanded = previous?.state === 'attempted' && error instanceof BookingsError && error.code === ErrorCode.NotFound;
      if (!earlierAttemptLanded) throw error;
      return this.recordCancelled(key, previous.cancellationMessage, previous.appointment);
    }
  }

  /** Sends the cancel; a definitive refusal (403, 429, …) erases the attempt so a later 404 is not taken for success. */
  private async cancelOrForget(user: UserRef, businessId: string, appointmentId: string, cancellationMessage: string, key: string): Promise<void> {
    try {
      await this.gateway.cancelAppointment(user, businessId, appointmentId, cancellationMessage);
    } catch (error) {
      if (!(error instanceof BookingsError && OUTCOME_UNKNOWN.has(error.code))) await this.ledger.delete(key);
      throw error;
    }
  }

  private async recordCancelled(key: string, cancellationMessage: string, appointment: StoredAppointment): Promise<CancelOutcome> {
    const cancelled: CancelRecord = { state: 'cancelled', cancellationMessage, appointment, at: this.clock().toISOString() };
    await this.ledger.put(key, cancelled);
    return outcomeOf(cancelled);
  }
}

/** By id (a stale id means all), else the first whose name contains the typed text, ignoring case. */
function chooseBusiness(businesses: Business[], filter: BusinessFilter): Business | undefined {
  if (filter.id) return businesses.find((b) => b.id.toLowerCase() === filter.id!.toLowerCase());
  const name = filter.name?.trim().toLowerCase();
  return name ? businesses.find((b) => b.displayName.toLowerCase().includes(name) || b.id.toLowerCase().startsWith(name)) : undefined;
}

function outcomeOf(record: CancelRecord): CancelOutcome {
  return { appointment: restoreAppointment(record.appointment), cancellationMessage: record.cancellationMessage, cancelledAt: new Date(record.at) };
}

function validateMessage(message: string): string {
  const trimmed = message.trim();
  if (trimmed.length === 0) throw new BookingsError(ErrorCode.MessageRequired, 'Cancellation message is empty');
  if (trimmed.length > MAX_CANCELLATION_MESSAGE_LENGTH) {
    throw new BookingsError(ErrorCode.MessageTooLong, 'Cancellation message is too long');
  }
  return trimmed;
}

function ledgerKey(businessId: string, appointmentId: string): string {
  return `cancel/${businessId.toLowerCase()}/${appointmentId}`;
}

function placeInContext(appointment: Appointment, business: Business, staff: StaffMember[], me: StaffMember | undefined): UpcomingAppointment {
  const names = new Map(staff.map((s) => [s.id, s.displayName]));
  return {
    ...appointment,
    businessName: business.displayName,
    staffNames: appointment.staffMemberIds.map((id) => names.get(id)).filter((n) => n !== undefined),
    canCancel: mayCancel(me),
  };
}
