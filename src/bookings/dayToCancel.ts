import { type RangeKey, windowOf } from './dateRange.js';
import type { BookingsService } from './service.js';
import { dateInZone } from './timeZones.js';
import type { Acting, Business, BusinessFilter, ListScope, UpcomingAppointment } from './types.js';

/**
 * The most appointments one day's prompt offers: its grant and its card must stay within what Teams carries (a card
 * action's data, a card of about 28 KB); a busier day is cancelled in parts (the prompt says so).
 */
export const MAX_DAY_APPOINTMENTS = 30;

/** What a day's Cancel prompt offers the user. */
export interface DayOffer {
  /** YYYY-MM-DD in the user's time zone. */
  day: string;
  /** The appointments of that day still to come that the access rule lets this user cancel, soonest first (at most MAX_DAY_APPOINTMENTS). */
  appointments: UpcomingAppointment[];
  /** How many there are in all (more than offered when the day is busier than MAX_DAY_APPOINTMENTS). */
  total: number;
  scope: ListScope;
  /** Whether the user administers or schedules one of their businesses (and so may switch to the whole business). */
  canSeeWholeBusiness: boolean;
  /** The business shown, when the user chose one. */
  business?: Business;
}

/** The day a key names ("today", "tomorrow", or a date) as a date in the user's zone. */
export function dayKeyOf(range: RangeKey, now: Date, timeZone: string): string {
  if (range !== 'today' && range !== 'tomorrow') return range;
  return dateKey(windowOf(range, now, timeZone, 1).start, timeZone);
}

/** The date (YYYY-MM-DD) an instant falls on in a zone. */
export function dateKey(instant: Date, timeZone: string): string {
  const { year, month, day } = dateInZone(instant, timeZone);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * The day's appointments this user may cancel: the list's own read (their businesses' calendars for that day, the
 * access rule applied to every item), keeping only those the rule lets them cancel, Graph can address, and that
 * have not begun. By default
 * their own (and unassigned ones); with scope "business", everyone's where they administer or schedule.
 */
export async function dayToCancel(bookings: BookingsService, acting: Acting, day: string, timeZone: string, scope: ListScope, filter: BusinessFilter): Promise<DayOffer> {
  const window = windowOf(day as RangeKey, new Date(0), timeZone, 1);
  // A date that does not exist (a forged "2026-02-30") is the day its window falls on.
  const shown = dateKey(window.start, timeZone);
  const result = await bookings.upcoming(acting, window, scope, filter);
  if (result.kind !== 'appointments') return { day: shown, appointments: [], total: 0, scope, canSeeWholeBusiness: false };
  // One already begun is not offered: a day's message would reach its customer during or after the visit.
  const now = bookings.now();
  const cancellable = result.appointments.filter((a) => a.canCancel && a.start > now);
  return {
    day: shown,
    appointments: cancellable.slice(0, MAX_DAY_APPOINTMENTS),
    total: cancellable.length,
    scope,
    canSeeWholeBusiness: result.canSeeWholeBusiness,
    business: result.business,
  };
}
