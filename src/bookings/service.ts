import { isOwnOrUnassigned, maySeeWholeBusiness, accessTo } from './access.js';
import { authorized, contextOf, forgettingRefusal, placeInContext } from './businessContext.js';
import { windowOf } from './dateRange.js';
import type { BookingsGateway } from './gateway.js';
import { isRefusedBusiness, type StaffDirectory } from './staffDirectory.js';
import type { Acting, Appointment, Business, BusinessFilter, ListScope, TimeWindow, UpcomingAppointment, UpcomingResult } from './types.js';

export type Clock = () => Date;

/** How a list finds the user's businesses (see StaffDirectory.placesOf). */
export interface FindPlaces {
  /** When the list must answer with what is known (performance.now()); a scan still going then goes on. */
  answerBy?: number;
  /** Read the tenant again: the user was just added to a business. */
  rescan?: boolean;
}

/**
 * The bot's read use cases: what is coming up for me, and one appointment as I may see or cancel it (cancelling
 * itself is cancellations.ts).
 */
export class BookingsService {
  constructor(
    private readonly gateway: BookingsGateway,
    /** Where the user is staff, remembered between turns. */
    private readonly directory: StaffDirectory,
    private readonly clock: Clock,
    /** How far ahead "upcoming" looks. */
    private readonly windowDays: number,
  ) {}

  /** The service's time: what "upcoming" and "begun" are measured against. */
  now(): Date {
    return this.clock();
  }

  /**
   * The user's upcoming appointments in every business where they are staff: those assigned to them
   * and those assigned to nobody (which any staff member may have to handle), soonest first. With scope
   * "business", administrators and schedulers get everyone's appointments in the businesses they run.
   */
  async upcoming(acting: Acting, window?: TimeWindow, scope: ListScope = 'mine', filter: BusinessFilter = {}, find: FindPlaces = {}): Promise<UpcomingResult> {
    const now = this.clock();
    window ??= windowOf('upcoming', now, 'UTC', this.windowDays);
    const { places: mine, scanning } = await this.directory.placesOf(acting, find.answerBy, find.rescan);
    if (mine.length === 0 && !scanning) return { kind: 'notStaff', window };
    const all = mine.map((m) => m.business);
    const chosen = chooseBusiness(all, filter);
    if (filter.name && !chosen) return { kind: 'noSuchBusiness', window, name: filter.name, businesses: all };
    const shown = chosen ? mine.filter((m) => m.business === chosen) : mine;

    const perBusiness = await Promise.all(
      shown.map(async ({ business, staffNames, me }) => {
        const everyone = scope === 'business' && maySeeWholeBusiness(me);
        // Graph answers the whole calendar; others' items are dropped before being read, and the rule still holds here.
        const appointments = await this.appointmentsIn(acting, business.id, window, everyone ? undefined : (staffMemberIds) => isOwnOrUnassigned(me, { staffMemberIds }));
        return appointments
          .filter((a) => a.end > now && (everyone || isOwnOrUnassigned(me, a)) && accessTo(me, a).maySee)
          .map((a) => placeInContext(a, { business, staffNames, me }));
      }),
    );
    const appointments = perBusiness.flat().sort((a, b) => a.start.getTime() - b.start.getTime() || a.id.localeCompare(b.id));
    return { kind: 'appointments', window, appointments, scope, canSeeWholeBusiness: mine.some(({ me }) => maySeeWholeBusiness(me)), businesses: all, business: chosen, scanning };
  }

  /** One appointment, fetched fresh so a stale card never acts on data that changed; Forbidden unless the user may see it. */
  appointment(acting: Acting, businessId: string, appointmentId: string): Promise<UpcomingAppointment> {
    return this.fetchFor(acting, businessId, appointmentId, 'see');
  }

  /** The appointment, if the user may cancel it; otherwise Forbidden, before anything is sent. */
  appointmentToCancel(acting: Acting, businessId: string, appointmentId: string): Promise<UpcomingAppointment> {
    return this.fetchFor(acting, businessId, appointmentId, 'cancel');
  }

  private async fetchFor(acting: Acting, businessId: string, appointmentId: string, need: 'see' | 'cancel'): Promise<UpcomingAppointment> {
    const [appointment, context] = await Promise.all([
      forgettingRefusal(this.directory, acting, businessId, this.gateway.getAppointment(acting, businessId, appointmentId)),
      contextOf(this.directory, acting, businessId),
    ]);
    return authorized(context, appointment, need);
  }

  /** A business's appointments in the window; none when Graph now refuses the business: it never fails the list. */
  private async appointmentsIn(acting: Acting, businessId: string, window: TimeWindow, staffed?: (staffMemberIds: readonly string[]) => boolean): Promise<Appointment[]> {
    try {
      return await this.gateway.calendarView(acting, businessId, window, staffed);
    } catch (error) {
      if (!isRefusedBusiness(error)) throw error;
      await this.directory.drop(acting, businessId);
      return [];
    }
  }
}

/** By id (a stale id means all), else the first whose name contains the typed text, ignoring case. */
function chooseBusiness(businesses: Business[], filter: BusinessFilter): Business | undefined {
  if (filter.id) return businesses.find((b) => b.id.toLowerCase() === filter.id!.toLowerCase());
  const name = filter.name?.trim().toLowerCase();
  return name ? businesses.find((b) => b.displayName.toLowerCase().includes(name) || b.id.toLowerCase().startsWith(name)) : undefined;
}
